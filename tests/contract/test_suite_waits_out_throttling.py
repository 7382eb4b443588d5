"""Documented throttling is the gateway asking to come back later, not a broken promise.

A real, bounded suite run (live mode, examples phase, one operation) against the test's
emulator, throttling with the spec's 429 (gateway body, `Retry-After`) or 503:

- waited out, the run passes and its summary counts the waits;
- throttling that outlasts the waiting leaves the listing walks unfinished: the run passes
  and says, under "Not exercised", what it could not judge;
- a `Retry-After` of another form than the spec declares (an HTTP-date) is still a finding.
"""

from __future__ import annotations

import json

import pytest
from koodrive_emulator.testing import RunningEmulator

from contract_tests.testing import RunSuite

EXAMPLES = ("--phases", "examples", "--max-examples", "3", "--clock-tolerance", "0")
GROUPS = ("--", "--include-operation-id", "listUserGroups")
NOT_EXERCISED = "Not exercised (the target gave these checks nothing to judge):"


@pytest.mark.parametrize(
    ("kind", "options", "counted"),
    [
        # The target: later pages of a listing throttled, Retry-After: 1.
        ("throttle-pages", {"retry_after": 1, "times": 2}, "2 answers waited out (429 x2; 2 s"),
        # Every request (the generated cases, schemathesis' own auth probes, the suite's).
        ("throttle", {"retry_after": 0, "times": 3}, "3 answers waited out (429 x3; 0 s"),
        ("unavailable", {"retry_after": 0, "times": 2}, "2 answers waited out (503 x2; 0 s"),
    ],
)
def test_throttling_waited_out_passes_and_is_counted(
    emulator: RunningEmulator,
    run_suite: RunSuite,
    kind: str,
    options: dict[str, int],
    counted: str,
) -> None:
    emulator.faults.add(kind, **options)  # type: ignore[arg-type]

    run = run_suite(*EXAMPLES, *GROUPS)

    assert run.exit_code == 0, run.summary + run.output[-3000:]
    assert f"  throttled:   {counted}" in run.summary, run.summary
    assert "still throttled" not in run.summary
    assert NOT_EXERCISED not in run.summary, run.summary
    if kind != "throttle-pages":  # a generated case waited: the coverage saw its answer
        status = counted.split("(")[1].split(" ")[0]
        gaps = json.loads((run.reports / "coverage.json").read_text(encoding="utf-8"))
        assert (
            f"GET /koodrive/ose/v1/usergroups: status {status} never seen"
            not in (gaps["uncovered"])
        )


def test_throttling_that_outlasts_the_waiting_is_not_exercised_not_broken(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    emulator.faults.add("throttle-pages", retry_after=0)  # every later page, for good

    run = run_suite(*EXAMPLES, *GROUPS, "--continue-on-failure")

    assert run.exit_code == 0, run.summary + run.output[-3000:]
    assert "Broken promises" not in run.summary
    assert "still throttled, left unjudged: still throttled after 4 tries" in run.summary
    assert NOT_EXERCISED in run.summary
    groups = "on GET /koodrive/ose/v1/usergroups"
    for check in ("listings_page_as_declared", "filters_applied_as_declared"):
        assert (
            f"{check} {groups}: page 2 of a listing (pageSize=2, sourceType=0) was still "
            "answered 429 after waiting out throttling, so the listing was not followed to its end"
        ) in run.summary, run.summary
    assert (
        f"cursors_refused_as_declared {groups}: an altered cursor (one character changed): "
        "still answered 429 after waiting out throttling"
    ) in run.summary


def test_a_retry_after_of_the_wrong_form_is_still_a_finding(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    emulator.faults.add("throttle-http-date", retry_after=1, times=1)

    run = run_suite(*EXAMPLES, *GROUPS)

    assert run.exit_code != 0, run.output
    assert "`throttling_as_declared`" in run.summary, run.summary
    assert "a 429 whose Retry-After '" in run.summary
    assert "GMT' is not an integer of at least 0, as the spec declares it" in run.summary
    assert "curl -X GET" in run.summary
    assert "  throttled:   1 answers waited out (429 x1" in run.summary
