"""Serving a ProxyApp: in a background thread (tests, `running_proxy`) or in the
foreground (the CLI), on the emulator's server stack (uvicorn with llhttp, the gateway's
limits on request heads)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from koodrive_emulator.server import bind_socket, uvicorn_server

from koodrive_proxy.app import ProxyApp, ProxySettings
from koodrive_proxy.capture import Recorder
from koodrive_proxy.forwarding import AppCredentials
from koodrive_proxy.validation import Validator


class ProxyServer:
    """A ProxyApp on a loopback port, run in a daemon thread."""

    def __init__(self, app: ProxyApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._socket = bind_socket(host, port)
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self._server = uvicorn_server(app, lifespan="on")  # the app closes its client
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"koodrive-proxy {self.base_url}",
            daemon=True,
        )

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the proxy at {self.base_url} did not start")
            time.sleep(0.005)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()


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
    server = ProxyServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
