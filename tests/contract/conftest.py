from __future__ import annotations

from pathlib import Path

import pytest
from koodrive_emulator.pytest_plugin import emulator
from koodrive_emulator.testing import RunningEmulator

# contract_tests/ runs from a clone, not installed: pytest's pythonpath has the repo root.
from contract_tests.credentials import Credentials
from contract_tests.testing import RunSuite, SuiteRun, run_contract_suite

__all__ = ["emulator", "run_suite"]


@pytest.fixture
def run_suite(emulator: RunningEmulator, tmp_path: Path) -> RunSuite:
    """Run the real suite in live mode against this test's emulator (started separately)."""
    given = emulator.credentials
    credentials = Credentials.from_env(
        {
            "KOODRIVE_USER_ID": given.user_id,
            "KOODRIVE_TOKEN": given.token,
            "KOODRIVE_APP_ID": given.app_id,
            "KOODRIVE_APP_SECRET": given.app_secret,
        }
    )

    def run(*args: str, env: dict[str, str] | None = None) -> SuiteRun:
        # A live run paces its requests (5 a second by default) to spare a real tenant;
        # this test's own emulator needs no sparing. A test about pacing passes its own.
        paced = any(arg.startswith("--rate-limit") for arg in args)
        unpaced = (
            () if paced or "KOODRIVE_CONTRACT_RATE_LIMIT" in (env or {}) else ("--rate-limit=",)
        )
        return run_contract_suite(
            emulator.base_url,
            credentials,
            tmp_path / "reports",
            *unpaced,
            *args,
            env=env,
            timeout=240,
        )

    return run
