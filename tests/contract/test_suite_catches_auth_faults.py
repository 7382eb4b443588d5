"""Proof that the suite's auth checks can fail, on a real emulator told to misbehave.

The emulator has no "ignore signatures" switch, but its credentials are live objects: a
test can make it accept exactly the broken credentials the suite probes with.
"""

from __future__ import annotations

import pytest
from koodrive_emulator.testing import RunningEmulator

from contract_tests.testing import RunSuite

BOUNDED = ("--phases", "examples", "--max-examples", "3")
ONE_OPERATION = ("--", "--include-operation-id", "listBoundDevices")


def test_accepting_a_wrong_token_is_reported(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    credentials = emulator.credentials
    credentials.add_token(f"{credentials.token}-wrong", credentials.user_id)

    run = run_suite(*BOUNDED, *ONE_OPERATION, env={"KOODRIVE_CONTRACT_AUTH": "token"})

    assert run.exit_code != 0, run.output
    assert "broken_auth_rejected" in run.summary
    assert "a wrong access token: expected 401, got 200" in run.junit


def test_accepting_a_signature_of_an_unknown_app_is_reported(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    credentials = emulator.credentials
    credentials.add_app("unknown-app", credentials.app_secret)

    run = run_suite(*BOUNDED, *ONE_OPERATION, env={"KOODRIVE_CONTRACT_AUTH": "app"})

    assert run.exit_code != 0, run.output
    assert "an unknown AppId: expected 401, got 200" in run.junit


def test_wrong_credentials_are_reported_as_the_401_wall(run_suite: RunSuite) -> None:
    wrong = {"KOODRIVE_APP_SECRET": "not-the-secret", "KOODRIVE_CONTRACT_AUTH": "app"}
    run = run_suite(*BOUNDED, *ONE_OPERATION, env=wrong)

    assert run.exit_code != 0, run.output
    assert "authenticated_requests_succeed" in run.summary
    assert "only reached the 401 wall" in run.junit
    assert "not-the-secret" not in run.output + run.junit + run.summary


@pytest.mark.parametrize(
    ("mode", "broken_promise"),
    [
        (
            "app",
            "a fresh X-Date sent before an expired, correctly signed one: expected 401, got 200",
        ),
        ("app", "another user's X-User-Id sent before the real one: expected 401, got 200"),
        (
            "app",
            "Authorization sent twice (the valid one, then a wrong one): expected 401, got 200",
        ),
        (
            "token",
            "Authorization sent twice (the valid one, then a wrong one): expected 401, got 200",
        ),
    ],
)
def test_a_server_reading_header_copies_two_ways_is_reported(
    emulator: RunningEmulator, run_suite: RunSuite, mode: str, broken_promise: str
) -> None:
    emulator.faults.add("split-header-copies")

    run = run_suite(*BOUNDED, *ONE_OPERATION, env={"KOODRIVE_CONTRACT_AUTH": mode})

    assert run.exit_code != 0, run.output
    assert broken_promise in run.junit, run.junit
    secrets = (emulator.credentials.token, emulator.credentials.app_secret)
    everything = run.output + run.junit + run.summary
    assert not [secret for secret in secrets if secret in everything]


def test_a_wrong_app_secret_fails_under_any_phases_naming_the_mode(run_suite: RunSuite) -> None:
    wrong = {"KOODRIVE_APP_SECRET": "not-the-secret"}  # token mode is configured and fine
    run = run_suite("--phases", "examples", env=wrong)

    assert run.exit_code != 0, run.output
    # The summary carries the reason, not "the whole run".
    assert "no valid request got a 2xx in app mode" in run.summary
    assert "the whole run" not in run.summary
    assert "not-the-secret" not in run.output + run.junit + run.summary
