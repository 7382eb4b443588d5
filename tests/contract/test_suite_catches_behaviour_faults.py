"""Proof that each behaviour check can fail: an emulator fault breaks exactly one promise of
openapi.yaml's `x-koodrive-behaviour`, and the suite must fail naming it.

Each run is a real, bounded schemathesis run in live mode against the test's emulator (its
default data: a second user, groups of both kinds, short listings), with one fault on.
"""

from __future__ import annotations

import pytest
from koodrive_emulator.testing import RunningEmulator

from contract_tests.testing import RunSuite

EXAMPLES = ("--phases", "examples", "--max-examples", "3")
# Boundary and invalid values come from the coverage phase; every case is judged, not only
# the first failing one (schemathesis stops at an operation's first failure by default).
COVERAGE = ("--phases", "coverage", "--max-examples", "3")
# The emulator shares this machine's clock: an X-Date a minute ahead must be refused.
EMULATOR_CLOCK = ("--clock-tolerance", "0")
GROUPS, DEVICES = "listUserGroups", "listBoundDevices"

CASES = [
    # fault, operation, phase arguments, the check that must fail, what it must say
    ("repeat-item", GROUPS, EXAMPLES, "listings_page_as_declared", "the listing repeated item"),
    ("never-end", GROUPS, EXAMPLES, "listings_page_as_declared", "the listing did not end"),
    ("wrong-total", GROUPS, EXAMPLES, "listings_page_as_declared", "but the listing yields"),
    ("ignore-page-size", GROUPS, EXAMPLES, "listings_page_as_declared", "more than pageSize="),
    (
        "ignore-group-name",
        GROUPS,
        EXAMPLES,
        "filters_applied_as_declared",
        "which it does not match (contains-ignoring-case)",
    ),
    (
        "case-sensitive-group-name",
        GROUPS,
        EXAMPLES,
        "filters_applied_as_declared",
        "which matches it (contains-ignoring-case",
    ),
    (
        "ignore-source-type",
        GROUPS,
        EXAMPLES,
        "filters_applied_as_declared",
        "the filter partitions items, so it looks ignored",
    ),
    (
        "forged-cursor-restarts",
        GROUPS,
        EXAMPLES,
        "cursors_refused_as_declared",
        "an altered cursor (one character changed) got 200",
    ),
    (
        "unbound-cursor",
        GROUPS,
        EXAMPLES,
        "cursors_refused_as_declared",
        "an issued cursor sent with sourceType=1 got 200",
    ),
    (
        "lenient-parameters",
        GROUPS,
        COVERAGE,
        "invalid_requests_refused",
        "101 is greater than the maximum of 100) answered 200",
    ),
    (
        "lenient-parameters",
        GROUPS,
        COVERAGE,
        "invalid_requests_refused",
        "(sourceType missing: it is required) answered 200",
    ),
    (
        "parameter-error-401",
        DEVICES,
        COVERAGE,
        "invalid_requests_refused",
        "answered 401 with code None; the spec promises 400 with code 13000102",
    ),
    ("filter-404", GROUPS, EXAMPLES, "filters_applied_as_declared", "answered 404"),
    (
        "every-users-devices",
        DEVICES,
        EXAMPLES,
        "owner_data_only",
        "each item belongs to one user only",
    ),
    ("no-trace-echo", DEVICES, EXAMPLES, "headers_echoed", "was sent but not echoed"),
    ("wrong-trace-echo", GROUPS, EXAMPLES, "listings_page_as_declared", "was sent but echoed as"),
    ("success-code-not-zero", DEVICES, EXAMPLES, "success_as_declared", "whose `code` is 1, not 0"),
    (
        "future-record-time",
        DEVICES,
        EXAMPLES,
        "record_times_as_declared",
        "30 days later than the response (its Date header",
    ),
    (
        "future-record-time",
        GROUPS,
        EXAMPLES,
        "record_times_as_declared",
        "a record time is never in the future",
    ),
    (
        "updated-before-created",
        GROUPS,
        EXAMPLES,
        "record_times_as_declared",
        "a record is never updated before it is created",
    ),
    (
        "future-x-date",
        DEVICES,
        EXAMPLES,
        "broken_auth_rejected",
        "a correctly signed X-Date 1 minute in the future: expected 401, got 200",
    ),
    (
        "token-any-user",
        GROUPS,
        EXAMPLES,
        "broken_auth_rejected",
        "the token with another user's X-User-Id: expected 401, got 200",
    ),
    # Both modes configured: the token mode's probes run whichever mode was accepted first.
    (
        "token-without-user-headers",
        DEVICES,
        EXAMPLES,
        "broken_auth_rejected",
        "token mode, X-User-Id left out (the requirement accessToken + requestDate + userId "
        "sends it): expected 401, got 200",
    ),
    (
        "token-without-user-headers",
        DEVICES,
        EXAMPLES,
        "broken_auth_rejected",
        "token mode, X-Date left out (the requirement accessToken + requestDate + userId "
        "sends it): expected 401, got 200",
    ),
]


