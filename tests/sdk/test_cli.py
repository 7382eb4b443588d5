"""The `koodrive` command, run as a subprocess against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from koodrive._render import api_time
from koodrive_emulator.testing import RunningEmulator

COMMAND = Path(sys.executable).with_name("koodrive")  # the console script pyproject declares


def run(
    emulator: RunningEmulator, *args: str, mode: str = "token", **extra_env: str
) -> subprocess.CompletedProcess[str]:
    found = emulator.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    env.update(KOODRIVE_BASE_URL=emulator.base_url, KOODRIVE_USER_ID=found.user_id, COLUMNS="200")
    if mode == "token":
        env["KOODRIVE_TOKEN"] = found.token
    else:
        env.update(KOODRIVE_APP_ID=found.app_id, KOODRIVE_APP_SECRET=found.app_secret)
    env.update(extra_env)
    return subprocess.run(
        [str(COMMAND), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_the_console_script_is_installed() -> None:
    assert COMMAND.exists(), "pip install -e . should have created the koodrive command"


@pytest.mark.parametrize("mode", ["token", "app"])
def test_devices_as_a_table(emulator: RunningEmulator, mode: str) -> None:
    result = run(emulator, "devices", mode=mode)

    assert result.returncode == 0, result.stderr
    for device in emulator.backend.devices(emulator.credentials.user_id):
        assert device.device_id in result.stdout
        assert device.device_name in result.stdout


def test_devices_as_json_lines(emulator: RunningEmulator) -> None:
    result = run(emulator, "devices", "--json")

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    expected = emulator.backend.devices(emulator.credentials.user_id)
    assert [r["deviceId"] for r in records] == [d.device_id for d in expected]
    assert set(records[0]) >= {"deviceId", "machineCode", "deviceOS", "deviceName", "createTime"}


def test_devices_as_json_mirror_the_api_bodies(emulator: RunningEmulator) -> None:
    user = emulator.credentials.user_id
    emulator.backend.add_device(
        user,
        device_name="odd milliseconds",
        create_time=datetime(2025, 9, 15, 6, 14, 48, 630000, UTC),
    )

    result = run(emulator, "devices", "--json")

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records == [device.to_json() for device in emulator.backend.devices(user)]
    assert records[-1]["createTime"] == "2025-09-15T06:14:48.630Z"


def test_groups_as_json_mirror_the_api_bodies(emulator: RunningEmulator) -> None:
    user = emulator.credentials.user_id
    emulator.backend.add_group(
        user,
        group_name="odd milliseconds",
        created_time=datetime(2024, 4, 25, 6, 49, 49, 7000, UTC),
        updated_time=datetime(2024, 4, 25, 6, 49, 49, 999000, UTC),
    )

    result = run(emulator, "groups", "--json", "--source-type", "0")

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [{**group.to_json(), "sourceType": 0} for group in emulator.backend.groups(user, 0)]
    assert records == expected
    assert (records[-1]["createdTime"], records[-1]["updatedTime"]) == (
        "2024-04-25T06:49:49.007Z",
        "2024-04-25T06:49:49.999Z",
    )


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2024, 4, 25, 6, 49, 49, tzinfo=UTC), "2024-04-25T06:49:49.000Z"),
        (datetime(2024, 4, 25, 6, 49, 49, 999999, UTC), "2024-04-25T06:49:49.999Z"),
        (
            datetime(2024, 4, 25, 8, 49, 49, 120000, timezone(timedelta(hours=2))),
            "2024-04-25T06:49:49.120Z",
        ),
        (datetime(2024, 12, 31, 23, 59, 59, 1000, UTC), "2024-12-31T23:59:59.001Z"),
    ],
)
def test_api_time_is_utc_to_the_millisecond_with_a_z(moment: datetime, shown: str) -> None:
    # Milliseconds are cut, never rounded up: .999999 stays in its second, as the API's do.
    assert api_time(moment) == shown


def test_groups_lists_both_kinds_by_default(emulator: RunningEmulator) -> None:
    result = run(emulator, "groups", "--json", "--page-size", "2")

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    expected = emulator.backend.groups(emulator.credentials.user_id, 0) + emulator.backend.groups(
        emulator.credentials.user_id, 1
    )
    assert [r["id"] for r in records] == [g.id for g in expected]
    assert {r["sourceType"] for r in records} == {0, 1}


def test_groups_with_filters_as_a_table(emulator: RunningEmulator) -> None:
    result = run(emulator, "groups", "--source-type", "0", "--group-name", "team")

    assert result.returncode == 0, result.stderr
    for group in emulator.backend.groups(emulator.credentials.user_id, 0, "team"):
        assert group.id in result.stdout
    assert "Family" not in result.stdout  # a user group, and not a team


def test_names_are_shown_as_they_are_never_as_markup(emulator: RunningEmulator) -> None:
    emulator.backend.add_group(emulator.credentials.user_id, group_name="[bold]Ops[/bold] [x")

    result = run(emulator, "groups", "--source-type", "0")

    assert result.returncode == 0, result.stderr
    assert "[bold]Ops[/bold] [x" in result.stdout


def test_groups_show_progress_on_a_terminal(emulator: RunningEmulator) -> None:
    emulator.backend.seed_synthetic(emulator.credentials.user_id, groups=300)

    result = run(
        emulator, "groups", "--json", "--source-type", "1", TTY_INTERACTIVE="1", TTY_COMPATIBLE="1"
    )

    assert result.returncode == 0, result.stderr
    assert "user groups" in result.stderr
    assert f"/{len(emulator.backend.groups(emulator.credentials.user_id, 1))}" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "status", "message"),
    [
        (["devices"], {"KOODRIVE_TOKEN": "wrong"}, 1, "HTTP 401 APIGW.0303"),
        (["groups", "--page-size", "500"], {}, 1, "pageSize must be an integer from 1 to 100"),
        (["devices"], {"KOODRIVE_APP_ID": "x"}, 2, "contradictory credentials"),
        (["devices"], {"KOODRIVE_BASE_URL": ""}, 2, "KOODRIVE_BASE_URL"),
        (["devices", "--base-url", "http://127.0.0.1:9", "--max-retries", "0"], {}, 3, "reach"),
        (["groups", "--source-type", "5"], {}, 2, "invalid choice"),
    ],
)
def test_errors_are_one_clear_line_and_an_exit_status(
    emulator: RunningEmulator, args: list[str], env: dict[str, str], status: int, message: str
) -> None:
    result = run(emulator, *args, **env)

    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert emulator.credentials.token not in result.stderr + result.stdout


def test_the_api_error_line_carries_the_trace_id(emulator: RunningEmulator) -> None:
    emulator.faults.server_error()

    result = run(emulator, "devices", "--max-retries", "0")

    assert result.returncode == 1
    assert "HTTP 500 13000500" in result.stderr
    assert "trace id: " in result.stderr
