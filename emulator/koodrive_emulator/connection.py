"""What the app may ask of the connection a request came on, beyond what ASGI lets it say:
to reset it (a TCP RST: the client gets no response at all, as when a network or a proxy
drops it), or to hold the request unanswered until the client leaves or the server stops.

The emulator's protocol (protocol.py) puts a `ConnectionControl` in every request's scope
under CONTROL_KEY; under another ASGI server there is none.
"""

from __future__ import annotations

from typing import Protocol

CONTROL_KEY = "koodrive.connection"


class ConnectionControl(Protocol):
    def reset(self) -> None:
        """Drop the connection at once with a TCP RST; nothing more is sent on it."""

    def hold(self) -> None:
        """This request is left unanswered: when the server stops, close the connection
        (the client sees it closed) rather than wait for an answer that never comes."""
