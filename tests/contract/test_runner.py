"""The runner's configuration: target selection, knobs, and clear errors without secrets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from contract_tests.credentials import AuthMode, Credentials, CredentialsError
from contract_tests.runner import (
    SPEC,
    Target,
    build_parser,
    read_only_filter,
    schemathesis_command,
    spec_methods,
)

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


def test_live_runs_are_rate_limited_and_bounded_by_default() -> None:
    options = build_parser(LIVE).parse_args([])
    target = Target("http://127.0.0.1:9", "live", Credentials.from_env(LIVE), live=True)

    command = schemathesis_command(target, options)

    assert command[command.index("--rate-limit") + 1] == "5/s"
    assert command[command.index("--max-examples") + 1] == "10"


def test_live_knobs_come_from_the_environment_and_flags_win() -> None:
    env = {**LIVE, "KOODRIVE_CONTRACT_MAX_EXAMPLES": "3", "KOODRIVE_CONTRACT_RATE_LIMIT": "60/m"}
    options = build_parser(env).parse_args(["--max-examples", "7", "--phases", "examples"])
    target = Target("http://127.0.0.1:9", "live", Credentials.from_env(env), live=True)

    command = schemathesis_command(target, options)

    assert command[command.index("--max-examples") + 1] == "7"
    assert command[command.index("--rate-limit") + 1] == "60/m"
    assert command[command.index("--phases") + 1] == "examples"


def test_read_only_leaves_out_unsafe_operations_and_nothing_else() -> None:
    assert spec_methods(SPEC) == {"get", "post", "put", "delete"}  # the writes
    assert read_only_filter({"get"}) == []  # nothing to leave out: no filter at all

    option, pattern = read_only_filter({"get", "post", "delete", "options"})

    assert option == "--exclude-method-regex"
    unsafe = re.compile(pattern)
    assert [m for m in ("POST", "DELETE", "post") if not unsafe.search(m)] == []
    assert [m for m in ("GET", "OPTIONS", "TRACE", "HEAD") if unsafe.search(m)] == []


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--rate-limit", "fast"], {}, "argument --rate-limit: must be requests per second"),
        (["--rate-limit", "0/m"], {}, "argument --rate-limit"),
        ([], {"KOODRIVE_CONTRACT_RATE_LIMIT": "100/week"}, "argument --rate-limit"),
        (["--phases", "examples,fuzz"], {}, "unknown phase 'fuzz'"),
        ([], {"KOODRIVE_CONTRACT_PHASES": "all"}, "unknown phase 'all'"),
        (["--clock-tolerance", "-5"], {}, "argument --clock-tolerance: must be whole seconds"),
        ([], {"KOODRIVE_CONTRACT_CLOCK_TOLERANCE": "1m"}, "argument --clock-tolerance"),
        (["--other-user-id", "me"], {}, "KOODRIVE_CONTRACT_OTHER_USER_ID must be a KooDrive"),
        (
            ["--other-user-id", LIVE["KOODRIVE_USER_ID"]],
            {},
            "KOODRIVE_CONTRACT_OTHER_USER_ID must be another user than KOODRIVE_USER_ID",
        ),
    ],
)
def test_bad_options_are_refused_by_the_suite_naming_them(
    args: list[str], env: dict[str, str], named: str
) -> None:
    result = contract({**LIVE, **env}, *args)

    assert result.returncode == 2
    assert named in result.stderr
    assert "schemathesis run" not in result.stderr  # not schemathesis' own usage text
    assert "a-secret-value" not in result.stderr + result.stdout


@pytest.mark.parametrize("rate", ["100/m", "5/s", "1000/h", "20000/d", ""])
def test_rate_limits_schemathesis_takes_are_accepted(rate: str) -> None:
    assert build_parser(LIVE).parse_args(["--rate-limit", rate]).rate_limit == rate


def test_live_clocks_get_a_tolerance_and_the_emulator_none() -> None:
    assert build_parser(LIVE).parse_args([]).clock_tolerance == 60
    assert build_parser({}).parse_args([]).clock_tolerance == 0


def test_a_live_run_writes_only_with_allow_writes_and_within_a_budget() -> None:
    target = Target("http://127.0.0.1:9", "live", Credentials.from_env(LIVE), live=True)
    emulator = Target("http://127.0.0.1:9", "emulator", Credentials.from_env(LIVE), live=False)

    read_only = build_parser(LIVE).parse_args([])
    writing = build_parser(LIVE).parse_args(["--allow-writes", "--write-budget", "40"])
    from_env = build_parser({**LIVE, "KOODRIVE_CONTRACT_ALLOW_WRITES": "1"}).parse_args([])

    assert "--exclude-method-regex" in schemathesis_command(target, read_only)
    assert read_only.write_budget == 1000  # live default
    assert "--exclude-method-regex" not in schemathesis_command(target, writing)
    assert writing.write_budget == 40
    assert from_env.allow_writes
    emulator_options = build_parser({}).parse_args([])
    assert "--exclude-method-regex" not in schemathesis_command(emulator, emulator_options)
    assert emulator_options.write_budget is None


def test_cleanup_needs_a_live_target() -> None:
    completed = contract({}, "--cleanup")

    assert completed.returncode == 2
    assert "--cleanup needs KOODRIVE_BASE_URL" in completed.stderr
