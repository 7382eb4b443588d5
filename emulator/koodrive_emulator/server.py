"""Serving an EmulatorApp with uvicorn: in a background thread (tests) or in the
foreground (the CLI). The socket is bound here, so port 0 picks a free port."""

from __future__ import annotations

import socket
import threading
import time
from typing import Generic, Literal, TypeVar

import uvicorn
from starlette.types import ASGIApp

from koodrive_emulator.limits import BODY_TIMEOUT, HEADER_TIMEOUT
from koodrive_emulator.protocol import GatewayHttpProtocol


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening at once: connections made as soon as the address is announced wait in
        # the backlog until uvicorn accepts them, instead of being refused.
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def uvicorn_server(
    app: ASGIApp,
    *,
    log_level: str = "warning",
    header_timeout: float = HEADER_TIMEOUT,
    body_timeout: float = BODY_TIMEOUT,
    lifespan: Literal["on", "off"] = "off",
    date_header: bool = True,
) -> uvicorn.Server:
    """uvicorn with httptools (llhttp) and uvloop where installed: the stack of
    uvicorn[standard], with the gateway's manners and limits (protocol.py, limits.py)."""
    config = uvicorn.Config(
        app,
        log_config=None,  # the embedding program owns logging
        access_log=False,  # AccessLog writes the one line per request
        lifespan=lifespan,  # "on" for an app with resources to close (koodrive-proxy)
        date_header=date_header,  # off for an app that dates its own answers
        log_level=log_level,
        timeout_graceful_shutdown=2,
        http=GatewayHttpProtocol.with_header_timeout(header_timeout).with_body_timeout(
            body_timeout
        ),
        loop="auto",  # uvloop where it is installed (not on Windows), asyncio otherwise
        ws="none",  # no WebSocket: an Upgrade request is answered as any other
    )
    return uvicorn.Server(config)


AppT = TypeVar("AppT", bound=ASGIApp)


class EmulatorServer(Generic[AppT]):
    """A real HTTP server on a loopback port, run in a daemon thread."""

    def __init__(
        self,
        app: AppT,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        header_timeout: float = HEADER_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        lifespan: Literal["on", "off"] = "off",
        name: str = "koodrive-emulator",
    ) -> None:
        """`app`: an EmulatorApp, or another ASGI app on the same stack (koodrive-proxy's,
        whose `lifespan` "on" closes its client); `name` names the thread and errors."""
        self.app = app
        self._name = name
        self._socket = bind_socket(host, port)
        bound_host, bound_port = self._socket.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.base_url = f"http://{shown}:{bound_port}"
        self._server = uvicorn_server(
            app,
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            lifespan=lifespan,
            date_header=not getattr(app, "dates_its_answers", False),
        )
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"{name} {self.base_url}",
            daemon=True,
        )

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the {self._name} server at {self.base_url} failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"the {self._name} server at {self.base_url} did not start within {timeout} s"
                )
            time.sleep(0.005)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> EmulatorServer[AppT]:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
