"""What every request reads: the backend, the credentials, the faults, the clock, paging;
the journal every request is recorded in, and the states a reset or restore goes back to."""

from __future__ import annotations

from dataclasses import dataclass, field

from koodrive_emulator.clock import Clock
from koodrive_emulator.credentials import Credentials
from koodrive_emulator.faults import Faults
from koodrive_emulator.journal import Journal
from koodrive_emulator.rules.paging import PagingBehaviour
from koodrive_emulator.state import Backend, BackendSnapshot


@dataclass
class EmulatorContext:
    """Everything a request reads; swapped whole to give each test fresh state."""

    backend: Backend = field(default_factory=Backend.default)
    credentials: Credentials = field(default_factory=Credentials.development)
    faults: Faults = field(default_factory=Faults)
    clock: Clock = field(default_factory=Clock)
    paging: PagingBehaviour = field(default_factory=PagingBehaviour)
    journal: Journal = field(default_factory=Journal)
    # The backend's state when the context was made (after its seeding), which a reset
    # restores; and the snapshots saved by name over the admin API.
    start_state: BackendSnapshot = field(init=False)
    snapshots: dict[str, BackendSnapshot] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start_state = self.backend.snapshot()
        # One clock judges a request, its X-Date and its token's age alike. Credentials
        # that dated their tokens by another clock are re-dated by this one: otherwise a
        # context whose clock is frozen an hour ahead would find every token expired.
        if self.credentials.clock is not self.clock:
            self.credentials.clock = self.clock
            self.credentials.renew_tokens()
