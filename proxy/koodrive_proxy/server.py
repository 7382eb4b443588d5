"""Serving a ProxyApp in a background thread (tests, `running_proxy`), on the emulator's
server (uvicorn with llhttp, the gateway's limits on request heads); the CLI serves it in
the foreground on the same stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from koodrive.config import AppCredentials
from koodrive_emulator.server import EmulatorServer

from koodrive_proxy.app import ProxyApp, ProxySettings
from koodrive_proxy.capture import Recorder
from koodrive_proxy.validation import Validator

# The emulator's threaded server, serving a ProxyApp: one server class for both.
ProxyServer = EmulatorServer[ProxyApp]


def proxy_server(app: ProxyApp, *, host: str = "127.0.0.1", port: int = 0) -> ProxyServer:
    """`app` on the emulator's threaded server, its lifespan on: the app closes its client."""
    return EmulatorServer(app, host=host, port=port, lifespan="on", name="koodrive-proxy")


@contextmanager
def running_proxy(
    target: str,
    *,
    credentials: AppCredentials | None = None,
    strict: bool = False,
    validator: Validator | None = None,
    recorder: Recorder | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[ProxyServer]:
    """A proxy in front of `target` on a free loopback port until the block ends. `clock`
    dates the signatures it makes (a target's frozen clock, in a test)."""
    app = ProxyApp(
        ProxySettings(target, credentials=credentials, strict=strict),
        validator=validator,
        recorder=recorder,
        clock=clock,
    )
    with proxy_server(app) as server:
        yield server
