"""Spec coverage: what a run exercised of openapi.yaml, from its real traffic."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import schemathesis
from koodrive_spec.reader import Spec

from contract_tests.coverage import SpecCoverage
from contract_tests.runner import SPEC
from contract_tests.testing import RunSuite
from contract_tests.types import Case

GROUPS = "GET /koodrive/ose/v1/usergroups"


def groups_case(**query: object) -> Case:
    schema = schemathesis.openapi.from_path(SPEC)
    operation = schema["/koodrive/ose/v1/usergroups"]["GET"]
    return operation.Case(query=dict(query), headers={"X-Traceid": "0" * 58})


def groups_report(coverage: SpecCoverage) -> dict[str, dict[str, dict[str, object]]]:
    [entry] = [e for e in coverage.report()["operations"] if e["operation"] == GROUPS]
    return entry["items"]  # type: ignore[no-any-return]


def test_a_bound_is_covered_only_when_a_value_at_it_was_sent() -> None:
    coverage = SpecCoverage(Spec.from_text(SPEC.read_bytes()))

    coverage.record(groups_case(pageSize=20), 200, {}, {})
    boundaries = groups_report(coverage)["boundaries"]
    assert boundaries["query pageSize at maximum value 100"]["covered"] is False
    assert (
        f"{GROUPS}: query pageSize never sent at maximum value 100"
        in coverage.report()["uncovered"]
    )

    coverage.record(groups_case(pageSize=100), 200, {}, {})
    assert groups_report(coverage)["boundaries"]["query pageSize at maximum value 100"]["covered"]


CREATE = "POST /koodrive/ose/v1/usergroups"
UPDATE = "PUT /koodrive/ose/v1/usergroups/{groupId}"


def write_case(path: str, method: str, body: dict[str, Any], **path_parameters: str) -> Case:
    schema = schemathesis.openapi.from_path(SPEC)
    operation = schema[path][method]
    return operation.Case(body=body, path_parameters=path_parameters or None)


def report_of(coverage: SpecCoverage, label: str) -> dict[str, dict[str, dict[str, object]]]:
    [entry] = [e for e in coverage.report()["operations"] if e["operation"] == label]
    return entry["items"]  # type: ignore[no-any-return]


def test_each_body_field_its_bounds_and_enum_values_are_counted_from_the_bodies_sent() -> None:
    coverage = SpecCoverage(Spec.from_text(SPEC.read_bytes()))

    coverage.record(
        write_case("/koodrive/ose/v1/usergroups", "POST", {"groupName": "Design Team"}),
        400,
        {},
        {},
    )
    items = report_of(coverage, CREATE)
    assert items["body fields"]["body groupName"]["count"] == 1
    assert items["body fields"]["body sourceType"]["covered"] is False
    assert items["body boundaries"]["body groupName at maximum length 30"]["covered"] is False
    assert set(items["body enum values"]) == {"body sourceType = 0", "body sourceType = 1"}
    uncovered = coverage.report()["uncovered"]
    assert f"{CREATE}: body sourceType never sent" in uncovered
    assert f"{CREATE}: body groupName never sent at maximum length 30" in uncovered
    assert f"{CREATE}: body groupName never sent above maximum length 30" in uncovered
    assert f"{CREATE}: body sourceType never sent as 1" in uncovered

    coverage.record(
        write_case("/koodrive/ose/v1/usergroups", "POST", {"groupName": "x" * 30, "sourceType": 1}),
        200,
        {},
        {"code": 0, "msg": "OK", "id": "1"},
    )
    coverage.record(
        write_case("/koodrive/ose/v1/usergroups", "POST", {"groupName": "", "sourceType": "0"}),
        400,
        {},
        {},
    )
    items = report_of(coverage, CREATE)
    assert items["body fields"]["body sourceType"]["count"] == 2
    assert items["body boundaries"]["body groupName at maximum length 30"]["covered"] is True
    assert items["body boundaries"]["body groupName at minimum length 1"]["covered"] is False
    assert items["body boundaries"]["body groupName below minimum length 1"]["covered"] is True
    assert items["body enum values"]["body sourceType = 1"]["covered"] is True
    # The string "0" is not the integer 0 the enum lists.
    assert items["body enum values"]["body sourceType = 0"]["covered"] is False


def _fields_in(schema: Mapping[str, Any]) -> int:
    """How many fields a body schema declares, nested ones too (an array's entries')."""
    found = 0
    for field in (schema.get("properties") or {}).values():
        found += 1 + _fields_in(field) + _fields_in(field.get("items") or {})
    return found


def test_a_string_enum_of_a_body_is_told_as_json_and_reads_take_no_body_fields() -> None:
    coverage = SpecCoverage(Spec.from_text(SPEC.read_bytes()))

    coverage.record(
        write_case(
            "/koodrive/ose/v1/usergroups/{groupId}",
            "PUT",
            {"groupName": "a", "sourceType": 0, "top": "1", "undeclared": 5},
            groupId="1",
        ),
        200,
        {},
        {"code": 0, "msg": "OK"},
    )

    items = report_of(coverage, UPDATE)
    assert items["body enum values"]['body top = "1"']["covered"] is True
    assert items["body enum values"]['body top = "0"']["gap"] == 'body top never sent as "0"'
    assert "body undeclared" not in items["body fields"]
    assert items["body boundaries"]["body iconUrl at maximum length 2048"]["covered"] is False
    declared = sum(
        _fields_in(operation.body)
        for operation in Spec.from_text(SPEC.read_bytes()).operations.values()
        if operation.body is not None
    )
    assert coverage.report()["totals"]["body fields"] == [3, declared]  # groupName, sourceType, top
    assert groups_report(coverage)["body fields"] == {}


def test_a_link_is_covered_only_when_a_request_carries_what_it_offered() -> None:
    coverage = SpecCoverage(Spec.from_text(SPEC.read_bytes()))
    first_page = {"code": 0, "total": 3, "nextCursor": "cursor-from-page-one", "groups": []}

    coverage.record(groups_case(pageSize=1), 200, {"X-Traceid": "x"}, first_page)
    coverage.record(groups_case(pageSize=1, pageCursor="some-other-cursor"), 400, {}, {})
    assert groups_report(coverage)["links"]["200 nextPage"]["covered"] is False

    coverage.record(groups_case(pageSize=1, pageCursor="cursor-from-page-one"), 200, {}, {})
    items = groups_report(coverage)
    assert items["links"]["200 nextPage"]["covered"] is True
    assert items["statuses"]["200"]["count"] == 2
    assert items["response headers"]["200 X-Traceid"]["count"] == 1
    assert items["statuses"]["404"]["covered"] is False


def test_a_run_leaves_coverage_next_to_junit_and_the_summary_names_its_gaps(
    run_suite: RunSuite,
) -> None:
    # One example: far from the bounds, so the gaps must be named.
    run = run_suite(
        "--phases", "examples", "--max-examples", "1", "--",
        "--include-operation-id", "listUserGroups",
    )  # fmt: skip

    assert run.exit_code == 0, run.output
    document = json.loads((run.reports / "coverage.json").read_text(encoding="utf-8"))
    covered, total = document["totals"]["operations"]
    operations = len(Spec.from_text(SPEC.read_bytes()).operations)
    assert (covered, total) == (1, operations)  # the others were filtered out, and it says so
    assert "Spec coverage (coverage.json):" in run.summary
    assert re.search(r"\n  body fields +0 of +[1-9]", run.summary)  # a row like the parameters'
    assert f"{CREATE}: body groupName never sent" in document["uncovered"]
    assert "GET /koodrive/ose/v1/backup/device: never called" in document["uncovered"]
    gap = f"{GROUPS}: query pageCursor never sent at maximum length 1024"
    assert gap in document["uncovered"]  # the summary shows the first 25 of them
    assert f"Not covered ({len(document['uncovered'])}):" in run.summary
