"""What schemathesis loads for the suite (`hooks` in schemathesis.toml).

Credentials come from `KOODRIVE_*` variables (see `contract_tests.credentials`), the run's
settings from `KOODRIVE_CONTRACT_*` ones (`contract_tests.run_settings`); the runner sets
them from the emulator it starts, or passes yours through for a live API.
"""

from __future__ import annotations

import os
from pathlib import Path

from contract_tests import (
    ast_lock,
    auth_provider,
    checks,
    coverage,
    memberships,
    promises,
    throttling,
    writes,
)
from contract_tests import cursors as cursors  # registers its hooks on import
from contract_tests.credentials import Credentials
from contract_tests.run_settings import REPORTS_VARIABLE, RunSettings
from contract_tests.runner import SPEC
from contract_tests.unexercised import Unexercised

ast_lock.install()  # before the workers start (CPython 3.11's AST race)
CREDENTIALS = Credentials.from_env(os.environ)
SETTINGS = RunSettings.from_env(os.environ)
REPORTS = Path(os.environ[REPORTS_VARIABLE]) if REPORTS_VARIABLE in os.environ else None
# One of each for the whole run: every request waits out throttling within one budget, and
# every check notes what it could not judge in one file.
THROTTLING = throttling.Throttling(REPORTS)
UNEXERCISED = Unexercised(REPORTS)
throttling.install(THROTTLING)
auth_provider.register(CREDENTIALS, clock_tolerance=SETTINGS.clock_tolerance)
checks.register(CREDENTIALS, SETTINGS, THROTTLING, UNEXERCISED)
promises.register(CREDENTIALS, SETTINGS, THROTTLING, UNEXERCISED)
COVERAGE = coverage.register(SPEC, REPORTS)
THROTTLING.observers.append(
    lambda case, answer: COVERAGE.record_answer(case, answer.status_code, answer.headers)
)
memberships.register(writes.register(CREDENTIALS, SETTINGS, SPEC))
throttling.register(THROTTLING)  # last: it reports what the checks before it met
