"""The quickstart of docs/sdk.md lists every group of the emulator's default user in five
lines of Python: run exactly as written, against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from koodrive import SourceType
from koodrive_emulator.testing import RunningEmulator

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def quickstart() -> str:
    section = DOCS.read_text(encoding="utf-8").split("## Quickstart", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "docs/sdk.md has no Python block under Quickstart"
    return match.group(1)


def test_the_quickstart_is_five_lines() -> None:
    lines = [line for line in quickstart().splitlines() if line.strip()]

    assert len(lines) <= 5, lines


def test_the_quickstart_lists_every_group_of_the_default_user(emulator: RunningEmulator) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    env.update(KOODRIVE_BASE_URL=emulator.base_url, KOODRIVE_TOKEN=emulator.credentials.token)

    result = subprocess.run(
        [sys.executable, "-c", quickstart()],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    user = emulator.credentials.user_id
    expected = [
        f"{kind.name} {group.id} {group.group_name}"
        for kind in SourceType
        for group in emulator.backend.groups(user, kind)
    ]
    assert result.stdout.splitlines() == expected
    assert len(expected) == len(emulator.backend.groups(user))  # every group, of both kinds
