"""The fidelity score of two emulators, one playing the live API: alike they score 100%;
made to differ, each difference is named with both answers. A behaviour fault (a filter
ignored or compared with case, a partition ignored, another user's data listed, pages of
another length) shows as a behaviour comparison, with the data alike or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from koodrive_emulator.credentials import DEV_USER_ID
from koodrive_emulator.faults import FaultKind
from koodrive_emulator.state import Backend
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_proxy.fidelity import Fidelity, Report, Side, cases
from koodrive_proxy.fidelity_behaviour import AS_DECLARED
from koodrive_proxy.fidelity_requests import key_listing
from koodrive_spec.reader import Spec

# Names for every user of the default data (it names two of them): the members' `keyWord`
# filter is judged by parts of their names.
NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra")


def named(backend: Backend) -> Backend:
    """`backend` with each of its users named."""
    for user_id, name in zip(backend.users(), NAMES * len(backend.users()), strict=False):
        backend.add_user(user_id, name=name)
    return backend


def reading(operation: str) -> set[str]:
    """`operation` and the reads whose path takes a key it lists (a group the user joins):
    a fault of the listing shows in them too."""
    spec = Spec.packaged()
    return {operation} | {
        op.operation_id
        for op in spec.operations.values()
        for p in op.parameters
        if p.location == "path" and key_listing(spec, op.operation_id, p.name) == operation
    }


@pytest.fixture
def pair() -> Iterator[tuple[RunningEmulator, RunningEmulator]]:
    with (
        running_emulator(backend=named(Backend.default())) as live,
        running_emulator(backend=named(Backend.default())) as emulator,
    ):
        yield live, emulator


def side(name: str, emulator: RunningEmulator) -> Side:
    found = emulator.credentials
    return Side(name, emulator.base_url, found.user_id, found.token, found.app_id, found.app_secret)


def score(
    pair: tuple[RunningEmulator, RunningEmulator],
    *,
    same_data: bool = False,
    behaviour_only: bool = False,
    behaviour: bool = True,
) -> Report:
    live, emulator = pair
    fidelity = Fidelity(
        Spec.packaged(), side("live", live), side("emulator", emulator), same_data=same_data
    )
    # Pages of 3: the default data's 8 groups of sourceType 0 then take three pages.
    return fidelity.run([] if behaviour_only else None, walk_page_size=3, behaviour=behaviour)


# Each behaviour the spec declares for the default data, compared once (app mode): the
# partitions of sourceType, paging for each sourceType, three groupName probes for each
# sourceType, the devices' exclusive owner, and the members listing (of a group the user
# joins) paged by offset and its three keyWord probes.
BEHAVIOUR_ASPECTS = 1 + 2 + 3 * 2 + 1 + 1 + 3


def test_the_cases_come_from_the_spec() -> None:
    names = {(case.operation, case.name) for case in cases(Spec.packaged())}

    assert ("listUserGroups", "pageSize=101") in names
    assert ("listUserGroups", "pageSize=0") in names
    assert ("listUserGroups", "sourceType=1") in names
    assert ("listUserGroups", "without sourceType") in names
    assert ("listUserGroups", "groupName of 129 characters") in names
    assert ("listUserGroups", "walked to the end (10 a page)") in names
    assert ("listBoundDevices", "without credentials") in names


def test_an_unmodified_pair_scores_100(pair: tuple[RunningEmulator, RunningEmulator]) -> None:
    report = score(pair)

    assert report.differences == []
    assert report.score == 100.0
    assert report.cases > 30
    assert report.aspects > 4 * report.cases * 0.9
    assert report.unjudged == []


@pytest.mark.parametrize("same_data", [False, True])
def test_an_unmodified_pair_behaves_alike_in_every_declared_behaviour(
    pair: tuple[RunningEmulator, RunningEmulator], same_data: bool
) -> None:
    report = score(pair, behaviour_only=True, same_data=same_data)

    assert report.differences == []
    assert report.unjudged == []
    # With the same data each listing's items are compared across the sides too.
    assert report.aspects == BEHAVIOUR_ASPECTS + (2 + 2 + 3 * 2 + 1 + 3 if same_data else 0)
    assert report.score == 100.0


@pytest.mark.parametrize(
    ("fault", "operation", "case", "aspect"),
    [
        (
            FaultKind.LENIENT_PARAMETERS,
            "listUserGroups",
            "listUserGroups pageSize=101 (app)",
            "status",
        ),
        (
            FaultKind.PARAMETER_ERROR_401,
            "listUserGroups",
            "listUserGroups without sourceType (token)",
            "body kind",
        ),
        (FaultKind.WRONG_TYPE, "listBoundDevices", "listBoundDevices valid (app)", "body shape"),
        (FaultKind.CODE_AS_STRING, "listBoundDevices", "listBoundDevices valid (token)", "code"),
        (
            FaultKind.NEVER_END,
            "listUserGroups",
            "listUserGroups walked to the end (3 a page) (app)",
            "paging ends",
        ),
        (
            FaultKind.REPEAT_ITEM,
            "listUserGroups",
            "listUserGroups walked to the end (3 a page) (token)",
            "paging repeats an item",
        ),
        (
            FaultKind.WRONG_TOTAL,
            "listUserGroups",
            "listUserGroups walked to the end (3 a page) (app)",
            "paging total tells the count",
        ),
        (  # offset paging: walked from offset 0 by each page's length, in a group joined
            FaultKind.WRONG_TOTAL,
            "listUserGroupMembers",
            "listUserGroupMembers walked to the end (3 a page) (app)",
            "paging total tells the count",
        ),
    ],
)
def test_each_difference_of_a_pair_made_to_differ_is_named(
    pair: tuple[RunningEmulator, RunningEmulator],
    fault: FaultKind,
    operation: str,
    case: str,
    aspect: str,
) -> None:
    live, _ = pair
    live.faults.add(fault, operation=operation)

    report = score(pair)

    assert report.score < 100.0
    named = {(d.case, d.aspect) for d in report.differences}
    assert (case, aspect) in named, sorted(named)
    difference = next(d for d in report.differences if (d.case, d.aspect) == (case, aspect))
    assert difference.live != difference.emulator
    assert difference.live_answer.startswith("HTTP ")
    assert difference.emulator_answer.startswith("HTTP ")
    assert operation in {d.case.split(" ")[0] for d in report.differences}
    assert {d.case.split(" ")[0] for d in report.differences} <= reading(operation)


GROUPS_0 = "listUserGroups groupName contains-ignoring-case, sourceType=0 (app)"
PAGING_0 = "listUserGroups paging, sourceType=0 (app)"
SAME_ORDER = "the same items in the same order at 3 and at 100 a page"


@pytest.mark.parametrize(
    ("fault", "operation", "case", "aspect", "outcome", "unseen_before"),
    [
        (
            FaultKind.IGNORE_GROUP_NAME,
            "listUserGroups",
            GROUPS_0,
            "a value matching nothing",
            "lists items that do not match",
            True,
        ),
        (
            FaultKind.CASE_SENSITIVE_GROUP_NAME,
            "listUserGroups",
            GROUPS_0,
            "that part in another case",
            "leaves out items that match",
            True,
        ),
        (
            FaultKind.IGNORE_SOURCE_TYPE,
            "listUserGroups",
            "listUserGroups sourceType partitions (app)",
            "each item listed for one value only",
            "an item is listed for two values",
            False,  # the read of a group it lists for the other sourceType is refused
        ),
        (
            FaultKind.EVERY_USERS_DEVICES,
            "listBoundDevices",
            "listBoundDevices exclusive owner (app)",
            "another user's listing shares no item",
            "another user's listing shares items",
            True,
        ),
        (
            FaultKind.IGNORE_PAGE_SIZE,
            "listUserGroups",
            PAGING_0,
            SAME_ORDER,
            "a page longer than asked",
            False,  # a page of 8 for pageSize=1 is a body of another shape already
        ),
        (
            FaultKind.REPEAT_ITEM,
            "listUserGroups",
            PAGING_0,
            SAME_ORDER,
            "an item repeats; other items; total does not tell the count",
            False,  # the walk's repeat shows already
        ),
    ],
)
def test_a_behaviour_that_differs_from_the_declared_one_is_named(
    pair: tuple[RunningEmulator, RunningEmulator],
    fault: FaultKind,
    operation: str,
    case: str,
    aspect: str,
    outcome: str,
    unseen_before: bool,
) -> None:
    live, _ = pair
    live.faults.add(fault, operation=operation)

    report = score(pair)

    assert report.score < 100.0
    named = {(d.case, d.aspect): d for d in report.differences}
    assert (case, aspect) in named, sorted(named)
    difference = named[(case, aspect)]
    assert (difference.live, difference.emulator) == (outcome, AS_DECLARED)
    # Both answers summarised: the counts, and on the live side the items that differ.
    assert " items" in difference.emulator_answer or " listed" in difference.emulator_answer
    assert difference.live_answer != difference.emulator_answer
    assert operation in {d.case.split(" ")[0] for d in report.differences}
    assert {d.case.split(" ")[0] for d in report.differences} <= reading(operation)
    assert report.unjudged == []
    if unseen_before:  # status and shape alone score such a pair 100% (issue 27)
        assert score(pair, behaviour=False).score == 100.0


def test_a_filter_ignored_is_told_with_both_counts_and_the_keys(
    pair: tuple[RunningEmulator, RunningEmulator],
) -> None:
    live, _ = pair
    live.faults.add(FaultKind.IGNORE_GROUP_NAME, operation="listUserGroups")

    report = score(pair, behaviour_only=True)

    found = {(d.case, d.aspect): d for d in report.differences}
    nothing = found[(GROUPS_0, "a value matching nothing")]
    assert nothing.live_answer.startswith("groupName='zzzz': 8 listed; 0 of the 8 unfiltered")
    assert "listed but not matching: 1404926806536180481, 1407237551361847809" in (
        nothing.live_answer
    )
    assert nothing.emulator_answer.startswith("groupName='zzzz': 0 listed; 0 of the 8")
    # Every probe of both sourceTypes: a part of a name, in another case, matching nothing.
    assert len(report.differences) == 6
    assert report.score == 100.0 * (BEHAVIOUR_ASPECTS - 6) / BEHAVIOUR_ASPECTS


@pytest.fixture
def other_data() -> Backend:
    """The default data and 30 groups and 3 devices more: a live tenant unlike the seed."""
    backend = Backend.default()
    backend.seed_synthetic(DEV_USER_ID, groups=30, devices=3, seed=5)
    return named(backend)


def test_sides_with_other_data_that_both_behave_as_declared_score_100(
    other_data: Backend,
) -> None:
    with (
        running_emulator(backend=other_data) as live,
        running_emulator(backend=named(Backend.default())) as emulator,
    ):
        report = score((live, emulator))
        compared = score((live, emulator), same_data=True)

    # Each side's data is its own: what each holds is not compared, how it behaves is.
    assert report.differences == [], report.differences[:3]
    assert report.unjudged == []
    assert report.score == 100.0
    # Told the data is alike, the items of the listings are compared, and differ.
    assert compared.score < 100.0
    assert {d.aspect for d in compared.differences if not d.aspect.endswith("(same data)")} == {
        "paging items"
    }
    partition = next(d for d in compared.differences if "items of sourceType=0" in d.aspect)
    assert str(partition.live).startswith("28 items, total 28; not on the other side: ")
    assert partition.emulator == "8 items, total 8"


@pytest.mark.parametrize(
    ("fault", "case", "aspect"),
    [
        (FaultKind.CASE_SENSITIVE_GROUP_NAME, GROUPS_0, "that part in another case"),
        (FaultKind.IGNORE_GROUP_NAME, GROUPS_0, "a value matching nothing"),
        (
            FaultKind.IGNORE_SOURCE_TYPE,
            "listUserGroups sourceType partitions (app)",
            "each item listed for one value only",
        ),
    ],
)
def test_a_behaviour_fault_shows_when_the_data_differs_too(
    other_data: Backend, fault: FaultKind, case: str, aspect: str
) -> None:
    with (
        running_emulator(backend=other_data) as live,
        running_emulator(backend=named(Backend.default())) as emulator,
    ):
        live.faults.add(fault, operation="listUserGroups")
        report = score((live, emulator), behaviour_only=True)

    assert (case, aspect) in {(d.case, d.aspect) for d in report.differences}
    assert all(d.emulator == AS_DECLARED for d in report.differences)


def test_a_comparison_a_side_cannot_judge_is_not_scored_but_told(
    pair: tuple[RunningEmulator, RunningEmulator],
) -> None:
    # A token acts for its own user only: no other user's devices to compare with.
    sides = [
        Side(e.name, e.base_url, e.user_id, token=e.token)
        for e in map(side, ("live", "emulator"), pair)
    ]

    report = Fidelity(Spec.packaged(), *sides).run([], walk_page_size=3)

    assert report.score == 100.0
    assert report.aspects == BEHAVIOUR_ASPECTS - 1
    [unjudged] = report.unjudged
    assert unjudged.case == "listBoundDevices exclusive owner (token)"
    assert unjudged.live.startswith("not judged: needs app credentials on both sides")
    assert "## Not judged" in report.markdown()
    assert report.to_json()["unjudged"] == [unjudged.to_json()]


def fidelity_command(
    pair: tuple[RunningEmulator, RunningEmulator],
    report_path: Path,
    *flags: str,
    environ: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`koodrive-proxy fidelity` run on the pair, the live side's credentials in the
    environment (the emulator's are its development ones, the default)."""
    live, emulator = pair
    found = live.credentials
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "koodrive_proxy",
            "fidelity",
            "--live",
            live.base_url,
            "--emulator",
            emulator.base_url,
            "--report",
            str(report_path),
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
            "KOODRIVE_USER_ID": found.user_id,
            "KOODRIVE_TOKEN": found.token,
            "KOODRIVE_APP_ID": found.app_id,
            "KOODRIVE_APP_SECRET": found.app_secret,
            **(environ or {}),
        },
        check=False,
    )


