"""What the suite's own checks need to know about the run, beyond the credentials.

The runner hands these to schemathesis' process as `KOODRIVE_CONTRACT_*` variables, next to
the credentials; the checks read them back with `RunSettings.from_env`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from contract_tests.credentials import CredentialsError
from contract_tests.sharding import ShardError, parse_setting

CLOCK_TOLERANCE = "KOODRIVE_CONTRACT_CLOCK_TOLERANCE"
OTHER_USER_ID = "KOODRIVE_CONTRACT_OTHER_USER_ID"
REPORTS_VARIABLE = "KOODRIVE_CONTRACT_REPORTS"  # where the run's reports go
ALLOW_WRITES = "KOODRIVE_CONTRACT_ALLOW_WRITES"
WRITE_BUDGET = "KOODRIVE_CONTRACT_WRITE_BUDGET"
RUN_ID = "KOODRIVE_CONTRACT_RUN_ID"  # set by the runner: the marker of what the run creates
LEDGER = "KOODRIVE_CONTRACT_LEDGER"  # the file the run records what it created in
BASE_URL_SEEN = "KOODRIVE_CONTRACT_TARGET"  # the target's base URL, for the suite's own requests
RATE_LIMIT_SEEN = "KOODRIVE_CONTRACT_RATE"  # the run's --rate-limit, for the same
LIVE = "KOODRIVE_CONTRACT_LIVE"  # "1" when the target is not an emulator of the run's own
SHARD = "KOODRIVE_CONTRACT_SHARD"  # the run's --shard K/N (empty: the whole run)

# Against a live API the target's clock and ours may differ by this much; the emulator
# started for a run shares this machine's clock, so there it is 0.
LIVE_CLOCK_TOLERANCE = 60

_USER_ID = re.compile("[0-9]{1,32}")


@dataclass(frozen=True)
class RunSettings:
    clock_tolerance: int = 0  # seconds the target's clock may run ahead of or behind ours
    other_user_id: str | None = None  # a second user whose data the target holds, if known
    allow_writes: bool = False  # whether the run may send writes at all
    write_budget: int | None = None  # the most write requests the run may send (None: any)
    run_id: str = ""  # the run's marker: what it creates carries it
    ledger: str = ""  # the file that records what the run created
    base_url: str = ""
    rate_limit: str = ""
    live: bool = False
    shard: str = ""  # K/N of a sharded run; empty: the whole run

    @property
    def run_wide(self) -> bool:
        """Whether this run does what belongs to the whole run, not to one operation: an
        unsharded run, or shard 1 of a sharded one (contract_tests.sharding)."""
        return parse_setting(self.shard).run_wide

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RunSettings:
        budget = env.get(WRITE_BUDGET, "").strip()
        if budget and not budget.isdigit():
            raise CredentialsError(f"{WRITE_BUDGET} must be a whole number, got {budget!r}")
        run_id = env.get(RUN_ID, "").strip()
        if run_id and not re.fullmatch("[0-9a-f]{8}", run_id):
            raise CredentialsError(f"{RUN_ID} must be 8 hexadecimal digits, got {run_id!r}")
        tolerance = env.get(CLOCK_TOLERANCE, "0").strip() or "0"
        if not tolerance.isdigit():
            raise CredentialsError(f"{CLOCK_TOLERANCE} must be whole seconds, got {tolerance!r}")
        shard = env.get(SHARD, "").strip()
        try:
            parse_setting(shard)
        except ShardError as error:
            raise CredentialsError(f"{SHARD} {error}") from None
        other = env.get(OTHER_USER_ID, "").strip() or None
        if other is not None and not _USER_ID.fullmatch(other):
            raise CredentialsError(f"{OTHER_USER_ID} must be a KooDrive user ID, 1 to 32 digits")
        return cls(
            int(tolerance),
            other,
            allow_writes=env.get(ALLOW_WRITES, "0") == "1",
            write_budget=int(budget) if budget else None,
            run_id=run_id,
            ledger=env.get(LEDGER, ""),
            base_url=env.get(BASE_URL_SEEN, ""),
            rate_limit=env.get(RATE_LIMIT_SEEN, ""),
            live=env.get(LIVE, "0") == "1",
            shard=shard,
        )

    def as_env(self) -> dict[str, str]:
        env = {
            CLOCK_TOLERANCE: str(self.clock_tolerance),
            ALLOW_WRITES: "1" if self.allow_writes else "0",
            RUN_ID: self.run_id,
            LEDGER: self.ledger,
            BASE_URL_SEEN: self.base_url,
            RATE_LIMIT_SEEN: self.rate_limit,
            LIVE: "1" if self.live else "0",
        }
        if self.shard and self.shard != "1/1":
            env[SHARD] = self.shard
        if self.write_budget is not None:
            env[WRITE_BUDGET] = str(self.write_budget)
        if self.other_user_id is not None:
            env[OTHER_USER_ID] = self.other_user_id
        return env
