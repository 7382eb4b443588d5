"""The ceiling for the emulator load benchmark: the least an ASGI app can do.

Served by the same uvicorn stack as the emulator, it answers every request with the same
fixed body the emulator's groups page has in size, with no routing, auth or validation.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

_GROUP = {
    "id": "1407237551361847809",
    "groupName": "team",
    "ownerId": "1395476983395324033",
    "createdTime": "2024-04-25T06:49:49.000Z",
    "updatedTime": "2024-04-25T06:49:49.000Z",
}
BODY = json.dumps(
    {"code": 0, "msg": "OK", "total": 100, "nextCursor": "c" * 120, "userGroupList": [_GROUP] * 20}
).encode()
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))],
}
_BODY = {"type": "http.response.body", "body": BODY}


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    await send(_START)
    await send(_BODY)


def main() -> None:
    """Serve `app` with the emulator's own uvicorn settings and socket options."""
    import argparse

    from koodrive_emulator.server import bind_socket, uvicorn_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn_server(app).run(sockets=[bind_socket("127.0.0.1", port)])


if __name__ == "__main__":
    main()
