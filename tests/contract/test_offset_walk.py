"""The offset walk's judgement (`listings_page_as_declared` on an offset-paged listing),
against a made-up listing served here: each flaw breaks one promise and is named, and the
sound listing passes. The emulator's faults prove the same through a whole run
(test_suite_catches_membership_faults.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import schemathesis
from koodrive_spec import Spec
from koodrive_spec.behaviour import OffsetPaging

from contract_tests.credentials import AuthMode
from contract_tests.promises import Walker
from contract_tests.runner import SPEC
from tests.contract.made_up import MadeUpListing

MEMBERS = "listUserGroupMembers"
BEHAVIOUR = Spec.packaged().behaviours[MEMBERS]


def _paging() -> OffsetPaging:
    found = BEHAVIOUR.offset_paging
    assert found is not None, f"{MEMBERS} is offset-paged"
    return found


PAGING = _paging()
ITEMS = BEHAVIOUR.items or ""
KEY = BEHAVIOUR.item_key or ""


class Listing(MadeUpListing):
    """A listing of `count` items, served by offset, with one flaw at most."""

    def __init__(self, count: int, flaw: str | None = None) -> None:
        super().__init__()
        self.items = [{KEY: str(1000 + n)} for n in range(count)]
        self.flaw = flaw

    def body(self, query: Mapping[str, Any]) -> dict[str, Any]:
        offset, limit = int(query[PAGING.offset]), int(query[PAGING.limit])
        total = len(self.items)
        start = max(0, offset - 1) if self.flaw == "repeat" and offset else offset
        page = self.items[start : start + (limit * 2 if self.flaw == "long" else limit)]
        if self.flaw == "past-total" and offset >= total:
            page = self.items[-limit:]
        if self.flaw == "ends-early" and offset >= limit:
            page = []
        if self.flaw == "wrong-total":
            total += 1
        if self.flaw == "unstable-total":
            total += self.calls
        return {"code": 0, "msg": "OK", PAGING.total: total, ITEMS: page}


@pytest.fixture
def case() -> Any:
    schema = schemathesis.openapi.from_path(str(SPEC))
    return schema.find_operation_by_id(MEMBERS).Case(
        path_parameters={"groupId": "1407237551361847809"}, query={}
    )


def walk(case: Any, listing: Listing, limit: int = 3) -> list[str]:
    walker = Walker(listing)  # type: ignore[arg-type]
    query = {"groupId": "1407237551361847809", PAGING.offset: 0, PAGING.limit: limit}
    return walker.walk(case, AuthMode.APP, BEHAVIOUR, query).problems


@pytest.mark.parametrize("count", [0, 1, 3, 7])
def test_a_sound_offset_listing_passes(case: Any, count: int) -> None:
    assert walk(case, Listing(count)) == []


@pytest.mark.parametrize(
    ("flaw", "said"),
    [
        ("repeat", "the listing repeated item"),
        ("wrong-total", "`total` is 8 but the listing yields 7 items"),
        ("unstable-total", "`total` changed from"),
        ("long", "holds 6 items, more than limit=3"),
        ("past-total", "offset=7, at `total`, answered 3 items"),
        ("ends-early", "the page at offset=3 is empty, but `total` is 7"),
    ],
)
def test_each_flaw_of_an_offset_listing_is_named(case: Any, flaw: str, said: str) -> None:
    problems = walk(case, Listing(7, flaw))

    assert any(said in problem for problem in problems), problems
