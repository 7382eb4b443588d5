"""What schemathesis loads for the suite (`hooks` in schemathesis.toml).

Credentials come from `KOODRIVE_*` variables (see `contract_tests.credentials`), the run's
settings from `KOODRIVE_CONTRACT_*` ones (`contract_tests.run_settings`); the runner sets
them from the emulator it starts, or passes yours through for a live API.
"""

from __future__ import annotations

import os
from pathlib import Path

from contract_tests import auth_provider, checks, coverage, promises, writes
from contract_tests import cursors as cursors  # registers its hooks on import
from contract_tests.credentials import Credentials
from contract_tests.run_settings import REPORTS_VARIABLE, RunSettings
from contract_tests.runner import SPEC

CREDENTIALS = Credentials.from_env(os.environ)
SETTINGS = RunSettings.from_env(os.environ)
auth_provider.register(CREDENTIALS, clock_tolerance=SETTINGS.clock_tolerance)
checks.register(CREDENTIALS, SETTINGS)
promises.register(CREDENTIALS, SETTINGS)
coverage.register(
    SPEC, Path(os.environ[REPORTS_VARIABLE]) if REPORTS_VARIABLE in os.environ else None
)
writes.register(CREDENTIALS, SETTINGS, SPEC)
