"""1. Per-call cost of the SDK against raw httpx making the same HTTP exchange.

Two operations, in each auth mode (token, HMAC app signature) and each client (sync,
async): `listBoundDevices`, and a write, `createUserGroup` followed by a
`deleteUserGroup` of the group it created (one "call" is the pair, so the user's groups
stay as they were). Both sides talk to the same emulator over one pooled keep-alive
connection, one call at a time. The SDK is used as a user would: `KooDrive(...)` with its
own httpx client, no hooks. The raw side is what a user of httpx alone would write for the
same exchange: per request it stamps `X-Date` (`strftime`), a fresh `X-Traceid`, and for
HMAC signs the request (canonical request, SHA-256, HMAC: `_RawSigner`, written from the
spec, not the SDK's signer), then `raise_for_status()` and `response.json()`; the write
encodes its JSON body for each call and takes the new id from the answer's JSON. It
sends the same headers the SDK sends (User-Agent aside), so the server does the same work
for both. The SDK also checks the call's options, classifies the response, checks its
shape and builds typed models.

Rounds alternate between the two sides and each SDK round is compared with the raw round
beside it, so a noisy neighbour that slows a stretch of the run slows both sides of a pair
alike; the ratio is the median of the pairs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict
from urllib.parse import urlsplit

import httpx
from koodrive import AsyncKooDrive, KooDrive
from koodrive_emulator import Credentials

DEVICES_PATH = "/koodrive/ose/v1/backup/device"
GROUPS_PATH = "/koodrive/ose/v1/usergroups"
LIST = "listBoundDevices"
CREATE = "createUserGroup + deleteUserGroup"
OPERATIONS = (LIST, CREATE)
GROUP_NAME = "sdk-overhead"
SOURCE_TYPE = 1
_TRACE_ID_BYTES = 29  # 58 hex digits: the spec's X-Traceid is 58 characters


@dataclass(frozen=True)
class Overhead:
    label: str
    sdk_rates: list[float]
    raw_rates: list[float]  # raw_rates[i] was measured right after sdk_rates[i]
    operation: str = LIST

    @property
    def sdk_calls_per_second(self) -> float:
        return statistics.median(self.sdk_rates)

    @property
    def raw_calls_per_second(self) -> float:
        return statistics.median(self.raw_rates)

    @property
    def pair_ratios(self) -> list[float]:
        return [sdk / raw for sdk, raw in zip(self.sdk_rates, self.raw_rates, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.pair_ratios)

    @property
    def overhead_us(self) -> float:
        """The SDK's extra time per call in microseconds, the median of the pairs."""
        return statistics.median(
            (1 / sdk - 1 / raw) * 1e6
            for sdk, raw in zip(self.sdk_rates, self.raw_rates, strict=True)
        )


class _Credentials(TypedDict, total=False):
    token: str
    app_id: str
    app_secret: str
    user_id: str


def _credentials(mode: str) -> _Credentials:
    development = Credentials.development()
    if mode == "token":
        return {"token": development.token, "user_id": development.user_id}
    return {
        "app_id": development.app_id,
        "app_secret": development.app_secret,
        "user_id": development.user_id,
    }


class _RawSigner:
    """The headers a user of httpx alone sends with each request, signed per the spec."""

    def __init__(self, base_url: str, mode: str) -> None:
        credentials = _credentials(mode)
        self._host = urlsplit(base_url).netloc
        self._user_id = credentials["user_id"]
        self._token = credentials.get("token")
        self._app_id = credentials.get("app_id", "")
        self._secret = credentials.get("app_secret", "").encode()

    def headers(self, method: str, path: str, body: bytes = b"") -> dict[str, str]:
        x_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = {
            "X-Traceid": secrets.token_hex(_TRACE_ID_BYTES),
            "X-User-Id": self._user_id,
            "X-Date": x_date,
        }
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
            return headers
        canonical = "\n".join(
            (
                method,
                path if path.endswith("/") else path + "/",
                "",  # no query
                f"host:{self._host}\nx-date:{x_date}\nx-user-id:{self._user_id}\n",
                "host;x-date;x-user-id",
                hashlib.sha256(body).hexdigest(),
            )
        )
        to_sign = "HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        signature = hmac.new(self._secret, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (
            f"HMAC-SHA256 AppId={self._app_id},SignedHeaders=host;x-date;x-user-id,"
            f"Signature={signature}"
        )
        return headers


