"""Deadlines for an attempt (`attempt_timeout`) and a whole call (`total_timeout`), against
servers on 127.0.0.1 that drip their answer a byte at a time: httpx's per-phase `timeout`
never fires on them (each byte comes well within it), so without a deadline each of these
calls would last as long as the drip, 10 s and more.

Times are measured on the wall clock; the margins allow for a loaded machine, and each
test is bounded by its own pytest timeout.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from koodrive import (
    APIConnectionError,
    APITimeoutError,
    AsyncKooDrive,
    AttemptInfo,
    Backoff,
    CallHooks,
    ConfigurationError,
    KooDrive,
    Outcome,
    ServerError,
    SourceType,
)
from koodrive._deadline import Alarm, Deadline

from tests.sdk.hostile_server import (
    CA,
    Hostile,
    Reply,
    drip,
    hostile_server,
    json_reply,
    tls_context,
)

USER = "1395476983395324033"
BODY = json.dumps({"code": 0, "msg": "ok", "data": []}).encode()
# A byte every 0.25 s: the 36-byte body takes 9 s, the padded one below 12.5 s.
EVERY = 0.25
PADDED = BODY[:-1] + b" " * 14 + b"}"
# Past the deadline, the call must be over within this (thread scheduling on a busy machine).
MARGIN = 0.75
NO_WAIT = Backoff(initial=0.0, maximum=0.0)
COMMAND = Path(sys.executable).with_name("koodrive")  # the console script pyproject declares

pytestmark = pytest.mark.timeout(60)


def dripping(target: str) -> Reply:
    return Reply(200, [("Content-Type", "application/json")], drip(PADDED, EVERY))


def sync_client(server: Hostile, **options: Any) -> KooDrive:
    options.setdefault("max_retries", 0)
    return KooDrive(base_url=server.base_url, token="t", user_id=USER, environ={}, **options)


def async_client(server: Hostile, **options: Any) -> AsyncKooDrive:
    options.setdefault("max_retries", 0)
    return AsyncKooDrive(base_url=server.base_url, token="t", user_id=USER, environ={}, **options)


def timed(call: Callable[[], object]) -> tuple[BaseException | None, float]:
    start = time.monotonic()
    try:
        call()
    except Exception as error:
        return error, time.monotonic() - start
    return None, time.monotonic() - start


async def timed_async(call: Callable[[], Any]) -> tuple[BaseException | None, float]:
    start = time.monotonic()
    try:
        await call()
    except Exception as error:
        return error, time.monotonic() - start
    return None, time.monotonic() - start


def timed_out(error: BaseException | None, setting: str) -> APITimeoutError:
    assert isinstance(error, APITimeoutError), repr(error)
    assert f"({setting}=" in str(error)
    assert error.trace_id
    return error


def wait_for(condition: Callable[[], bool], seconds: float = 3.0) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


# --- one attempt, cut off at the deadline ----------------------------------------------------


def test_a_dripping_body_outlasts_timeout_but_not_total_timeout() -> None:
    with hostile_server(dripping) as server, sync_client(server, timeout=1.0) as client:
        error, elapsed = timed(lambda: client.devices.list(total_timeout=1.5))

        timed_out(error, "total_timeout")
        assert 1.5 <= elapsed < 1.5 + MARGIN, elapsed
        # The connection was closed, not pooled: the server saw its client leave.
        assert wait_for(lambda: server.hangups == ["/koodrive/ose/v1/backup/device"])


@pytest.mark.anyio
async def test_the_async_client_keeps_total_timeout_too() -> None:
    with hostile_server(dripping) as server:
        async with async_client(server, timeout=1.0, total_timeout=1.5) as client:
            error, elapsed = await timed_async(client.devices.list)

    timed_out(error, "total_timeout")
    assert 1.5 <= elapsed < 1.5 + MARGIN, elapsed
    assert wait_for(lambda: len(server.hangups) == 1)


def test_the_connection_cut_off_is_not_reused() -> None:
    answers = iter([dripping("/"), json_reply(BODY)])
    with hostile_server(lambda target: next(answers)) as server, sync_client(server) as client:
        with pytest.raises(APITimeoutError):
            client.devices.list(total_timeout=1.0)

        assert client.devices.list(total_timeout=5.0) == []
        assert len(server.connections) == 2


@pytest.mark.parametrize("http_client", ["own", "given"])
def test_a_read_the_timeouts_alone_would_let_run_ends_at_the_deadline(
    http_client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bytes 1.5 s apart, the deadline at 2 s: the second byte would be read 1 s past it (a
    # read may wait as long as was left when the body began). The SDK's own client gives
    # that read only the time left; on a client the user gave, the alarm ends it at 2 s.
    def slow_drip(target: str) -> Reply:
        return Reply(200, [("Content-Type", "application/json")], drip(PADDED, 1.5))

    alarms: list[Alarm | None] = []
    set_for = Alarm.set_for

    def recorded(response: httpx.Response, deadline: Deadline | None) -> Alarm | None:
        alarms.append(set_for(response, deadline))
        return alarms[-1]

    monkeypatch.setattr(Alarm, "set_for", recorded)
    given = {} if http_client == "own" else {"http_client": httpx.Client()}
    with hostile_server(slow_drip) as server, sync_client(server, **given) as client:
        error, elapsed = timed(lambda: client.devices.list(total_timeout=2.0))

    timed_out(error, "total_timeout")
    assert 2.0 <= elapsed < 2.0 + MARGIN, elapsed
    rung = [alarm is not None for alarm in alarms]
    assert rung == ([False] if http_client == "own" else [True])


@pytest.mark.anyio
async def test_the_async_client_cuts_off_a_dripping_head_as_well() -> None:
    with hostile_server(slow_head) as server:
        async with async_client(server, timeout=1.0) as client:
            error, elapsed = await timed_async(lambda: client.devices.list(total_timeout=1.0))

    timed_out(error, "total_timeout")
    assert 1.0 <= elapsed < 1.0 + MARGIN, elapsed


def slow_head(target: str) -> Reply:
    """The status line and headers a byte at a time (70 bytes: 17.5 s), then the body."""
    return Reply(200, [("Content-Type", "application/json")], [BODY], len(BODY), EVERY)


@pytest.mark.parametrize("setting", ["attempt_timeout", "total_timeout"])
@pytest.mark.parametrize("connection", ["fresh", "reused"])
def test_a_dripping_head_is_cut_off_on_a_fresh_or_a_pooled_connection(
    connection: str, setting: str
) -> None:
    # A pooled connection is the hard case: no connect, nothing of the response yet, and
    # each of the 70 reads of the head comes within the read timeout.
    answers = iter(
        [json_reply(BODY), slow_head("/")] if connection == "reused" else [slow_head("/")]
    )
    with (
        hostile_server(lambda target: next(answers)) as server,
        sync_client(server, timeout=1.0) as client,
    ):
        if connection == "reused":
            assert client.devices.list() == []
        deadline: dict[str, Any] = {setting: 1.0}
        error, elapsed = timed(lambda: client.devices.list(**deadline))

        timed_out(error, setting)
        assert 1.0 <= elapsed < 1.0 + MARGIN, elapsed
        assert len(server.connections) == 1  # the pooled one, when there was one
        assert wait_for(lambda: server.hangups == ["/koodrive/ose/v1/backup/device"])


def clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_through_the_environments_proxy_a_dripping_head_is_cut_off_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The hostile server is the proxy: an http:// request reaches it in absolute form.
    answers = iter([json_reply(BODY), slow_head("/")])
    with hostile_server(lambda target: next(answers)) as proxy:
        clear_proxies(monkeypatch)
        monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
        with KooDrive(
            base_url="http://koodrive.test", token="t", user_id=USER, environ={}, max_retries=0
        ) as client:
            assert client.devices.list() == []
            error, elapsed = timed(lambda: client.devices.list(total_timeout=1.0))

    timed_out(error, "total_timeout")
    assert 1.0 <= elapsed < 1.0 + MARGIN, elapsed
    assert proxy.requests == ["http://koodrive.test/koodrive/ose/v1/backup/device"] * 2
    assert len(proxy.connections) == 1


def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    with hostile_server(lambda target: json_reply(BODY)) as server:
        with sync_client(server) as client, pytest.raises(APIConnectionError):
            client.devices.list()  # through the proxy that is not there
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with sync_client(server) as client:
            assert client.devices.list() == []


def test_over_tls_a_dripping_head_is_cut_off_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Verified as httpx verifies: the test CA is trusted through SSL_CERT_FILE only.
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(CA))
    answers = iter([json_reply(BODY), slow_head("/")])
    with (
        hostile_server(lambda target: next(answers), tls_context()) as server,
        sync_client(server) as client,
    ):
        assert server.base_url.startswith("https://")
        assert client.devices.list() == []
        error, elapsed = timed(lambda: client.devices.list(attempt_timeout=1.0))

    timed_out(error, "attempt_timeout")
    assert 1.0 <= elapsed < 1.0 + MARGIN, elapsed
    assert len(server.connections) == 1


def test_tls_is_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # certifi's CAs, not the test CA
    with (
        hostile_server(lambda target: json_reply(BODY), tls_context()) as server,
        sync_client(server) as client,
        pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.devices.list()


def test_a_server_that_never_answers_is_cut_off_too() -> None:
    def silent(target: str) -> Reply:
        time.sleep(5)
        return json_reply(BODY)

    with hostile_server(silent) as server, sync_client(server, timeout=30.0) as client:
        error, elapsed = timed(lambda: client.devices.list(attempt_timeout=0.5))

    timed_out(error, "attempt_timeout")
    assert 0.5 <= elapsed < 0.5 + MARGIN, elapsed


# --- retries: each attempt cut off, and the call as a whole ------------------------------


class Outcomes(CallHooks):
    def __init__(self) -> None:
        self.seen: list[Outcome] = []

    def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
        assert isinstance(error, APITimeoutError)
        self.seen.append(attempt.outcome)


def test_attempt_timeout_cuts_off_each_attempt_and_the_call_retries() -> None:
    hooks = Outcomes()
    with (
        hostile_server(dripping) as server,
        sync_client(server, max_retries=2, backoff=NO_WAIT, hooks=[hooks]) as client,
    ):
        error, elapsed = timed(lambda: client.devices.list(attempt_timeout=0.5))

    timed_out(error, "attempt_timeout")
    assert len(server.requests) == 3
    assert 1.5 <= elapsed < 1.5 + MARGIN, elapsed
    assert hooks.seen == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILURE]


@pytest.mark.anyio
async def test_the_async_client_retries_after_attempt_timeout() -> None:
    with hostile_server(dripping) as server:
        async with async_client(
            server, max_retries=2, backoff=NO_WAIT, attempt_timeout=0.5
        ) as client:
            error, elapsed = await timed_async(client.devices.list)

    timed_out(error, "attempt_timeout")
    assert len(server.requests) == 3
    assert 1.5 <= elapsed < 1.5 + MARGIN, elapsed


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_total_timeout_ends_the_call_across_retries(flavour: str) -> None:
    # Attempts end at 0.5 s and 1.0 s; the third is cut off by the call's deadline at
    # 1.2 s, and no fourth one starts, though max_retries allows ten.
    options: dict[str, Any] = {
        "max_retries": 10,
        "backoff": NO_WAIT,
        "attempt_timeout": 0.5,
        "total_timeout": 1.2,
    }
    with hostile_server(dripping) as server:
        if flavour == "sync":
            with sync_client(server, **options) as client:
                error, elapsed = timed(client.devices.list)
        else:

            async def call() -> tuple[BaseException | None, float]:
                async with async_client(server, **options) as client:
                    return await timed_async(client.devices.list)

            error, elapsed = asyncio.run(call())
        time.sleep(0.3)  # a retry started late would show now
        requests = len(server.requests)

    timed_out(error, "total_timeout")
    assert 1.2 <= elapsed < 1.2 + MARGIN, elapsed
    assert requests == 3


def test_a_retry_whose_wait_would_pass_total_timeout_is_not_made() -> None:
    def unavailable(target: str) -> Reply:
        body = json.dumps({"code": 13000503, "msg": "busy"}).encode()
        return Reply(
            503, [("Content-Type", "application/json"), ("Retry-After", "1")], [body], len(body)
        )

    # Retry-After: 1 fits twice into 2.5 s (attempts at 0 s, 1 s, 2 s); a third wait would
    # end at 3 s, past the deadline: the call raises the server's error at 2 s instead.
    with hostile_server(unavailable) as server, sync_client(server, max_retries=10) as client:
        error, elapsed = timed(lambda: client.devices.list(total_timeout=2.5))

    assert isinstance(error, ServerError), repr(error)
    assert len(server.requests) == 3
    assert 2.0 <= elapsed < 2.5, elapsed


@pytest.mark.anyio
async def test_the_async_client_does_not_wait_past_total_timeout() -> None:
    def throttled(target: str) -> Reply:
        body = json.dumps({"code": 13000429, "msg": "slow down"}).encode()
        return Reply(
            429, [("Content-Type", "application/json"), ("Retry-After", "30")], [body], len(body)
        )

    with hostile_server(throttled) as server:
        async with async_client(server, max_retries=3, total_timeout=5.0) as client:
            error, elapsed = await timed_async(client.devices.list)

    assert getattr(error, "retry_after", None) == 30
    assert len(server.requests) == 1
    assert elapsed < 1.0, elapsed


# --- settings: per client, per derived client, per call ----------------------------------


def test_each_phase_timeout_is_cut_to_the_time_left() -> None:
    sent: list[dict[str, float | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"])
        return httpx.Response(200, json={"code": 0, "msg": "ok", "data": []})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with KooDrive(
        base_url="http://koodrive.test", token="t", user_id=USER, environ={}, http_client=http
    ) as client:
        client.devices.list()
        client.devices.list(timeout=None, total_timeout=2.0)
        client.devices.list(total_timeout=20.0, attempt_timeout=3.0)

    assert sent[0] == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    # No limit (None) becomes the time left; 5 s and 30 s become the 3 s of the attempt.
    assert all(seconds is not None and 1.9 < seconds <= 2.0 for seconds in sent[1].values())
    assert all(seconds is not None and 2.9 < seconds <= 3.0 for seconds in sent[2].values())


def test_deadlines_are_set_per_client_and_per_derived_client() -> None:
    with hostile_server(dripping) as server, sync_client(server) as client:
        assert (client.attempt_timeout, client.total_timeout) == (None, None)
        strict = client.with_options(total_timeout=1.0, attempt_timeout=0.8)
        assert (strict.attempt_timeout, strict.total_timeout) == (0.8, 1.0)
        assert "total_timeout=1.0" in repr(strict)
        relaxed = strict.with_options(attempt_timeout=None)
        assert (relaxed.attempt_timeout, relaxed.total_timeout) == (None, 1.0)
        assert (client.attempt_timeout, client.total_timeout) == (None, None)

        error, elapsed = timed(strict.devices.list)

    timed_out(error, "attempt_timeout")
    assert 0.8 <= elapsed < 0.8 + MARGIN, elapsed


def test_a_per_call_none_lifts_the_clients_deadline(
    make_client: Callable[..., KooDrive],
) -> None:
    client = make_client().with_options(total_timeout=1e-6)
    with pytest.raises(APITimeoutError, match="total_timeout"):
        client.devices.list()
    assert client.devices.list(total_timeout=None)


def test_calls_that_keep_their_deadlines_go_through(client: KooDrive) -> None:
    quick = client.with_options(attempt_timeout=10.0, total_timeout=30.0)
    assert quick.devices.list()
    groups = list(quick.user_groups.list(source_type=SourceType.USER_GROUP, page_size=1))
    assert groups


@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf, 1e400, True, "3"])
@pytest.mark.parametrize("setting", ["attempt_timeout", "total_timeout"])
def test_a_deadline_must_be_a_finite_number_of_seconds_above_0(value: Any, setting: str) -> None:
    def make() -> KooDrive:
        return KooDrive(base_url="http://koodrive.test", token="t", user_id=USER, environ={})

    with pytest.raises(ConfigurationError, match=setting):
        KooDrive(
            base_url="http://koodrive.test", token="t", user_id=USER, environ={}, **{setting: value}
        )
    with make() as client, pytest.raises(ConfigurationError, match=setting):
        client.with_options(**{setting: value})
    with make() as client, pytest.raises(ConfigurationError, match=setting):
        client.devices.list(**{setting: value})


# --- the CLI's --timeout: the whole call ---------------------------------------------------


def test_the_cli_timeout_bounds_the_whole_call() -> None:
    arrived: list[float] = []

    def dripping_from_arrival(target: str) -> Reply:
        arrived.append(time.monotonic())
        return dripping(target)

    with hostile_server(dripping_from_arrival) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
        env.update(KOODRIVE_BASE_URL=server.base_url, KOODRIVE_TOKEN="t", KOODRIVE_USER_ID=USER)
        result = subprocess.run(
            [str(COMMAND), "devices", "--timeout", "1"],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
        ended = time.monotonic()

    assert result.returncode == 3, result.stderr
    assert "did not answer in time" in result.stderr
    assert "(--timeout 1 s)" in result.stderr
    # Timed from the request's arrival, not the command's start (the interpreter's start and
    # imports take seconds on a busy machine, under parallel tests): 1 s and the command's
    # exit, never the 12.5 s of the drip (nor a retry: 2 are allowed).
    assert len(arrived) == 1
    assert ended - arrived[0] < 1.0 + 2.0, ended - arrived[0]
    assert len(server.requests) == 1