@pytest.mark.parametrize(
    ("fault", "operation", "phases", "check", "broken_promise"),
    CASES,
    ids=[f"{case[0]}:{case[4][:40]}" for case in CASES],
)
def test_a_broken_promise_fails_the_suite_naming_it(
    emulator: RunningEmulator,
    run_suite: RunSuite,
    fault: str,
    operation: str,
    phases: tuple[str, ...],
    check: str,
    broken_promise: str,
) -> None:
    emulator.faults.add(fault)

    run = run_suite(
        *phases,
        *EMULATOR_CLOCK,
        "--",
        "--include-operation-id",
        operation,
        "--continue-on-failure",
    )

    assert run.exit_code != 0, run.output
    assert f"`{check}`" in run.summary, run.summary
    assert broken_promise in run.summary, run.summary  # under "Broken promises"
    assert "curl -X GET" in run.summary  # the requests that show it
    secrets = (emulator.credentials.token, emulator.credentials.app_secret)
    assert not [secret for secret in secrets if secret in run.output + run.junit + run.summary]


@pytest.mark.parametrize("phases", [EXAMPLES, COVERAGE], ids=["examples", "coverage"])
@pytest.mark.parametrize("operation", [GROUPS, DEVICES])
def test_the_unbroken_emulator_keeps_every_promise(
    run_suite: RunSuite, operation: str, phases: tuple[str, ...]
) -> None:
    run = run_suite(*phases, *EMULATOR_CLOCK, "--", "--include-operation-id", operation)

    assert run.exit_code == 0, run.summary + run.output[-3000:]
    assert "<failure" not in run.junit


def test_a_check_with_nothing_to_judge_says_so(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    user = emulator.credentials.user_id
    for group in emulator.backend.groups(user):
        emulator.backend.remove_group(user, group.id)
    emulator.backend.add_group(user, group_name="only", source_type=0)

    run = run_suite(*EXAMPLES, *EMULATOR_CLOCK, env={"KOODRIVE_CONTRACT_AUTH": "token"})

    assert run.exit_code == 0, run.summary  # nothing broken: nothing to report as broken
    assert "Not exercised (the target gave these checks nothing to judge):" in run.summary
    for expected in (
        "cursors_refused_as_declared on GET /koodrive/ose/v1/usergroups: no listing has a "
        "second page",
        "filters_applied_as_declared on GET /koodrive/ose/v1/usergroups: sourceType: fewer "
        "than two of its values list any item",
        "owner_data_only on GET /koodrive/ose/v1/backup/device: needs app mode",
    ):
        assert expected in run.summary, run.summary


def test_a_listing_that_is_always_empty_is_told_not_exercised(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    user = emulator.credentials.user_id
    for device in emulator.backend.devices(user):
        emulator.backend.remove_device(user, device.device_id)

    run = run_suite(*EXAMPLES, *EMULATOR_CLOCK, "--", "--include-operation-id", DEVICES)

    assert run.exit_code == 0, run.summary
    assert (
        "listings_page_as_declared on GET /koodrive/ose/v1/backup/device: every accepted "
        "request's listing was empty"
    ) in run.summary, run.summary
