"""What the suite's own checks need to know about the run, beyond the credentials.

The runner hands these to schemathesis' process as `KOODRIVE_CONTRACT_*` variables, next to
the credentials; the checks read them back with `RunSettings.from_env`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from contract_tests.credentials import CredentialsError

CLOCK_TOLERANCE = "KOODRIVE_CONTRACT_CLOCK_TOLERANCE"
OTHER_USER_ID = "KOODRIVE_CONTRACT_OTHER_USER_ID"
REPORTS_VARIABLE = "KOODRIVE_CONTRACT_REPORTS"  # where the run's reports go

# Against a live API the target's clock and ours may differ by this much; the emulator
# started for a run shares this machine's clock, so there it is 0.
LIVE_CLOCK_TOLERANCE = 60

_USER_ID = re.compile("[0-9]{1,32}")


@dataclass(frozen=True)
class RunSettings:
    clock_tolerance: int = 0  # seconds the target's clock may run ahead of or behind ours
    other_user_id: str | None = None  # a second user whose data the target holds, if known

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RunSettings:
        tolerance = env.get(CLOCK_TOLERANCE, "0").strip() or "0"
        if not tolerance.isdigit():
            raise CredentialsError(f"{CLOCK_TOLERANCE} must be whole seconds, got {tolerance!r}")
        other = env.get(OTHER_USER_ID, "").strip() or None
        if other is not None and not _USER_ID.fullmatch(other):
            raise CredentialsError(f"{OTHER_USER_ID} must be a KooDrive user ID, 1 to 32 digits")
        return cls(int(tolerance), other)

    def as_env(self) -> dict[str, str]:
        env = {CLOCK_TOLERANCE: str(self.clock_tolerance)}
        if self.other_user_id is not None:
            env[OTHER_USER_ID] = self.other_user_id
        return env