def test_the_report_shows_both_answers(
    pair: tuple[RunningEmulator, RunningEmulator], tmp_path: Path
) -> None:
    live, _ = pair
    live.faults.add(FaultKind.WRONG_TYPE, operation="listBoundDevices")
    report_path = tmp_path / "fidelity.json"

    done = fidelity_command(pair, report_path, "--min-score", "99.9")

    assert done.returncode == 1, done.stderr  # under --min-score
    assert "fidelity 9" in done.stdout
    report = json.loads(report_path.read_text("utf-8"))
    assert 0 < report["score"] < 100
    shapes = [d for d in report["differences"] if d["aspect"] == "body shape"]
    assert shapes
    assert '"data": {"items"' in shapes[0]["live_answer"]
    assert '"data": [{' in shapes[0]["emulator_answer"]
    markdown = report_path.with_suffix(".md").read_text("utf-8")
    assert markdown.startswith("# Emulator fidelity")
    assert "| listBoundDevices valid (app) | body shape |" in markdown


def test_the_command_compares_behaviour_and_with_same_data_the_items(
    pair: tuple[RunningEmulator, RunningEmulator], tmp_path: Path
) -> None:
    live, _ = pair
    live.faults.add(FaultKind.IGNORE_GROUP_NAME, operation="listUserGroups")
    second_user = "1395476983395324034"  # the default data's, with a device of its own
    report_path = tmp_path / "fidelity.json"

    done = fidelity_command(
        pair,
        report_path,
        "--same-data",
        "--walk-page-size",
        "3",
        environ={
            "KOODRIVE_OTHER_USER_ID": second_user,
            "KOODRIVE_EMULATOR_OTHER_USER_ID": second_user,
        },
    )

    assert done.returncode == 0, done.stderr  # no --min-score
    assert "differences, 0 behaviour comparisons not judged" in done.stdout
    report = json.loads(report_path.read_text("utf-8"))
    found = {(d["case"], d["aspect"]): d for d in report["differences"]}
    nothing = found[(GROUPS_0, "a value matching nothing")]
    assert (nothing["live"], nothing["emulator"]) == ("lists items that do not match", AS_DECLARED)
    assert nothing["live_answer"].startswith("groupName='zzzz': 8 listed")
    items = found[(GROUPS_0, "a value matching nothing: items (same data)")]
    assert str(items["live"]).startswith("8 items, total 8; not on the other side: ")
    assert items["emulator"] == "0 items, total 0"
    # The second user named was asked for on each side: its device is none of the first's.
    assert not any(case.startswith("listBoundDevices") for case, _ in found)
    for target in pair:
        target.verify("listBoundDevices", count=1, where={"X-User-Id": second_user})
    assert report["unjudged"] == []
    markdown = report_path.with_suffix(".md").read_text("utf-8")
    assert f"| {GROUPS_0} | a value matching nothing | `lists items that do not match` |" in (
        markdown
    )


