"""Cursor paging: walks, filters, total, tamper-evident cursors, changes between pages,
short pages on purpose, and scale."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from koodrive_emulator import Backend, PagingBehaviour, SourceType
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.rules.paging import Pager, _Position
from koodrive_emulator.testing import RunningEmulator, running_emulator

USER = "1395476983395324033"


def get_page(
    emulator: RunningEmulator,
    http: httpx.Client,
    cursor: str = "",
    *,
    size: int = 3,
    source_type: int = 0,
    name: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    params: dict[str, Any] = {"pageSize": size, "pageCursor": cursor, "sourceType": source_type}
    if name is not None:
        params["groupName"] = name
    return http.get(GROUPS, params=params, headers=headers or emulator.token_headers())


def walk(
    emulator: RunningEmulator, http: httpx.Client, **kwargs: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of a walk, following nextCursor until it is absent; (pages, groups)."""
    pages: list[dict[str, Any]] = []
    cursor = ""
    while True:
        response = get_page(emulator, http, cursor, **kwargs)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if "nextCursor" not in pages[-1]:
            return pages, [g for page in pages for g in page["userGroupList"]]
        cursor = pages[-1]["nextCursor"]
        assert len(pages) < 10_000, "the walk does not end"


def ids(groups: list[dict[str, Any]]) -> list[str]:
    return [g["id"] for g in groups]


@pytest.mark.parametrize("source_type", [0, 1])
def test_a_walk_returns_every_group_once_in_order(
    emulator: RunningEmulator, http: httpx.Client, source_type: int
) -> None:
    expected = [g.id for g in emulator.backend.groups(USER, source_type=source_type)]
    pages, groups = walk(emulator, http, size=3, source_type=source_type)
    assert ids(groups) == expected
    assert all(page["total"] == len(expected) for page in pages)
    assert all(len(page["userGroupList"]) == 3 for page in pages[:-1])


def test_a_full_last_page_has_no_next_cursor(emulator: RunningEmulator, http: httpx.Client) -> None:
    count = len(emulator.backend.groups(USER, source_type=0))
    body = get_page(emulator, http, size=count).json()
    assert len(body["userGroupList"]) == count
    assert "nextCursor" not in body


def test_page_size_may_change_between_pages(emulator: RunningEmulator, http: httpx.Client) -> None:
    first = get_page(emulator, http, size=2).json()
    rest = get_page(emulator, http, first["nextCursor"], size=100).json()
    assert ids(first["userGroupList"] + rest["userGroupList"]) == [
        g.id for g in emulator.backend.groups(USER, source_type=0)
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("team", ["Design Team", "team-alpha", "Support Team"]),
        ("TEAM", ["Design Team", "team-alpha", "Support Team"]),
        ("服务", ["客户服务"]),
        ("no such group", []),
    ],
)
def test_group_name_filters_case_insensitively_by_substring(
    emulator: RunningEmulator, http: httpx.Client, name: str, expected: list[str]
) -> None:
    pages, groups = walk(emulator, http, size=2, name=name)
    assert [g["groupName"] for g in groups] == expected
    assert pages[0]["total"] == len(expected)


