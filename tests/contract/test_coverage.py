"""Spec coverage: what a run exercised of openapi.yaml, from its real traffic."""

from __future__ import annotations

import json

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
    assert (covered, total) == (1, 7)  # the others were filtered out, and it says so
    assert "Spec coverage (coverage.json):" in run.summary
    assert "GET /koodrive/ose/v1/backup/device: never called" in document["uncovered"]
    gap = f"{GROUPS}: query pageCursor never sent at maximum length 1024"
    assert gap in document["uncovered"]  # the summary shows the first 25 of them
    assert f"Not covered ({len(document['uncovered'])}):" in run.summary
