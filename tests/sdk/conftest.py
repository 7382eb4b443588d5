"""SDK tests run against the real emulator on 127.0.0.1 (the `emulator` fixture).

Clients get a recording `sleep`, so retry tests check the delays without waiting them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal, Protocol, TypedDict

import pytest
from koodrive import AsyncKooDrive, KooDrive
from koodrive.retries import Backoff
from koodrive_emulator.faults import Fault
from koodrive_emulator.pytest_plugin import emulator
from koodrive_emulator.testing import RunningEmulator

__all__ = ["emulator"]

Mode = Literal["token", "app"]


class MakeClient(Protocol):
    def __call__(
        self, mode: Mode = "token", *, max_retries: int = 2, backoff: Backoff | None = None
    ) -> KooDrive: ...


class MakeAsyncClient(Protocol):
    def __call__(
        self, mode: Mode = "token", *, max_retries: int = 2, backoff: Backoff | None = None
    ) -> AsyncKooDrive: ...


class Credentials(TypedDict, total=False):
    token: str
    app_id: str
    app_secret: str
    user_id: str


def credentials(emulator: RunningEmulator, mode: Mode) -> Credentials:
    found = emulator.credentials
    if mode == "token":
        return {"token": found.token, "user_id": found.user_id}
    return {"app_id": found.app_id, "app_secret": found.app_secret, "user_id": found.user_id}


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the test's clients asked to sleep (they return at once)."""
    return []


@pytest.fixture
def make_client(emulator: RunningEmulator, sleeps: list[float]) -> Iterator[MakeClient]:
    made: list[KooDrive] = []

    def make(
        mode: Mode = "token", *, max_retries: int = 2, backoff: Backoff | None = None
    ) -> KooDrive:
        sdk = KooDrive(
            base_url=emulator.base_url,
            **credentials(emulator, mode),
            max_retries=max_retries,
            backoff=backoff or Backoff(),
            sleep=sleeps.append,
            environ={},
        )
        made.append(sdk)
        return sdk

    yield make
    for sdk in made:
        sdk.close()


@pytest.fixture
def make_async_client(emulator: RunningEmulator, sleeps: list[float]) -> MakeAsyncClient:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def make(
        mode: Mode = "token", *, max_retries: int = 2, backoff: Backoff | None = None
    ) -> AsyncKooDrive:
        return AsyncKooDrive(
            base_url=emulator.base_url,
            **credentials(emulator, mode),
            max_retries=max_retries,
            backoff=backoff or Backoff(),
            sleep=sleep,
            environ={},
        )

    return make


@pytest.fixture
def client(make_client: MakeClient) -> KooDrive:
    """Token mode, with X-User-Id (devices need it)."""
    return make_client("token")


@pytest.fixture(params=["token", "app"])
def any_client(request: pytest.FixtureRequest, make_client: MakeClient) -> KooDrive:
    """Each test using it runs once per authentication mode."""
    mode: Mode = request.param
    return make_client(mode)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def requests_seen(emulator: RunningEmulator) -> Callable[[], int]:
    """How many requests reached the emulator since the test began.

    A zero-second latency fault applies to every request and counts itself down.
    """
    start = 1_000_000
    counter: Fault = emulator.faults.latency(0.0, times=start)

    def seen() -> int:
        assert counter.times is not None
        return start - counter.times

    return seen