def test_sides_without_a_shared_mode_are_refused(
    pair: tuple[RunningEmulator, RunningEmulator],
) -> None:
    live, emulator = pair
    token_only = Side("live", live.base_url, live.credentials.user_id, token=live.credentials.token)
    app_only = Side(
        "emulator",
        emulator.base_url,
        emulator.credentials.user_id,
        app_id=emulator.credentials.app_id,
        app_secret=emulator.credentials.app_secret,
    )

    with pytest.raises(ValueError, match="share no authentication mode"):
        Fidelity(Spec.packaged(), token_only, app_only).run()


def test_throttling_is_waited_out_not_scored(pair: tuple[RunningEmulator, RunningEmulator]) -> None:
    live, emulator = pair
    live.faults.throttle(retry_after=2, times=3)
    waits: list[float] = []

    report = Fidelity(
        Spec.packaged(), side("live", live), side("emulator", emulator), sleep=waits.append
    ).run(walk_page_size=3)

    assert report.score == 100.0, report.differences[:3]
    assert waits == [2.0, 2.0, 2.0]


def test_a_walk_whose_cursor_repeats_stops_at_once(
    pair: tuple[RunningEmulator, RunningEmulator],
) -> None:
    live, _ = pair
    live.faults.add(FaultKind.REPEAT_CURSOR, operation="listUserGroups")
    before = len(live.requests)

    report = score(pair)

    walked = [d for d in report.differences if d.aspect == "paging ends"]
    assert walked
    assert len(live.requests) - before < 200  # not the 500 pages a loop would have cost
