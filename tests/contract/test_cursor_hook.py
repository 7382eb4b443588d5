"""The cursor hook on cases schemathesis really generates from openapi.yaml: a negative case
keeps a valid cursor unless the cursor is what it breaks."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, find, settings

from contract_tests import cursors
from contract_tests.runner import SPEC
from contract_tests.types import Case, Operation

MAX_CURSOR = 1024  # openapi.yaml: pageCursor.maxLength, the bound the generated cases cross


@pytest.fixture(scope="module")
def groups() -> Operation:
    schema = schemathesis.openapi.from_path(str(SPEC))
    return schema["/koodrive/ose/v1/usergroups"]["GET"]


def generated(operation: Operation, query: dict[str, Any]) -> Case:
    """A case schemathesis generated, given `query`: it judges the case positive or negative
    itself, from the query, as it does when a hook edits one."""
    case = find(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        lambda case: True,
        settings=settings(max_examples=1, suppress_health_check=list(HealthCheck)),
    )
    case.query = query
    return case


def mapped(operation: Operation, case: Case) -> dict[str, Any]:
    result = cursors.map_case(schemathesis.HookContext(operation=operation), case)
    assert isinstance(result.query, dict)
    return result.query


def test_a_negative_case_breaking_another_parameter_gets_the_first_page_cursor(
    groups: Operation,
) -> None:
    case = generated(groups, {"pageSize": 101, "pageCursor": "made-up", "sourceType": 0})
    assert case.meta is not None
    assert case.meta.generation.mode.is_negative

    query = mapped(groups, case)

    assert query["pageCursor"] == ""  # valid: the 400 now hangs on pageSize alone
    assert query["pageSize"] == 101  # what the case breaks is still sent


def test_a_negative_case_breaking_the_cursor_keeps_it(groups: Operation) -> None:
    cursor = "0" * (MAX_CURSOR + 1)
    case = generated(groups, {"pageSize": 10, "pageCursor": cursor, "sourceType": 0})
    assert case.meta is not None
    assert case.meta.generation.mode.is_negative

    assert mapped(groups, case)["pageCursor"] == cursor


def test_a_positive_case_never_sends_a_made_up_cursor(groups: Operation) -> None:
    case = generated(groups, {"pageSize": 10, "pageCursor": "made-up", "sourceType": 0})
    assert case.meta is not None
    assert case.meta.generation.mode.is_positive

    assert mapped(groups, case)["pageCursor"] == ""


def test_an_issued_cursor_travels_with_the_filters_it_was_issued_with(groups: Operation) -> None:
    cursors.ISSUED.remember(groups.label, "issued-cursor", (("sourceType", "0"),))
    case = generated(
        groups, {"pageSize": 10, "pageCursor": "issued-cursor", "sourceType": 1, "groupName": "a"}
    )

    query = mapped(groups, case)

    assert query["pageCursor"] == "issued-cursor"
    assert query["sourceType"] == "0"
    assert "groupName" not in query
