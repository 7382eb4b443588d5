"""pytest plugin: the `emulator` fixture, a RunningEmulator with fresh state per test.

Enable it with `-p koodrive_emulator.pytest_plugin`, with
`pytest_plugins = ["koodrive_emulator.pytest_plugin"]` in the root conftest.py, or by
importing the fixture into a conftest.py: `from koodrive_emulator.pytest_plugin import emulator`.

One server is started per pytest session on a free loopback port (and stopped at the end);
every test gets a new Backend (the default data set), Credentials (the development set,
tokens dated by that test's Clock), Faults (none), Clock (system time), PagingBehaviour
(full pages) and request Journal (empty): its context is made afresh, so a reset over the
admin API goes back to that test's start.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from koodrive_emulator.app import EmulatorApp, EmulatorContext
from koodrive_emulator.clock import Clock
from koodrive_emulator.credentials import Credentials
from koodrive_emulator.server import EmulatorServer
from koodrive_emulator.testing import RunningEmulator

_SERVER = pytest.StashKey[EmulatorServer[EmulatorApp]]()


def _shared_server(config: pytest.Config) -> EmulatorServer[EmulatorApp]:
    server = config.stash.get(_SERVER, None)
    if server is None:
        server = EmulatorServer(EmulatorApp(), host="127.0.0.1", port=0)
        server.start()
        config.stash[_SERVER] = server
        config.add_cleanup(server.stop)
    return server


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    """A real emulator on 127.0.0.1 with fresh state, credentials and faults."""
    server = _shared_server(request.config)
    clock = Clock()  # shared with the credentials: moving it ages the tokens too
    context = EmulatorContext(clock=clock, credentials=Credentials.development(clock=clock))
    server.app.context = context
    yield RunningEmulator.of(server.base_url, context)
    server.app.context = EmulatorContext()