def test_an_empty_list_is_one_page_without_next_cursor(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.credentials.add_token("lonely", "77")
    body = get_page(emulator, http, headers={"Authorization": "Bearer lonely"}).json()
    assert body == {"code": 0, "msg": "OK", "total": 0, "userGroupList": []}


def assert_bad_cursor(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["code"] == 13000102
    for word in ("pageCursor", *words):
        assert word in response.json()["msg"]


_URLSAFE_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _unused_bits_changed(cursor: str) -> str:
    """The last character with its lowest bit flipped: the signature's 16 bytes fill 22
    base64 characters with 4 bits to spare, so a lenient decoder reads the same bytes."""
    last = _URLSAFE_BASE64.index(cursor[-1])
    return cursor[:-1] + _URLSAFE_BASE64[last ^ 1]


def _non_ascii_inserted(cursor: str) -> str:
    """An 'é' at the start of the signature, where a lenient base64 decoder skips it."""
    dot = cursor.rindex(".") + 1
    return cursor[:dot] + "\u00e9" + cursor[dot:]


def _leading_zero(cursor: str) -> str:
    """The same position spelled with a leading zero: the same number to int()."""
    return "0" + cursor


def _forged(cursor: str) -> str:
    """A cursor of the same form for the same binding, signed with a guessed key."""
    binding = cursor.split(".")[2]
    return Pager(b"guessed key")._encode(_Position(0, 1), binding)


def _altered(cursor: str) -> str:
    middle = len(cursor) // 3
    return cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]


@pytest.mark.parametrize(
    "make_cursor",
    [
        pytest.param(_altered, id="altered"),
        pytest.param(lambda c: c[:-1], id="truncated"),
        pytest.param(lambda c: c + "x", id="extended"),
        pytest.param(lambda c: c + "==", id="extra padding"),
        pytest.param(_non_ascii_inserted, id="non-ASCII inserted"),
        pytest.param(_unused_bits_changed, id="unused low bits changed"),
        pytest.param(lambda c: "not-a-cursor", id="garbage"),
        pytest.param(lambda c: c[:-22] + "=" + c[-21:], id="padding inside"),
        pytest.param(_leading_zero, id="leading zero"),
        pytest.param(lambda c: c.upper(), id="other case"),
        pytest.param(_forged, id="forged with another key"),
    ],
)
def test_altered_or_forged_cursors_are_400_never_a_page(
    emulator: RunningEmulator, http: httpx.Client, make_cursor: Any
) -> None:
    cursor = get_page(emulator, http).json()["nextCursor"]
    assert_bad_cursor(get_page(emulator, http, make_cursor(cursor)), "not a cursor this server")


def test_a_forged_cursor_is_told_how_to_start_again(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    assert_bad_cursor(
        get_page(emulator, http, "not-a-cursor"),
        "pageCursor is not a cursor this server issued (altered, forged or from an earlier "
        "run); send the previous nextCursor unchanged, or empty to start",
    )


@pytest.mark.parametrize(
    "changes",
    [{"source_type": 1}, {"name": "a"}, {"headers": "other user"}],
    ids=["other sourceType", "other groupName", "other user"],
)
def test_a_cursor_is_bound_to_its_user_and_filters(
    emulator: RunningEmulator, http: httpx.Client, changes: dict[str, Any]
) -> None:
    cursor = get_page(emulator, http, size=1).json()["nextCursor"]
    if changes.get("headers"):
        emulator.credentials.add_token("other-user-token", "1395476983395324034")
        changes = {"headers": {"Authorization": "Bearer other-user-token"}}
    assert_bad_cursor(get_page(emulator, http, cursor, size=1, **changes), "issued for another")


def test_groups_added_between_pages_come_later_and_nothing_is_skipped_or_repeated(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    before = [g.id for g in emulator.backend.groups(USER, source_type=0)]
    first = get_page(emulator, http, size=3).json()
    added = [
        emulator.backend.add_group(USER, group_name=f"Added {n}", source_type=SourceType.GROUP).id
        for n in range(2)
    ]
    emulator.backend.add_group(USER, group_name="Other kind", source_type=SourceType.USER_GROUP)
    rest: list[dict[str, Any]] = []
    cursor = first["nextCursor"]
    while cursor:
        body = get_page(emulator, http, cursor, size=3).json()
        assert body["total"] == len(before) + 2
        rest += body["userGroupList"]
        cursor = body.get("nextCursor", "")
    assert ids(first["userGroupList"] + rest) == before + added


def test_groups_removed_between_pages_are_gone_and_nothing_else_is_skipped(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    before = [g.id for g in emulator.backend.groups(USER, source_type=0)]
    first = get_page(emulator, http, size=3).json()
    emulator.backend.remove_group(USER, before[1])  # already returned
    emulator.backend.remove_group(USER, before[4])  # not yet returned
    pages, _ = [first], None
    cursor = first["nextCursor"]
    while cursor:
        pages.append(get_page(emulator, http, cursor, size=3).json())
        cursor = pages[-1].get("nextCursor", "")
    seen = ids([g for page in pages for g in page["userGroupList"]])
    assert seen == before[:3] + [i for i in before[3:] if i != before[4]]
    assert pages[-1]["total"] == len(before) - 2


def test_short_and_empty_pages_before_the_end_still_walk_everything(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.backend.seed_synthetic(USER, groups=150, seed=3)
    expected = [g.id for g in emulator.backend.groups(USER, source_type=0)]
    emulator.paging.short_pages = 0.5
    emulator.paging.seed = 11
    pages, groups = walk(emulator, http, size=4)
    assert ids(groups) == expected
    sizes = [len(page["userGroupList"]) for page in pages[:-1]]
    assert 0 in sizes, "expected at least one empty page before the end"
    assert any(0 < size < 4 for size in sizes), "expected a short, non-empty page"
    cursors = [page["nextCursor"] for page in pages[:-1]]
    assert len(set(cursors)) == len(cursors), "an empty page must still give a new cursor"


def test_short_pages_are_reproducible_for_a_seed(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.backend.seed_synthetic(USER, groups=60)
    emulator.paging.short_pages = 0.6
    first_sizes = [len(p["userGroupList"]) for p in walk(emulator, http, size=5)[0]]
    again_sizes = [len(p["userGroupList"]) for p in walk(emulator, http, size=5)[0]]
    assert first_sizes == again_sizes


def test_short_pages_ratio_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="short_pages"):
        PagingBehaviour(short_pages=1.0)
    behaviour = PagingBehaviour()
    with pytest.raises(ValueError, match="short_pages"):
        behaviour.short_pages = -0.1
    assert behaviour.short_pages == 0.0


@pytest.mark.slow
def test_a_hundred_thousand_groups_page_correctly() -> None:
    backend = Backend()
    backend.seed_synthetic(USER, groups=100_000, seed=1)
    with (
        running_emulator(backend=backend) as emulator,
        httpx.Client(base_url=emulator.base_url, timeout=30) as http,
    ):
        expected = [g.id for g in backend.groups(USER, source_type=1)]
        assert len(expected) == 33_333
        pages, groups = walk(emulator, http, size=100, source_type=1)
        assert ids(groups) == expected
        assert {page["total"] for page in pages} == {33_333}
        named = get_page(emulator, http, size=100, name="team 99999").json()
        assert named["total"] == len(backend.groups(USER, source_type=0, group_name="team 99999"))


def test_a_page_asked_again_is_the_same_until_any_write_and_then_shows_it(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    first = get_page(emulator, http, size=50)
    again = get_page(emulator, http, size=50, headers=emulator.token_headers())
    assert again.content == first.content
    created = emulator.backend.create_group(
        USER, group_name="kept?", source_type=SourceType.GROUP, now=datetime.now(UTC)
    )
    after = get_page(emulator, http, size=50).json()
    assert after["total"] == first.json()["total"] + 1
    assert created.id in ids(after["userGroupList"])


def test_a_kept_page_answers_only_the_same_caller_and_parameters(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    mine = get_page(emulator, http, size=2).json()
    assert get_page(emulator, http, size=3).json()["userGroupList"][:2] == mine["userGroupList"]
    assert len(get_page(emulator, http, size=3).json()["userGroupList"]) == 3
    named = get_page(emulator, http, size=2, name=mine["userGroupList"][0]["groupName"]).json()
    assert named["total"] < mine["total"]


def test_a_kept_page_is_never_sent_with_a_cursor_another_app_signed() -> None:
    backend = Backend.default()
    with (
        running_emulator(backend=backend) as first,
        running_emulator(backend=backend) as second,
        httpx.Client(base_url=first.base_url) as a,
        httpx.Client(base_url=second.base_url) as b,
    ):
        cursor_a = get_page(first, a, size=1).json()["nextCursor"]
        cursor_b = get_page(second, b, size=1).json()["nextCursor"]
        assert cursor_a != cursor_b  # each app signs with its own key
        assert get_page(second, b, cursor_b, size=1).status_code == 200
        assert get_page(first, a, cursor_a, size=1).status_code == 200


def test_a_request_that_runs_into_a_fault_is_never_answered_from_a_kept_page(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    total = get_page(emulator, http, size=50).json()["total"]
    emulator.faults.add("wrong-total", operation="listUserGroups")
    assert get_page(emulator, http, size=50).json()["total"] != total
