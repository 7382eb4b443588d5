"""The runner's configuration: target selection, knobs, and clear errors without secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contract_tests.credentials import AuthMode, Credentials, CredentialsError
from contract_tests.runner import UNSAFE_METHODS, Target, build_parser, schemathesis_command

ROOT = Path(__file__).resolve().parents[2]
LIVE = {
    "KOODRIVE_BASE_URL": "http://127.0.0.1:9",
    "KOODRIVE_USER_ID": "1395476983395324033",
    "KOODRIVE_APP_ID": "an-app",
    "KOODRIVE_APP_SECRET": "a-secret-value",
}


def contract(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "contract_tests", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({k: v for k, v in LIVE.items() if k != "KOODRIVE_USER_ID"}, "KOODRIVE_USER_ID"),
        ({k: v for k, v in LIVE.items() if k != "KOODRIVE_APP_ID"}, "KOODRIVE_APP_ID"),
        ({**LIVE, "KOODRIVE_BASE_URL": "intl.example.com"}, "KOODRIVE_BASE_URL"),
        ({**LIVE, "KOODRIVE_CONTRACT_AUTH": "token"}, "KOODRIVE_CONTRACT_AUTH"),
    ],
)
def test_live_mode_without_usable_settings_fails_clearly(env: dict[str, str], named: str) -> None:
    result = contract(env)

    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert "a-secret-value" not in result.stdout + result.stderr


def test_credentials_never_show_secrets() -> None:
    credentials = Credentials.from_env({**LIVE, "KOODRIVE_TOKEN": "a-token-value"})

    assert credentials.modes == (AuthMode.APP, AuthMode.TOKEN)
    assert "a-secret-value" not in repr(credentials)
    assert "a-token-value" not in repr(credentials)


def test_a_half_configured_app_is_refused() -> None:
    with pytest.raises(CredentialsError, match="KOODRIVE_APP_SECRET is not set"):
        Credentials.from_env({"KOODRIVE_USER_ID": "1", "KOODRIVE_APP_ID": "an-app"})


def test_live_runs_are_read_only_rate_limited_and_bounded_by_default(tmp_path: Path) -> None:
    options = build_parser(LIVE).parse_args([])
    target = Target("http://127.0.0.1:9", "live", Credentials.from_env(LIVE), live=True)

    command = schemathesis_command(target, options)

    assert command[command.index("--exclude-method-regex") + 1] == UNSAFE_METHODS
    assert command[command.index("--rate-limit") + 1] == "5/s"
    assert command[command.index("--max-examples") + 1] == "10"


def test_live_knobs_come_from_the_environment_and_flags_win() -> None:
    env = {**LIVE, "KOODRIVE_CONTRACT_MAX_EXAMPLES": "3", "KOODRIVE_CONTRACT_RATE_LIMIT": "60/m"}
    options = build_parser(env).parse_args(["--max-examples", "7", "--no-read-only"])
    target = Target("http://127.0.0.1:9", "live", Credentials.from_env(env), live=True)

    command = schemathesis_command(target, options)

    assert command[command.index("--max-examples") + 1] == "7"
    assert command[command.index("--rate-limit") + 1] == "60/m"
    assert "--exclude-method-regex" not in command


def test_unsafe_methods_are_exactly_the_non_safe_ones() -> None:
    import re

    unsafe = re.compile(UNSAFE_METHODS)
    assert [m for m in ("GET", "HEAD", "OPTIONS", "TRACE", "QUERY") if unsafe.search(m)] == []
    assert all(unsafe.search(m) for m in ("POST", "PUT", "PATCH", "DELETE", "get2"))
