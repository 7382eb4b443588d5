"""Sending the writes to a running emulator, in either authentication mode, as raw HTTP."""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator

Mode = Literal["token", "app"]
MODES: tuple[Mode, ...] = ("token", "app")
JSON = {"Content-Type": "application/json"}
DEV_USER = "1395476983395324033"
# In the development user's listing, owned by another user (the default fixtures).
DESIGN_TEAM = "1410000000000000002"
OWN_GROUP = "1407237551361847809"  # "7", the development user's own
SECOND_USER = "1395476983395324034"
SECOND_USERS_GROUP = "1420000000000000001"


def group_path(group_id: str) -> str:
    return f"{GROUPS}/{group_id}"


def device_path(device_id: str) -> str:
    return f"{DEVICES}/{device_id}"


def encoded(body: object) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def send(
    emulator: RunningEmulator,
    http: httpx.Client,
    method: str,
    path: str,
    body: object = None,
    *,
    mode: Mode = "token",
    headers: dict[str, str] | None = None,
    user_id: str | None = None,
) -> httpx.Response:
    """`body` (JSON-encoded unless bytes; None: no body) sent as JSON with the credentials of
    `mode`, acting for `user_id` (default: the development user)."""
    raw = b"" if body is None else encoded(body)
    user = user_id or emulator.credentials.user_id
    if mode == "app":
        credentials = emulator.signed_headers(path, method=method, body=raw, user_id=user)
    else:
        credentials = emulator.token_headers(with_user=True)
        if user != emulator.credentials.user_id:
            token = f"token-of-{user}"
            emulator.credentials.add_token(token, user)
            credentials = {**credentials, "Authorization": f"Bearer {token}", "X-User-Id": user}
    sent = {**(JSON if raw else {}), **credentials, **(headers or {})}
    return http.request(method, path, content=raw, headers=sent)


def listed_groups(
    emulator: RunningEmulator, http: httpx.Client, source_type: int, *, user_id: str | None = None
) -> list[dict[str, Any]]:
    """Every group of one listing, walked over HTTP."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        query = f"pageSize=100&pageCursor={cursor}&sourceType={source_type}"
        response = send(emulator, http, "GET", f"{GROUPS}?{query}", user_id=user_id)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["userGroupList"]
        if "nextCursor" not in page:
            return found
        cursor = page["nextCursor"]


def listed_devices(
    emulator: RunningEmulator, http: httpx.Client, *, user_id: str | None = None
) -> list[dict[str, Any]]:
    response = send(emulator, http, "GET", DEVICES, user_id=user_id)
    assert response.status_code == 200, response.text
    devices: list[dict[str, Any]] = response.json()["data"]
    return devices


def service_error(response: httpx.Response, status: int, code: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    message: str = body["msg"]
    return message
