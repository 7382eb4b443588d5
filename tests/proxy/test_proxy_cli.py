"""`koodrive-proxy` as a team runs it in CI: a process of its own in front of the target,
stopped with a signal, leaving its capture and drift report behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from koodrive import KooDrive
from koodrive_emulator.testing import RunningEmulator, running_emulator


@pytest.fixture
def live() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


def environ(live: RunningEmulator) -> dict[str, str]:
    found = live.credentials
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
        "KOODRIVE_APP_ID": found.app_id,
        "KOODRIVE_APP_SECRET": found.app_secret,
    }


def test_a_proxy_process_captures_until_it_is_stopped(
    live: RunningEmulator, tmp_path: Path
) -> None:
    har, drift = tmp_path / "capture.har", tmp_path / "drift.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "koodrive_proxy",
            "--target",
            live.base_url,
            "--port",
            "0",
            "--capture",
            str(har),
            "--drift",
            str(drift),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=environ(live),
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        found = re.search(r"koodrive-proxy: (http://127\.0\.0\.1:[0-9]+) -> ", banner)
        assert found, banner
        assert "re-signing as app koodrive-dev-app" in banner
        client = KooDrive(
            base_url=found.group(1),
            app_id=live.credentials.app_id,
            app_secret=live.credentials.app_secret,
            user_id=live.credentials.user_id,
            environ={},
        )
        assert client.devices.list()
        live.faults.code_as_string(times=1)
        assert list(client.user_groups.list(source_type=0))
        # The drift report is kept up to date while the proxy runs.
        assert json.loads(drift.read_text("utf-8"))["by_kind"] == {"also-seen-as": 1}
    finally:
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=30)

    assert process.returncode == 0, rest
    assert "2 exchanges, 1 deviations" in rest
    entries = json.loads(har.read_text("utf-8"))["log"]["entries"]
    assert [entry["_koodrive"]["operationId"] for entry in entries] == [
        "listBoundDevices",
        "listUserGroups",
    ]
    assert live.credentials.app_secret not in har.read_text("utf-8")
    assert (tmp_path / "drift.md").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--target", "ftp://example"], "--target: must be an http:// or https:// URL"),
        (["--target", "https://example.com/prefix"], "--target: must have no path"),
        (["--target", "http://127.0.0.1:1", "--drift", "out.md"], "--drift: must not end in .md"),
        (
            ["--target", "http://127.0.0.1:1", "--capture", "/nonexistent/dir/c.har"],
            "--capture: '/nonexistent/dir/c.har': the folder '/nonexistent/dir' cannot be written",
        ),
        (
            ["--target", "http://127.0.0.1:1", "--max-entries", "0"],
            "--max-entries: must be a whole",
        ),
        (["--target", "http://127.0.0.1:1", "--host", "0.0.0.0"], "--host must be a loopback"),
        (["--target", "http://127.0.0.1:1", "--port", "99999"], "--port: must be a port number"),
        (["--port", "1"], "the following arguments are required: --target"),
    ],
)
def test_bad_flags_are_one_line_naming_them(arguments: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "koodrive_proxy", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
        check=False,
    )

    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_half_the_app_credentials_is_refused(live: RunningEmulator) -> None:
    variables = environ(live)
    del variables["KOODRIVE_APP_SECRET"]

    done = subprocess.run(
        [sys.executable, "-m", "koodrive_proxy", "--target", live.base_url, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        env=variables,
        check=False,
    )

    assert done.returncode == 2
    assert "KOODRIVE_APP_SECRET is missing" in done.stderr
