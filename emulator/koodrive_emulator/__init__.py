"""KooDrive emulator: an offline stand-in for the KooDrive API, for development and tests.

State (`Backend`) lives apart from the rules (authentication, validation, paging, faults)
and from the HTTP layer; see docs/emulator.md.
"""

from koodrive_emulator.clock import Clock
from koodrive_emulator.credentials import (
    DEFAULT_TOKEN_TTL,
    DEV_APP_ID,
    DEV_APP_SECRET,
    DEV_TOKEN,
    DEV_USER_ID,
    App,
    Credentials,
)
from koodrive_emulator.faults import Fault, FaultKind, Faults
from koodrive_emulator.fixtures import FixtureError
from koodrive_emulator.models import Device, Group, SourceType
from koodrive_emulator.rules.paging import PagingBehaviour
from koodrive_emulator.state import Backend

__all__ = [
    "DEFAULT_TOKEN_TTL",
    "DEV_APP_ID",
    "DEV_APP_SECRET",
    "DEV_TOKEN",
    "DEV_USER_ID",
    "App",
    "Backend",
    "Clock",
    "Credentials",
    "Device",
    "Fault",
    "FaultKind",
    "Faults",
    "FixtureError",
    "Group",
    "PagingBehaviour",
    "SourceType",
]
