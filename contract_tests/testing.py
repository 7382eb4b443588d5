"""Running the suite from Python, e.g. from a test that switched on an emulator fault.

    run = run_contract_suite(
        emulator.base_url, credentials, tmp_path / "reports",
        "--phases", "examples", "--", "--include-operation-id", "listUserGroups",
    )
    assert run.exit_code != 0 and "Response violates schema" in run.summary

The suite runs in its own process, exactly as `scripts/contract` runs it against a live API.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from contract_tests.credentials import Credentials
from contract_tests.runner import BASE_URL, REPORTS, ROOT


@dataclass(frozen=True)
class SuiteRun:
    """A finished run and the reports it left behind."""

    exit_code: int
    output: str
    reports: Path

    @property
    def summary(self) -> str:
        return (self.reports / "summary.txt").read_text(encoding="utf-8")

    @property
    def junit(self) -> str:
        return (self.reports / "junit.xml").read_text(encoding="utf-8")

    def junit_failures(self) -> list[str]:
        root = ElementTree.parse(self.reports / "junit.xml").getroot()
        return [failure.text or "" for failure in root.iter("failure")]


RunSuite = Callable[..., SuiteRun]


def run_contract_suite(
    base_url: str,
    credentials: Credentials,
    reports: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> SuiteRun:
    """Run the suite against `base_url` (live mode); `args` as for `scripts/contract`."""
    child_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
        **credentials.as_env(),
        BASE_URL: base_url,
        REPORTS: str(reports),
        **(env or {}),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "contract_tests", *args],
        cwd=ROOT,
        env={k: v for k, v in child_env.items() if v},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return SuiteRun(completed.returncode, completed.stdout + completed.stderr, reports)
