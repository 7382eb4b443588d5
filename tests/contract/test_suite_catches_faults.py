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


def test_every_report_is_written_and_holds_no_secret(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    import re

    # A failing run, so that the reports carry requests, responses and reproductions.
    emulator.faults.missing_field(operation="listBoundDevices")
    run = run_suite(*BOUNDED, "--", "--include-operation-id", "listBoundDevices")

    assert run.exit_code != 0, run.output
    written = {
        path.relative_to(run.reports).as_posix()
        for path in run.reports.rglob("*")
        if path.is_file() and path.parent.name != "crashes"
    }
    expected = {"junit.xml", "report.json", "requests.har", "cassette.yaml", "html/index.html"}
    assert expected <= written, written
    har = (run.reports / "requests.har").read_text(encoding="utf-8")
    assert "/koodrive/ose/v1/backup/device" in har  # the traffic is really in there
    assert "[Filtered]" in har
    given = emulator.credentials
    for path in run.reports.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in (given.token, given.app_secret):
            assert secret not in text, f"{path.name} holds a credential"
        assert not re.search(r"Bearer [\w.~+/-]{8}", text), f"{path.name} holds a token"
        assert not re.search(r"Signature=[0-9a-fA-F]{16}", text), f"{path.name} holds a signature"


def test_the_secret_search_finds_credentials_when_sanitization_is_off(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    # Proof that the test above can fail: the same reports, unsanitized, hold the token.
    run = run_suite(
        *BOUNDED, "--", "--include-operation-id", "listBoundDevices", "--output-sanitize", "false"
    )

    har = (run.reports / "requests.har").read_text(encoding="utf-8")
    assert f"Bearer {emulator.credentials.token}" in har
