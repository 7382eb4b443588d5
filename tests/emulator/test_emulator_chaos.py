"""Chaos against the running server: faults that act on a share of the requests, latency
drawn from a distribution, reproducible by seed; a connection reset with no response, and
a request left hanging."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from koodrive import KooDrive
from koodrive_emulator import Backend, FaultKind, Faults
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.app import EmulatorApp
from koodrive_emulator.context import EmulatorContext
from koodrive_emulator.testing import RunningEmulator, running_emulator

from tests.emulator.raw_http import connect, request_head

if TYPE_CHECKING:
    from tests.emulator.conftest import ServeCli

FAULTS = "/_emulator/faults"
QUERY = {"pageSize": "5", "pageCursor": "", "sourceType": "0"}
OPERATION = "listUserGroups"


def groups(http: httpx.Client, emulator: RunningEmulator) -> httpx.Response:
    return http.get(GROUPS, params=QUERY, headers=emulator.token_headers())


def statuses(faults: Faults, requests: int = 200) -> list[str]:
    """What the faults decide for `requests` requests in a row (the kind, or '-')."""
    decided = (faults.take(OPERATION) for _ in range(requests))
    return [t.fault.kind.value if t.fault else "-" for t in decided]


# --- probability and seeds -----------------------------------------------------------------


def test_a_fault_acts_on_its_share_of_requests_the_same_for_the_same_seed() -> None:
    def run(seed: int) -> list[str]:
        faults = Faults(seed=seed)
        faults.throttle(probability=0.3)
        return statuses(faults, 1000)

    first = run(7)
    assert 250 <= first.count("throttle") <= 350
    assert run(7) == first
    assert run(8) != first


def test_a_fault_that_does_not_act_neither_counts_nor_stops_the_next() -> None:
    faults = Faults(seed=1)
    faults.throttle(probability=0.5, times=3)
    faults.server_error()
    decided = statuses(faults, 40)
    assert decided.count("throttle") == 3  # every one of its times used, however late
    assert decided.count("server-error") == 37  # the rest fell through to the next fault
    assert [f.kind for f in faults.active()] == [FaultKind.SERVER_ERROR]


def test_reseed_starts_the_draws_again() -> None:
    faults = Faults(seed=3)
    faults.unavailable(probability=0.5)
    first = statuses(faults, 50)
    faults.reseed()
    assert statuses(faults, 50) == first


def test_the_reset_reseeds_the_chaos_over_http(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    body = {"kind": "throttle", "probability": 0.5, "retry_after": 0}
    assert http.post(FAULTS, json=body).status_code == 201
    first = [groups(http, emulator).status_code for _ in range(20)]
    http.post("/_emulator/reset")
    http.post(FAULTS, json=body)
    assert [groups(http, emulator).status_code for _ in range(20)] == first
    assert set(first) == {200, 429}


# --- latency distributions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "low", "high"),
    [
        ({"seconds": 0.05}, 0.05, 0.05),
        ({"seconds": 0.05, "distribution": "uniform", "max_seconds": 0.2}, 0.05, 0.2),
        ({"seconds": 0.1, "distribution": "exponential", "max_seconds": 0.3}, 0.0, 0.3),
    ],
)
def test_latency_is_drawn_from_its_distribution(
    options: dict[str, Any], low: float, high: float
) -> None:
    faults = Faults(seed=5)
    faults.latency(**options)
    delays = [faults.take(OPERATION).delay for _ in range(2000)]
    assert low <= min(delays)
    assert max(delays) <= high
    if options.get("distribution") == "uniform":
        assert 0.115 < sum(delays) / len(delays) < 0.135  # the middle of 0.05 to 0.2
    if options.get("distribution") == "exponential":
        capped = [d for d in delays if d == 0.3]
        assert 0.03 < len(capped) / len(delays) < 0.07  # e**-3 of the draws reach the cap
        assert 0.08 < sum(delays) / len(delays) < 0.1  # a mean of 0.1, less what is capped


def test_a_drawn_latency_delays_the_answer(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.latency(0.1, distribution="uniform", max_seconds=0.15, times=1)
    started = time.perf_counter()
    assert groups(http, emulator).status_code == 200
    assert 0.1 <= time.perf_counter() - started < 1.0
    assert emulator.verify(OPERATION, where=lambda e: e.fault == "latency", count=1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "throttle", "probability": 0}, "probability must be a number greater than 0"),
        ({"kind": "throttle", "probability": 1.5}, "probability must be a number greater than 0"),
        ({"kind": "throttle", "probability": "half"}, "probability must be a number greater"),
        ({"kind": "latency", "distribution": "normal"}, "distribution must be one of fixed, uni"),
        ({"kind": "latency", "distribution": 1}, "distribution must be one of fixed, uniform"),
        (
            {"kind": "latency", "seconds": 0.1, "distribution": "uniform"},
            "max_seconds is required for the uniform distribution",
        ),
        (
            {"kind": "latency", "seconds": 0.2, "distribution": "uniform", "max_seconds": 0.1},
            "max_seconds must be a finite number of seconds, at least seconds (0.2)",
        ),
        (
            {"kind": "latency", "distribution": "exponential"},
            "seconds must be more than 0 for the exponential distribution (its mean)",
        ),
        (
            {"kind": "latency", "seconds": 1, "max_seconds": 2},
            "max_seconds applies to the uniform and exponential distributions of latency only",
        ),
        (
            {"kind": "throttle", "distribution": "uniform", "max_seconds": 2},
            "distribution applies to latency only (throttle has none)",
        ),
        ({"kind": "hang", "operation": "listEverything"}, "operation must be one of"),
    ],
)
def test_a_bad_chaos_option_is_400_naming_the_field(
    emulator: RunningEmulator, http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    response = http.post(FAULTS, json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert emulator.faults.active() == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"kind": "throttle", "probability": 1e400}', "probability must be a number greater"),
        (b'{"kind": "throttle", "probability": NaN}', "NaN is not allowed"),
        (
            b'{"kind": "latency", "distribution": "uniform", "max_seconds": 1e400}',
            "max_seconds must be a finite number of seconds",
        ),
    ],
)
def test_an_infinite_chaos_option_is_400(
    emulator: RunningEmulator, http: httpx.Client, raw: bytes, message: str
) -> None:
    response = http.post(FAULTS, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert emulator.faults.active() == []


def test_the_admin_api_shows_the_chaos_options(http: httpx.Client) -> None:
    body = {
        "kind": "latency",
        "seconds": 0.05,
        "distribution": "exponential",
        "max_seconds": 0.5,
        "probability": 0.25,
        "operation": OPERATION,
    }
    added = http.post(FAULTS, json=body).json()["fault"]
    assert {name: added[name] for name in body} == body
    assert http.post(FAULTS, json={"kind": "hang"}).json()["fault"]["probability"] == 1.0


# --- connection-reset ----------------------------------------------------------------------


def test_connection_reset_sends_a_tcp_rst_and_no_response(emulator: RunningEmulator) -> None:
    emulator.faults.connection_reset(times=1, operation=OPERATION)
    with connect(emulator.base_url) as sock:
        sock.sendall(request_head("GET", f"{GROUPS}?pageSize=5", [("Host", "emulator")]))
        with pytest.raises(ConnectionResetError):
            sock.recv(65536)
    [entry] = emulator.requests
    assert (entry.fault, entry.auth, entry.status) == ("connection-reset", "not checked", None)


def test_connection_reset_is_a_connection_error_to_httpx(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.connection_reset(times=1)
    with pytest.raises(httpx.ReadError, match="reset"):
        groups(http, emulator)
    assert groups(http, emulator).status_code == 200  # the next connection is served


def test_the_sdk_retries_a_reset_connection(emulator: RunningEmulator) -> None:
    emulator.faults.connection_reset(times=2, operation=OPERATION)
    client = KooDrive(base_url=emulator.base_url, token=emulator.credentials.token, max_retries=3)
    assert len(list(client.user_groups.list(source_type=0))) > 0
    attempts = emulator.verify(OPERATION, count=3)
    assert [(e.attempt, e.status) for e in attempts] == [(1, None), (2, None), (3, 200)]


# --- hang ----------------------------------------------------------------------------------


def test_a_hung_request_times_the_client_out(emulator: RunningEmulator) -> None:
    emulator.faults.hang(operation=OPERATION)
    with httpx.Client(base_url=emulator.base_url, timeout=0.5) as http:
        started = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            groups(http, emulator)
        assert 0.5 <= time.perf_counter() - started < 2.0
    # Journalled as it hangs: nothing was answered.
    [entry] = emulator.verify(OPERATION)
    assert (entry.fault, entry.status) == ("hang", None)


def test_stopping_the_server_does_not_wait_for_a_hung_request() -> None:
    with running_emulator() as served:
        served.faults.hang()
        sock = connect(served.base_url, timeout=10)
        sock.sendall(request_head("GET", f"{GROUPS}?pageSize=5", [("Host", "emulator")]))
        deadline = time.monotonic() + 5
        while not served.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        assert served.requests, "the hung request never arrived"
        started = time.perf_counter()
    stopped_in = time.perf_counter() - started
    with sock:
        assert sock.recv(65536) == b""  # closed, with nothing answered
    assert stopped_in < 1.5  # not the 2 s graceful-shutdown term


def test_hang_and_reset_from_the_cli(serve_cli: ServeCli) -> None:
    served = serve_cli(
        "--fault",
        "hang:operation=listUserGroups,times=1",
        "--fault",
        "connection-reset:times=1,probability=1",
        "--chaos-seed",
        "4",
    )
    token = {"Authorization": "Bearer koodrive-dev-token"}
    with httpx.Client(base_url=served.base_url, timeout=0.5) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.get(GROUPS, params=QUERY, headers=token)
        with pytest.raises(httpx.ReadError):
            http.get(GROUPS, params=QUERY, headers=token)
        assert http.get(GROUPS, params=QUERY, headers=token).status_code == 200
    output = served.stop()
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("throttle:probability=2", "probability must be a number greater than 0 and at most 1"),
        ("throttle:probability=nan", "probability must be a number greater than 0"),
        ("latency:seconds=0.1,distribution=normal", "distribution must be one of fixed"),
        ("latency:seconds=0.1,distribution=uniform", "max_seconds is required"),
        ("latency:seconds=1,distribution=uniform,max_seconds=inf", "max_seconds must be a finite"),
    ],
)
def test_the_cli_refuses_a_bad_chaos_option(flag: str, message: str) -> None:
    import subprocess

    from tests.emulator.conftest import EMULATOR_COMMAND

    result = subprocess.run(
        [EMULATOR_COMMAND, "--port", "0", "--fault", flag],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_the_cli_refuses_a_bad_chaos_seed() -> None:
    import subprocess

    from tests.emulator.conftest import EMULATOR_COMMAND

    result = subprocess.run(
        [EMULATOR_COMMAND, "--chaos-seed", "-1"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "--chaos-seed: must be a whole number" in result.stderr


# --- the resilience example of docs/emulator.md --------------------------------------------


def test_an_sdk_client_lists_every_group_through_throttling_and_latency() -> None:
    """The example of docs/emulator.md, "Chaos"."""
    backend = Backend.default()
    user = backend.users()[0]
    backend.seed_synthetic(user, groups=450)
    with running_emulator(backend=backend, faults=Faults(seed=11)) as emulator:
        # 30% of listUserGroups requests throttled, every one 50 to 200 ms late.
        emulator.faults.throttle(operation="listUserGroups", probability=0.3, retry_after=0)
        emulator.faults.latency(
            0.05, distribution="uniform", max_seconds=0.2, operation="listUserGroups"
        )
        client = KooDrive(
            base_url=emulator.base_url, token=emulator.credentials.token, max_retries=8
        )

        listed = [group.id for group in client.user_groups.list(source_type=0)]

        assert listed == [group.id for group in backend.groups(user, source_type=0)]
        throttled = emulator.verify("listUserGroups", where=lambda e: e.status == 429)
        retried = emulator.verify("listUserGroups", where=lambda e: (e.attempt or 0) > 1)
        assert len(retried) == len(throttled)  # each throttled page was asked again
        emulator.verify("listUserGroups", where={"pageSize": 100, "sourceType": 0})
        assert all(e.attempt is not None for e in emulator.requests)


@pytest.mark.parametrize("kind", ["connection-reset", "hang"])
def test_unanswered_faults_under_another_asgi_server_are_a_clear_500(kind: str) -> None:
    app = EmulatorApp(EmulatorContext())
    app.context.faults.add(kind)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await asyncio.wait_for(client.get("/koodrive/ose/v1/backup/device"), 10)

    response = asyncio.run(call())

    assert response.status_code == 500
    assert "need the emulator's own server" in response.json()["msg"]
