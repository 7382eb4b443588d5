"""1. Per-call cost of the SDK against raw httpx sending the identical request.

Both sides call `listBoundDevices` on the same emulator over one pooled keep-alive
connection, one call at a time. The raw side replays the exact headers the SDK sent (its
signature stays valid for the 15 minutes of X-Date), so it pays for the HTTP exchange and
JSON decoding only; the SDK also signs every call afresh, stamps a trace id, classifies
the response and builds typed models. Rounds alternate between the two sides and each
SDK round is compared with the raw round beside it, so a noisy neighbour that slows a
stretch of the run slows both sides of a pair alike; the ratio is the median of the pairs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypedDict

import httpx
from koodrive import AsyncKooDrive, KooDrive
from koodrive_emulator import Credentials

DEVICES_PATH = "/koodrive/ose/v1/backup/device"


@dataclass(frozen=True)
class Overhead:
    label: str
    sdk_rates: list[float]
    raw_rates: list[float]  # raw_rates[i] was measured right after sdk_rates[i]

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


def _sdk_and_sent_headers(base_url: str, mode: str) -> tuple[KooDrive, dict[str, str]]:
    """A KooDrive over an httpx client of our own, and the headers of a request it sent.

    The capturing hook is ours to remove once it has seen one request, so the timed calls
    run with the SDK's hooks only.
    """
    captured: dict[str, str] = {}

    def capture(response: httpx.Response) -> None:
        captured.update(response.request.headers)

    http = httpx.Client(event_hooks={"response": [capture]})
    sdk = KooDrive(base_url=base_url, max_retries=0, http_client=http, **_credentials(mode))
    sdk.devices.list()
    http.event_hooks["response"].remove(capture)
    return sdk, captured


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


def measure_sync(base_url: str, mode: str, *, rounds: int, calls: int) -> Overhead:
    sdk, headers = _sdk_and_sent_headers(base_url, mode)
    with sdk, httpx.Client(base_url=base_url) as raw:

        def raw_call() -> object:
            response = raw.get(DEVICES_PATH, headers=headers)
            response.raise_for_status()
            return response.json()

        sdk_rates, raw_rates = [], []
        _rate(sdk.devices.list, calls // 4)  # warm both connections and caches
        _rate(raw_call, calls // 4)
        for _ in range(rounds):
            sdk_rates.append(_rate(sdk.devices.list, calls))
            raw_rates.append(_rate(raw_call, calls))
    return Overhead(f"{mode}, sync", sdk_rates, raw_rates)


async def _measure_async(base_url: str, mode: str, rounds: int, calls: int) -> Overhead:
    probe, headers = _sdk_and_sent_headers(base_url, mode)
    probe.close()
    async with (
        AsyncKooDrive(base_url=base_url, max_retries=0, **_credentials(mode)) as sdk,
        httpx.AsyncClient(base_url=base_url) as raw,
    ):

        async def raw_call() -> object:
            response = await raw.get(DEVICES_PATH, headers=headers)
            response.raise_for_status()
            return response.json()

        sdk_rates, raw_rates = [], []
        await _rate_async(sdk.devices.list, calls // 4)
        await _rate_async(raw_call, calls // 4)
        for _ in range(rounds):
            sdk_rates.append(await _rate_async(sdk.devices.list, calls))
            raw_rates.append(await _rate_async(raw_call, calls))
    return Overhead(f"{mode}, async", sdk_rates, raw_rates)


def measure(base_url: str, *, rounds: int, calls: int) -> list[Overhead]:
    results = []
    for mode in ("token", "hmac"):
        results.append(measure_sync(base_url, mode, rounds=rounds, calls=calls))
        results.append(asyncio.run(_measure_async(base_url, mode, rounds, calls)))
    return results
