"""Proof that the suite can fail: contract-breaking emulator faults must be reported.

Each run is a real, bounded schemathesis run (one operation, the examples phase, a few
examples) against an emulator with one fault switched on.
"""

from __future__ import annotations

import pytest
from koodrive_emulator.testing import RunningEmulator

from contract_tests.testing import RunSuite

BOUNDED = ("--phases", "examples", "--max-examples", "3")


@pytest.mark.parametrize(
    ("fault", "operation", "reported"),
    [
        ("wrong_type", "listUserGroups", "Response violates schema"),
        ("missing_field", "listBoundDevices", "Response violates schema"),
        ("undocumented_500", "listBoundDevices", "Server error"),
        ("code_as_string", "listUserGroups", "Response violates schema"),
    ],
)
def test_a_contract_breaking_fault_fails_the_suite(
    emulator: RunningEmulator, run_suite: RunSuite, fault: str, operation: str, reported: str
) -> None:
    getattr(emulator.faults, fault)(operation=operation)

    run = run_suite(*BOUNDED, "--", "--include-operation-id", operation)

    assert run.exit_code != 0, run.output
    assert reported in run.summary
    assert any(reported in failure for failure in run.junit_failures()), run.junit
    assert "curl -X GET" in run.summary  # how to reproduce it
    secrets = (emulator.credentials.token, emulator.credentials.app_secret)
    everything = run.output + run.junit + run.summary
    assert not [secret for secret in secrets if secret in everything]


def test_the_same_bounded_run_passes_without_the_fault(run_suite: RunSuite) -> None:
    run = run_suite(*BOUNDED, "--", "--include-operation-id", "listUserGroups")

    assert run.exit_code == 0, run.output
    assert run.summary.startswith("KooDrive contract suite: PASSED")
    assert "<failure" not in run.junit


def test_a_failure_replays_with_fresh_credentials(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    emulator.faults.missing_field(operation="listBoundDevices")
    first = run_suite(*BOUNDED, "--", "--include-operation-id", "listBoundDevices")
    assert first.exit_code != 0, first.output

    again = run_suite("--replay")

    assert again.exit_code != 0, again.output
    assert "Response violates schema" in again.output
    assert "not authenticated" not in again.output  # the signature was made anew
