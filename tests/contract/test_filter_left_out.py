"""The judgement of a filter that leaves out a matching item (`filters_applied_as_declared`),
against a made-up groups listing served here, while other writes run beside the check: an
item deleted between the unfiltered and the filtered walk is no broken filter, and an item
the filter leaves out while it stays listed is. The emulator's `case-sensitive-group-name`
fault proves the same through a whole run (test_suite_catches_behaviour_faults.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import schemathesis
from koodrive_spec import Spec
from koodrive_spec.behaviour import CursorPaging, Filter, Match

from contract_tests.credentials import AuthMode
from contract_tests.promises import Walker, left_out, plan_for
from contract_tests.runner import SPEC
from tests.contract.made_up import MadeUpListing

GROUPS = "listUserGroups"
BEHAVIOUR = Spec.packaged().behaviours[GROUPS]


def _paging() -> CursorPaging:
    found = BEHAVIOUR.cursor_paging
    assert found is not None, f"{GROUPS} is cursor-paged"
    return found


def _name_filter() -> Filter:
    found = [f for f in BEHAVIOUR.filters if f.match is Match.CONTAINS_IGNORING_CASE]
    assert len(found) == 1, f"{GROUPS} has one contains filter"
    return found[0]


PAGING, NAME = _paging(), _name_filter()
FIELD, ITEMS, KEY = NAME.field or "", BEHAVIOUR.items or "", BEHAVIOUR.item_key or ""
TOTAL = PAGING.total or ""
DESIGN, OPS = "1900000000000000182", "1900000000000000183"


class Groups(MadeUpListing):
    """Two groups on one page; `drops_design`: a filter that leaves "Design Team" out."""

    def __init__(self, *, drops_design: bool = False) -> None:
        super().__init__()
        self.groups = {DESIGN: "Design Team", OPS: "Ops"}
        self.drops_design = drops_design

    def body(self, query: Mapping[str, Any]) -> dict[str, Any]:
        needle = query.get(NAME.parameter)
        page = [
            {KEY: key, FIELD: name}
            for key, name in self.groups.items()
            if needle is None
            or (needle.casefold() in name.casefold() and not (self.drops_design and key == DESIGN))
        ]
        return {"code": 0, "msg": "OK", TOTAL: len(page), ITEMS: page}


@pytest.fixture
def plan() -> Any:
    schema = schemathesis.openapi.from_path(str(SPEC))
    case = schema.find_operation_by_id(GROUPS).Case(query={"sourceType": 0})
    return plan_for(case, AuthMode.TOKEN, BEHAVIOUR)


def judged(plan: Any, groups: Groups, *, between: Any = None) -> list[str]:
    """Walk unfiltered, let `between` change the groups, walk filtered, judge."""
    walker = Walker(groups)  # type: ignore[arg-type]
    unfiltered = walker.walk(plan.case, plan.mode, BEHAVIOUR, plan.base)
    assert unfiltered.complete, unfiltered.problems
    assert len(unfiltered.items) == 2
    if between is not None:
        between(groups)
    query = {**plan.base, NAME.parameter: "dES"}
    filtered = walker.walk(plan.case, plan.mode, BEHAVIOUR, query)
    return left_out(walker, plan, NAME, "dES", unfiltered=unfiltered, filtered=filtered)


def test_a_sound_filter_leaves_nothing_out(plan: Any) -> None:
    assert judged(plan, Groups()) == []


def test_a_group_deleted_between_the_walks_is_no_broken_filter(plan: Any) -> None:
    # The run's other worker deletes the group the spec's example made; the unfiltered walk
    # before it is remembered, so only a walk made anew shows the delete.
    assert judged(plan, Groups(), between=lambda groups: groups.groups.pop(DESIGN)) == []


def test_a_group_renamed_between_the_walks_is_no_broken_filter(plan: Any) -> None:
    def rename(groups: Groups) -> None:
        groups.groups[DESIGN] = "Platform"

    assert judged(plan, Groups(), between=rename) == []


def test_a_filter_that_leaves_a_matching_group_out_is_caught(plan: Any) -> None:
    assert judged(plan, Groups(drops_design=True)) == [DESIGN]
