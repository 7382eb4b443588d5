from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from koodrive_emulator.pytest_plugin import emulator
from koodrive_emulator.testing import RunningEmulator

__all__ = ["emulator", "http"]


@pytest.fixture
def http(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A plain HTTP client on the emulator: tests here speak raw HTTP, not the SDK."""
    with httpx.Client(base_url=emulator.base_url, timeout=10) as client:
        yield client
