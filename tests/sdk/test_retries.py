"""Retries: connection errors, 429 and 5xx again with backoff and Retry-After; other 4xx never.

Attempts are counted on the server (RequestCounter); waits are recorded, not slept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from koodrive import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    KooDrive,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from koodrive.retries import Backoff
from koodrive_emulator.testing import RunningEmulator


def test_retryable_faults_are_retried_until_success(
    client: KooDrive,
    emulator: RunningEmulator,
    requests_seen: Callable[[], int],
    sleeps: list[float],
) -> None:
    emulator.faults.server_error(times=1)
    emulator.faults.truncated(times=1)

    assert client.devices.list()

    assert requests_seen() == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "fault",
    ["throttle", "server_error", "bad_gateway", "unavailable", "gateway_timeout", "truncated"],
)
def test_after_max_retries_the_last_error_is_raised(
    make_client: Callable[..., KooDrive],
    emulator: RunningEmulator,
    requests_seen: Callable[[], int],
    sleeps: list[float],
    fault: str,
) -> None:
    getattr(emulator.faults, fault)()
    sdk = make_client(max_retries=3)

    with pytest.raises((RateLimitError, ServerError, APIConnectionError)):
        list(sdk.user_groups.list(source_type=0))

    assert requests_seen() == 4
    assert len(sleeps) == 3


def test_retry_after_is_honoured(
    client: KooDrive, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.faults.throttle(retry_after=3, times=1)
    emulator.faults.unavailable(retry_after=1, times=1)

    client.devices.list()

    assert sleeps == [3.0, 1.0]


def test_retry_after_is_capped(
    make_client: Callable[..., KooDrive], emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.faults.throttle(retry_after=3600, times=1)

    make_client(backoff=Backoff(max_retry_after=2.5)).devices.list()

    assert sleeps == [2.5]


def test_backoff_grows_exponentially_with_full_jitter_and_a_cap(
    make_client: Callable[..., KooDrive], emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.faults.bad_gateway(times=6)
    sdk = make_client(max_retries=6, backoff=Backoff(initial=0.5, maximum=4.0))

    sdk.devices.list()

    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(sleeps) == len(ceilings)
    assert all(0.0 <= delay <= ceiling for delay, ceiling in zip(sleeps, ceilings, strict=True))


def test_backoff_delays_follow_the_formula() -> None:
    backoff = Backoff(initial=0.5, maximum=3.0, max_retry_after=10.0)

    assert [backoff.delay(n, None, uniform=lambda: 1.0) for n in range(5)] == [0.5, 1, 2, 3, 3]
    assert backoff.delay(4, None, uniform=lambda: 0.25) == 0.75
    assert backoff.delay(0, 12.0) == 10.0
    assert backoff.delay(0, 0.0) == 0.0


@pytest.mark.parametrize(
    ("make_failure", "kind"),
    [
        (lambda e: None, BadRequestError),
        (lambda e: e.credentials.revoke_token(e.credentials.token), AuthenticationError),
    ],
)
def test_other_client_errors_are_never_retried(
    client: KooDrive,
    emulator: RunningEmulator,
    requests_seen: Callable[[], int],
    sleeps: list[float],
    make_failure: Callable[[RunningEmulator], None],
    kind: type[Exception],
) -> None:
    make_failure(emulator)

    with pytest.raises(kind):
        list(
            client.user_groups.list(source_type=0, page_size=500 if kind is BadRequestError else 5)
        )

    assert requests_seen() == 1
    assert sleeps == []


def test_not_found_is_never_retried(emulator: RunningEmulator, sleeps: list[float]) -> None:
    sdk = KooDrive(
        base_url=emulator.base_url + "/nope",
        token="t",
        user_id="1",
        sleep=sleeps.append,
        environ={},
    )

    with sdk, pytest.raises(NotFoundError):
        sdk.devices.list()
    assert sleeps == []


def test_max_retries_per_call_overrides_the_client(
    client: KooDrive, emulator: RunningEmulator, requests_seen: Callable[[], int]
) -> None:
    emulator.faults.server_error()

    with pytest.raises(ServerError):
        client.devices.list(max_retries=0)
    assert requests_seen() == 1

    with pytest.raises(ServerError):
        client.devices.list(max_retries=4)
    assert requests_seen() == 1 + 5


def test_with_options_gives_other_defaults_and_shares_connections(
    client: KooDrive, emulator: RunningEmulator, requests_seen: Callable[[], int]
) -> None:
    patient = client.with_options(max_retries=5, timeout=12.0)
    emulator.faults.server_error(times=5)

    assert patient.devices.list()
    assert requests_seen() == 6
    assert (patient.max_retries, patient.timeout.read) == (5, 12.0)
    assert (client.max_retries, client.timeout.read) == (2, 30.0)  # the original is unchanged


def test_a_per_call_timeout_overrides_the_client(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    emulator.faults.latency(0.3, times=1)

    assert client.devices.list(timeout=20.0, max_retries=0)  # waits for the slow answer


def test_timeouts_are_retried(
    client: KooDrive, emulator: RunningEmulator, requests_seen: Callable[[], int]
) -> None:
    emulator.faults.latency(2.0, times=1)

    assert client.devices.list(timeout=0.2)

    assert requests_seen() == 2


def test_each_retry_is_logged_without_credentials(
    client: KooDrive, emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.faults.unavailable(retry_after=0, times=1)

    with caplog.at_level(logging.DEBUG):
        client.devices.list(trace_id="a" * 58)

    retries = [r for r in caplog.records if r.name == "koodrive"]
    assert len(retries) == 1
    assert "HTTP 503 APIGW.0203" in retries[0].getMessage()
    assert "a" * 58 in retries[0].getMessage()
    assert emulator.credentials.token not in caplog.text
