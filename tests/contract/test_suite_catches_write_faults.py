"""Proof that each write check can fail: an emulator fault breaks one promise of a write's
`x-koodrive-behaviour`, and the suite must fail naming the check and the promise; the same
bounded runs pass against the unbroken emulator, and leave its state as it was.

Each run is a real, bounded schemathesis run in live mode against the test's emulator, with
`--allow-writes` and the emulator's second user as the other identity.
"""

from __future__ import annotations

import pytest
from koodrive_emulator.testing import RunningEmulator

from contract_tests.testing import RunSuite

EXAMPLES = ("--phases", "examples", "--max-examples", "3")
# Negative bodies (refused) come from the coverage phase.
COVERAGE = ("--phases", "coverage", "--max-examples", "3")
WRITING = ("--allow-writes", "--clock-tolerance", "0", "--other-user-id", "1395476983395324034")
CREATE, UPDATE, DELETE = "createUserGroup", "updateUserGroup", "deleteUserGroup"
BIND, UNBIND = "bindDevice", "unbindDevice"

CASES = [
    # fault, operation, phases, the check that must fail, what it must say
    (
        "create-not-listed",
        CREATE,
        EXAMPLES,
        "creates_listed_as_declared",
        "is not in listUserGroups",
    ),
    (
        "create-not-listed",
        BIND,
        EXAMPLES,
        "creates_listed_as_declared",
        "is not in listBoundDevices",
    ),
    (
        "ack-without-apply",
        CREATE,
        EXAMPLES,
        "creates_listed_as_declared",
        "is not in listUserGroups",
    ),
    (
        "wrong-record-time",
        CREATE,
        EXAMPLES,
        "creates_listed_as_declared",
        "s from now: a record's times",
    ),
    ("wrong-record-time", BIND, EXAMPLES, "creates_listed_as_declared", "has createTime="),
    (
        "update-not-visible",
        UPDATE,
        EXAMPLES,
        "updates_visible_as_declared",
        "is listed with groupName=",
    ),
    (
        "delete-not-removed",
        DELETE,
        EXAMPLES,
        "deletes_removed_as_declared",
        "is still in listUserGroups",
    ),
    (
        "delete-not-removed",
        UNBIND,
        EXAMPLES,
        "deletes_removed_as_declared",
        "is still in listBoundDevices",
    ),
    (
        "second-delete-succeeds",
        DELETE,
        EXAMPLES,
        "deletes_removed_as_declared",
        "answered 200 with code 0; the spec promises 400 with code 13000309 (not-found)",
    ),
    (
        "refused-write-applied",
        CREATE,
        COVERAGE,
        "refused_writes_change_nothing",
        "a refused write (answered 400) changed listUserGroups",
    ),
    ("owner-not-enforced", UPDATE, EXAMPLES, "owner_only_changes", "only its owner may change it"),
    ("owner-not-enforced", DELETE, EXAMPLES, "owner_only_changes", "only its owner may change it"),
]


@pytest.mark.parametrize(
    ("fault", "operation", "phases", "check", "broken_promise"),
    CASES,
    ids=[f"{case[0]}:{case[1]}" for case in CASES],
)
def test_a_broken_write_promise_fails_the_suite_naming_it(
    emulator: RunningEmulator,
    run_suite: RunSuite,
    fault: str,
    operation: str,
    phases: tuple[str, ...],
    check: str,
    broken_promise: str,
) -> None:
    emulator.faults.add(fault, operation=operation)

    run = run_suite(
        *phases,
        *WRITING,
        "--",
        "--include-operation-id",
        operation,
        "--continue-on-failure",
    )

    assert run.exit_code != 0, run.output[-3000:]
    assert f"`{check}`" in run.summary, run.summary
    assert broken_promise in run.summary, run.summary  # under "Broken promises"
    secrets = (emulator.credentials.token, emulator.credentials.app_secret)
    assert not [secret for secret in secrets if secret in run.output + run.junit + run.summary]


@pytest.mark.parametrize(
    ("operation", "phases"),
    [
        (CREATE, EXAMPLES),
        (CREATE, COVERAGE),
        (UPDATE, EXAMPLES),
        (DELETE, EXAMPLES),
        (BIND, EXAMPLES),
        (UNBIND, EXAMPLES),
    ],
)
def test_the_unbroken_emulator_keeps_every_write_promise_and_its_state(
    emulator: RunningEmulator, run_suite: RunSuite, operation: str, phases: tuple[str, ...]
) -> None:
    before = emulator.backend.to_fixtures()

    run = run_suite(*phases, *WRITING, "--", "--include-operation-id", operation)

    assert run.exit_code == 0, run.summary + run.output[-3000:]
    assert "<failure" not in run.junit
    assert "removed:     all" in run.summary, run.summary
    assert emulator.backend.to_fixtures() == before  # everything it created is gone
