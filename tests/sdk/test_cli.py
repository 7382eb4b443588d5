"""The `koodrive` command, run as a subprocess against the emulator."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import subprocess
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import koodrive
import pytest
from koodrive._render import api_time
from koodrive_emulator.testing import RunningEmulator

COMMAND = Path(sys.executable).with_name("koodrive")  # the console script pyproject declares


def run(
    emulator: RunningEmulator, *args: str, mode: str = "token", **extra_env: str
) -> subprocess.CompletedProcess[str]:
    return run_to(emulator, args, None, mode=mode, extra_env=extra_env)


def run_to(
    emulator: RunningEmulator,
    args: Sequence[str],
    stderr: int | None,
    *,
    mode: str = "token",
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`run`, with stderr to the file descriptor `stderr` (None: captured)."""
    found = emulator.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    env.update(KOODRIVE_BASE_URL=emulator.base_url, KOODRIVE_USER_ID=found.user_id, COLUMNS="200")
    if mode == "token":
        env["KOODRIVE_TOKEN"] = found.token
    else:
        env.update(KOODRIVE_APP_ID=found.app_id, KOODRIVE_APP_SECRET=found.app_secret)
    env.update(extra_env or {})
    return subprocess.run(
        [str(COMMAND), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if stderr is None else stderr,
        text=True,
        env=env,
        timeout=60,
        check=False,
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


def test_groups_count_progress_on_a_terminal_when_rows_go_elsewhere(
    emulator: RunningEmulator,
) -> None:
    emulator.backend.seed_synthetic(emulator.credentials.user_id, groups=300)
    total = len(emulator.backend.groups(emulator.credentials.user_id, 1))
    controller, terminal = pty.openpty()
    try:
        result = run_to(emulator, ["groups", "--json", "--source-type", "1"], terminal)
        os.close(terminal)
        terminal = -1
        shown = b""
        with contextlib.suppress(OSError):  # EIO once the terminal's other end is closed
            while chunk := os.read(controller, 65536):
                shown += chunk
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)
    assert result.returncode == 0
    assert f"user groups: {total}/{total}".encode() in shown


def test_the_table_streams_rows_while_pages_still_arrive(emulator: RunningEmulator) -> None:
    emulator.backend.seed_synthetic(emulator.credentials.user_id, groups=5000)
    emulator.faults.latency(0.05, operation="listUserGroups")  # 50 pages: 2.5 s at least
    found = emulator.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    env.update(
        KOODRIVE_BASE_URL=emulator.base_url, KOODRIVE_TOKEN=found.token, PYTHONUNBUFFERED="1"
    )
    with subprocess.Popen(
        [str(COMMAND), "groups", "--source-type", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    ) as process:
        assert process.stdout is not None
        header = process.stdout.readline()
        process.stdout.readline()  # the rule under the header
        first_row = process.stdout.readline()
        still_running = process.poll() is None
        rest = process.stdout.read()
        process.wait(timeout=60)
    assert header.split() == [
        "Group",
        "ID",
        "Name",
        "Kind",
        "Owner",
        "Created",
        "(UTC)",
        "Updated",
        "(UTC)",
    ]
    assert first_row.strip(), "no row"
    assert still_running, "the first row came only after the whole listing"
    assert process.returncode == 0
    assert rest.rstrip().endswith("groups)")


def test_cells_never_carry_control_characters(emulator: RunningEmulator) -> None:
    emulator.backend.add_group(emulator.credentials.user_id, group_name="Ops\x1b[31mred\nx")

    result = run(emulator, "groups", "--source-type", "0")

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "Ops?[31mred?x" in result.stdout


def test_wide_characters_keep_the_columns_aligned(emulator: RunningEmulator) -> None:
    user = emulator.credentials.user_id
    emulator.backend.add_group(user, group_name="研发部门")

    result = run(emulator, "groups", "--source-type", "0")

    lines = result.stdout.splitlines()
    kind_column = lines[0].index("Kind")
    row = next(line for line in lines if "研发部门" in line)
    # Each CJK character takes two terminal cells: count cells, not characters.
    prefix = row[: row.index("group")]
    cells = sum(2 if unicodedata.east_asian_width(ch) == "W" else 1 for ch in prefix)
    assert cells == kind_column


@pytest.mark.parametrize("command", ["koodrive", "koodrive-emulator"])
def test_both_commands_say_their_version(command: str) -> None:
    result = subprocess.run(
        [str(COMMAND.with_name(command)), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{command} ")
    assert any(ch.isdigit() for ch in result.stdout)
    assert result.stdout.strip() == f"{command} {koodrive.__version__}"


@pytest.mark.parametrize(
    ("args", "env", "status", "message"),
    [
        (["devices"], {"KOODRIVE_TOKEN": "wrong"}, 1, "HTTP 401 APIGW.0303"),
        (["groups", "--page-size", "500"], {}, 1, "pageSize must be an integer from 1 to 100"),
        (["devices"], {"KOODRIVE_APP_ID": "x"}, 2, "contradictory credentials"),
        (["devices"], {"KOODRIVE_BASE_URL": ""}, 2, "KOODRIVE_BASE_URL"),
        (["devices", "--base-url", "http://127.0.0.1:9", "--max-retries", "0"], {}, 3, "reach"),
        (["groups", "--source-type", "5"], {}, 2, "invalid choice"),
        (["devices"], {"KOODRIVE_USER_ID": ""}, 2, "(or pass --user-id)"),
        (["devices", "--user-id", "abc"], {}, 2, "--user-id must be a KooDrive user id"),
        (["devices", "--timeout", "-1"], {}, 2, "--timeout must be a finite number"),
        (["devices", "--timeout", "nan"], {}, 2, "--timeout must be a finite number"),
        (["devices", "--max-retries", "-1"], {}, 2, "--max-retries must be >= 0"),
        (
            ["devices", "--base-url", "http://127.0.0.1:9", "--max-retries", "0"],
            {},
            3,
            "http://127.0.0.1:9/koodrive/ose/v1/backup/device",
        ),
    ],
)
def test_errors_are_one_clear_line_and_an_exit_status(
    emulator: RunningEmulator, args: list[str], env: dict[str, str], status: int, message: str
) -> None:
    result = run(emulator, *args, **env)

    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "user_id=" not in result.stderr
    assert "argument user_id" not in result.stderr
    assert emulator.credentials.token not in result.stderr + result.stdout


def test_the_api_error_line_carries_the_trace_id(emulator: RunningEmulator) -> None:
    emulator.faults.server_error()

    result = run(emulator, "devices", "--max-retries", "0")

    assert result.returncode == 1
    assert "HTTP 500 13000500" in result.stderr
    assert "trace id: " in result.stderr


# --- writes ----------------------------------------------------------------------------------


def _groups_named(emulator: RunningEmulator, name: str) -> list[str]:
    user = emulator.credentials.user_id
    return [g.id for g in emulator.backend.groups(user) if g.group_name == name]


@pytest.mark.parametrize("mode", ["token", "app"])
def test_a_group_is_created_renamed_and_deleted_from_the_command_line(
    emulator: RunningEmulator, mode: str
) -> None:
    created = run(emulator, "groups", "create", "CLI Team", "--source-type", "1", mode=mode)

    assert created.returncode == 0, created.stderr
    [group_id] = _groups_named(emulator, "CLI Team")
    assert created.stdout == f"created user group {group_id}\n"

    updated = run(
        emulator, "groups", "update", group_id, "--name", "CLI", "--source-type", "1", "--pin"
    )

    assert updated.returncode == 0, updated.stderr
    assert updated.stdout == f"updated user group {group_id}\n"
    assert _groups_named(emulator, "CLI") == [group_id]

    deleted = run(emulator, "groups", "delete", group_id, "--json", mode=mode)

    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout) == {"id": group_id, "deleted": True}
    assert _groups_named(emulator, "CLI") == []


def test_group_writes_as_json(emulator: RunningEmulator) -> None:
    created = run(emulator, "groups", "create", "Json Team", "--source-type", "0", "--json")

    record = json.loads(created.stdout)
    assert record == {"id": record["id"], "groupName": "Json Team", "sourceType": 0}
    updated = run(
        emulator,
        *("groups", "update", record["id"], "--name", "Json", "--source-type", "0"),
        *("--unpin", "--icon-url", "https://example.com/i.png", "--json"),
    )
    assert json.loads(updated.stdout) == {
        "id": record["id"],
        "groupName": "Json",
        "sourceType": 0,
        "iconUrl": "https://example.com/i.png",
        "top": "0",
    }
    # The listing is unchanged by the write commands: `groups` alone still lists.
    listed = run(emulator, "groups", "--source-type", "0", "--json")
    assert record["id"] in {json.loads(line)["id"] for line in listed.stdout.splitlines()}


@pytest.mark.parametrize("mode", ["token", "app"])
def test_a_device_is_bound_and_unbound_from_the_command_line(
    emulator: RunningEmulator, mode: str
) -> None:
    bound = run(
        emulator, "devices", "bind", "cli_01", "--name", "Laptop", "--os", "linux", "--json",
        mode=mode,
    )  # fmt: skip

    assert bound.returncode == 0, bound.stderr
    device = json.loads(bound.stdout)
    assert (device["machineCode"], device["deviceName"], device["deviceOS"]) == (
        "cli_01",
        "Laptop",
        "linux",
    )

    unbound = run(emulator, "devices", "unbind", device["deviceId"], mode=mode)

    assert unbound.returncode == 0, unbound.stderr
    assert device["deviceId"] in unbound.stdout
    assert unbound.stdout.endswith("(unbound)\n")
    assert device["deviceId"] not in run(emulator, "devices").stdout


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["groups", "create", "x"], 2, "the following arguments are required: --source-type"),
        (["groups", "create", "a/b", "--source-type", "0"], 1, "HTTP 400 13000102"),
        (["groups", "delete", "999999999"], 1, "HTTP 400 13000309"),
        (["groups", "delete", ".."], 2, "configuration: GROUP_ID must be a path segment"),
        (["groups", "update", "1", "--name", "x", "--source-type", "0", "--pin", "--unpin"], 2,
         "not allowed with argument"),
        (["devices", "unbind", "."], 2, "DEVICE_ID must be a path segment"),
    ],
)  # fmt: skip
def test_write_errors_are_one_clear_line_and_an_exit_status(
    emulator: RunningEmulator, args: list[str], status: int, message: str
) -> None:
    result = run(emulator, *args)

    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 or status == 2
    assert "Traceback" not in result.stderr


def test_a_create_that_may_have_been_applied_says_so_in_cli_terms(
    emulator: RunningEmulator,
) -> None:
    emulator.faults.add("apply-then-drop", operation="createUserGroup", times=1)

    result = run(emulator, "groups", "create", "Maybe", "--source-type", "0")

    assert result.returncode == 3
    [line] = result.stderr.splitlines()
    assert line.startswith("koodrive: error: no answer from the API: connection to ")
    assert "`koodrive groups create` is not safe to repeat" in line
    assert "look with `koodrive groups` before calling it again" in line
    assert len(_groups_named(emulator, "Maybe")) == 1