def _create_body() -> bytes:
    """The JSON a user sends to create a group, encoded for each call (as httpx's `json=`
    does, compact like the SDK's, which the signature hashes)."""
    body = {"groupName": GROUP_NAME, "sourceType": SOURCE_TYPE}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _raw_sync(raw: httpx.Client, signer: _RawSigner, operation: str) -> Callable[[], object]:
    def list_devices() -> object:
        response = raw.get(DEVICES_PATH, headers=signer.headers("GET", DEVICES_PATH))
        response.raise_for_status()
        return response.json()

    def create_and_delete() -> object:
        body = _create_body()
        headers = signer.headers("POST", GROUPS_PATH, body)
        headers["Content-Type"] = "application/json"
        response = raw.post(GROUPS_PATH, content=body, headers=headers)
        response.raise_for_status()
        path = f"{GROUPS_PATH}/{response.json()['id']}"
        response = raw.delete(path, headers=signer.headers("DELETE", path))
        response.raise_for_status()
        return response.json()

    return list_devices if operation == LIST else create_and_delete


def _raw_async(
    raw: httpx.AsyncClient, signer: _RawSigner, operation: str
) -> Callable[[], Awaitable[object]]:
    async def list_devices() -> object:
        response = await raw.get(DEVICES_PATH, headers=signer.headers("GET", DEVICES_PATH))
        response.raise_for_status()
        return response.json()

    async def create_and_delete() -> object:
        body = _create_body()
        headers = signer.headers("POST", GROUPS_PATH, body)
        headers["Content-Type"] = "application/json"
        response = await raw.post(GROUPS_PATH, content=body, headers=headers)
        response.raise_for_status()
        path = f"{GROUPS_PATH}/{response.json()['id']}"
        response = await raw.delete(path, headers=signer.headers("DELETE", path))
        response.raise_for_status()
        return response.json()

    return list_devices if operation == LIST else create_and_delete


def _sdk_sync(sdk: KooDrive, operation: str) -> Callable[[], object]:
    def create_and_delete() -> object:
        groups = sdk.user_groups
        groups.delete(groups.create(group_name=GROUP_NAME, source_type=SOURCE_TYPE))
        return None

    return sdk.devices.list if operation == LIST else create_and_delete


def _sdk_async(sdk: AsyncKooDrive, operation: str) -> Callable[[], Awaitable[object]]:
    async def create_and_delete() -> object:
        groups = sdk.user_groups
        await groups.delete(await groups.create(group_name=GROUP_NAME, source_type=SOURCE_TYPE))
        return None

    return sdk.devices.list if operation == LIST else create_and_delete


def _label(mode: str, kind: str, operation: str) -> str:
    return f"{mode}, {kind}" if operation == LIST else f"{mode}, {kind}, create+delete"


def _rate(call: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return calls / (time.perf_counter() - start)


async def _rate_async(call: Callable[[], Awaitable[object]], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return calls / (time.perf_counter() - start)


def measure_sync(
    base_url: str, mode: str, *, rounds: int, calls: int, operation: str = LIST
) -> Overhead:
    with (
        KooDrive(base_url=base_url, max_retries=0, **_credentials(mode)) as sdk,
        httpx.Client(base_url=base_url) as raw,
    ):
        sdk_call = _sdk_sync(sdk, operation)
        raw_call = _raw_sync(raw, _RawSigner(base_url, mode), operation)
        sdk_rates, raw_rates = [], []
        _rate(sdk_call, calls // 4 + 1)  # warm both connections and caches
        _rate(raw_call, calls // 4 + 1)
        for _ in range(rounds):
            sdk_rates.append(_rate(sdk_call, calls))
            raw_rates.append(_rate(raw_call, calls))
    return Overhead(_label(mode, "sync", operation), sdk_rates, raw_rates, operation)


async def _measure_async(
    base_url: str, mode: str, rounds: int, calls: int, operation: str = LIST
) -> Overhead:
    async with (
        AsyncKooDrive(base_url=base_url, max_retries=0, **_credentials(mode)) as sdk,
        httpx.AsyncClient(base_url=base_url) as raw,
    ):
        sdk_call = _sdk_async(sdk, operation)
        raw_call = _raw_async(raw, _RawSigner(base_url, mode), operation)
        sdk_rates, raw_rates = [], []
        await _rate_async(sdk_call, calls // 4 + 1)
        await _rate_async(raw_call, calls // 4 + 1)
        for _ in range(rounds):
            sdk_rates.append(await _rate_async(sdk_call, calls))
            raw_rates.append(await _rate_async(raw_call, calls))
    return Overhead(_label(mode, "async", operation), sdk_rates, raw_rates, operation)


def measure(
    base_url: str, *, rounds: int, calls: int, operations: tuple[str, ...] = OPERATIONS
) -> list[Overhead]:
    results = []
    for operation in operations:
        for mode in ("token", "hmac"):
            results.append(
                measure_sync(base_url, mode, rounds=rounds, calls=calls, operation=operation)
            )
            results.append(asyncio.run(_measure_async(base_url, mode, rounds, calls, operation)))
    return results
