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


# --- the README's quickstart: list, then write, sync and async ---------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_quickstart() -> tuple[dict[str, str], list[str]]:
    """The variables the README's quickstart exports, and its Python snippets, in order."""
    section = README.read_text(encoding="utf-8").split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    shell = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert shell, "README.md has no shell block under Quickstart"
    exported = dict(re.findall(r"(KOODRIVE_[A-Z_]+)=(\S+)", shell.group(1)))
    return exported, re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def run_snippet(code: str, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_readme_quickstart_lists_then_writes_sync_and_async(emulator: RunningEmulator) -> None:
    exported, snippets = readme_quickstart()
    assert len(snippets) == 3  # list; write; write with AsyncKooDrive
    found = emulator.credentials
    assert exported["KOODRIVE_TOKEN"] == found.token  # the emulator's development credentials
    assert exported["KOODRIVE_USER_ID"] == found.user_id
    variables = {**exported, "KOODRIVE_BASE_URL": emulator.base_url}
    user = found.user_id
    groups_before = [(g.id, g.group_name) for g in emulator.backend.groups(user)]
    devices_before = emulator.backend.devices(user)

    listed = run_snippet(snippets[0], variables)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == len(groups_before)

    for snippet in snippets[1:]:
        written = run_snippet(snippet, variables)
        assert written.returncode == 0, written.stderr
        # Each wrote and undid what it wrote: the emulator's state is as it was.
        assert [(g.id, g.group_name) for g in emulator.backend.groups(user)] == groups_before
        assert emulator.backend.devices(user) == devices_before

    for operation in ("createUserGroup", "updateUserGroup", "deleteUserGroup"):
        emulator.verify(operation, count=2)  # once by each snippet
    for operation in ("bindDevice", "unbindDevice"):
        emulator.verify(operation, count=2)
    sync_bound = run_snippet(snippets[1], variables).stdout.split()
    assert sync_bound[1:] == ["Laptop"]


def test_the_writes_example_of_docs_sdk_runs_and_leaves_the_state_as_it_was(
    emulator: RunningEmulator,
) -> None:
    section = DOCS.read_text(encoding="utf-8").split("## Writes", 1)[1].split("\n## ", 1)[0]
    [example] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    found = emulator.credentials
    variables = {
        "KOODRIVE_BASE_URL": emulator.base_url,
        "KOODRIVE_TOKEN": found.token,
        "KOODRIVE_USER_ID": found.user_id,
    }
    groups_before = emulator.backend.groups(found.user_id)

    done = run_snippet(example, variables)

    assert done.returncode == 0, done.stderr
    assert emulator.backend.groups(found.user_id) == groups_before
    emulator.verify("updateUserGroup", count=1, where=lambda entry: entry.status == 200)
    emulator.verify("unbindDevice", count=1)
