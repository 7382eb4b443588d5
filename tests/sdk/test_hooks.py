"""Hooks that know the call (`hooks=`), the KOODRIVE_LOG switch, and the OpenTelemetry
example of docs/sdk.md, against the real emulator."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from koodrive import (
    APIConnectionError,
    AsyncKooDrive,
    AttemptInfo,
    CallHooks,
    ConfigurationError,
    KooDrive,
    Outcome,
    ServerError,
)
from koodrive_emulator.testing import RunningEmulator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from examples.opentelemetry_spans import AttemptSpans
from tests.sdk.conftest import Mode, credentials

ROOT = Path(__file__).resolve().parents[2]


class Recorder(CallHooks):
    """Every callback, in order, with what it was told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, int, str, int | None]] = []
        self.infos: list[AttemptInfo] = []

    def _add(self, event: str, attempt: AttemptInfo) -> None:
        self.events.append(
            (
                event,
                attempt.operation_id,
                attempt.attempt,
                attempt.outcome.value,
                attempt.status_code,
            )
        )
        self.infos.append(attempt)

    def before_request(self, attempt: AttemptInfo) -> None:
        attempt.state["seen"] = True
        self._add("before", attempt)

    def after_response(self, attempt: AttemptInfo) -> None:
        assert attempt.state["seen"] is True  # the same object as in before_request
        self._add("after", attempt)

    def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
        assert attempt.error is error
        self._add("error", attempt)


def sdk(emulator: RunningEmulator, *hooks: CallHooks, mode: Mode = "token") -> KooDrive:
    return KooDrive(
        base_url=emulator.base_url,
        **credentials(emulator, mode),
        hooks=list(hooks),
        sleep=lambda seconds: None,
        environ={},
    )


def test_every_attempt_is_told_with_its_operation_number_and_outcome(
    emulator: RunningEmulator,
) -> None:
    recorder = Recorder()
    emulator.faults.server_error(times=1, operation="listBoundDevices")

    sdk(emulator, recorder).devices.list(trace_id="e" * 58)

    assert recorder.events == [
        ("before", "listBoundDevices", 1, "pending", None),
        ("error", "listBoundDevices", 1, "retry", 500),
        ("before", "listBoundDevices", 2, "pending", None),
        ("after", "listBoundDevices", 2, "success", 200),
    ]
    first, _, second, _ = recorder.infos
    assert first.trace_id == second.trace_id == "e" * 58  # one call, two attempts
    assert first.will_retry
    assert isinstance(first.error, ServerError)
    assert second.request_id is not None
    assert second.request_id == second.response.headers["X-Request-Id"]  # type: ignore[union-attr]
    assert second.elapsed is not None
    assert second.elapsed > 0


def test_the_last_failed_attempt_is_a_failure(emulator: RunningEmulator) -> None:
    recorder = Recorder()
    emulator.faults.server_error()

    with pytest.raises(ServerError):
        sdk(emulator, recorder).devices.list(max_retries=1)

    outcomes = [(event, outcome) for event, _, _, outcome, _ in recorder.events]
    assert outcomes == [
        ("before", "pending"),
        ("error", "retry"),
        ("before", "pending"),
        ("error", "failure"),
    ]


def test_an_attempt_without_a_response_ends_in_on_error() -> None:
    with socket.socket() as probe:  # bound, never listening, held: every connect is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        recorder = Recorder()
        client = KooDrive(
            base_url=f"http://127.0.0.1:{port}",
            token="t",
            hooks=[recorder],
            max_retries=0,
            environ={},
        )

        with pytest.raises(APIConnectionError):
            list(client.user_groups.list(source_type=0))

    assert [event[0] for event in recorder.events] == ["before", "error"]
    assert recorder.infos[-1].response is None
    assert recorder.infos[-1].outcome is Outcome.FAILURE


@pytest.mark.anyio
async def test_a_cancelled_attempt_still_ends_for_the_hooks(emulator: RunningEmulator) -> None:
    recorder = Recorder()
    emulator.faults.latency(1.0, times=1, operation="listBoundDevices")
    async with AsyncKooDrive(
        base_url=emulator.base_url,
        **credentials(emulator, "token"),
        hooks=[recorder],
        environ={},
    ) as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.devices.list(), timeout=0.3)

    assert [event[0] for event in recorder.events] == ["before", "error"]
    assert recorder.infos[-1].outcome is Outcome.FAILURE
    assert isinstance(recorder.infos[-1].error, asyncio.CancelledError)


def test_an_attempt_ended_by_a_bug_still_ends_for_the_hooks(emulator: RunningEmulator) -> None:
    recorder = Recorder()

    class Broken(CallHooks):
        def before_request(self, attempt: AttemptInfo) -> None:
            raise RuntimeError("a bug in a hook")

    with pytest.raises(RuntimeError, match="a bug in a hook"):
        sdk(emulator, recorder, Broken()).devices.list()

    assert [event[0] for event in recorder.events] == ["before", "error"]
    assert isinstance(recorder.infos[-1].error, RuntimeError)


def test_each_page_is_a_call_of_its_own(emulator: RunningEmulator) -> None:
    recorder = Recorder()

    pages = list(
        sdk(emulator, recorder, mode="app").user_groups.list(source_type=0, page_size=2).pages()
    )

    afters = [
        info
        for event, info in zip(recorder.events, recorder.infos, strict=True)
        if event[0] == "after"
    ]
    assert len(afters) == len(pages) > 1
    assert [info.trace_id for info in afters] == [page.trace_id for page in pages]
    assert {info.operation_id for info in recorder.infos} == {"listUserGroups"}


def test_hooks_run_in_the_order_given(emulator: RunningEmulator) -> None:
    order: list[str] = []

    class Named(CallHooks):
        def __init__(self, name: str) -> None:
            self.name = name

        def before_request(self, attempt: AttemptInfo) -> None:
            order.append(self.name)

    sdk(emulator, Named("first"), Named("second")).devices.list()

    assert order == ["first", "second"]


def test_a_failing_hook_is_not_hidden(emulator: RunningEmulator) -> None:
    class Broken(CallHooks):
        def after_response(self, attempt: AttemptInfo) -> None:
            raise RuntimeError("the hook's own bug")

    with pytest.raises(RuntimeError, match="the hook's own bug"):
        sdk(emulator, Broken()).devices.list()


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        (CallHooks(), "hooks must be a list"),
        ([object()], r"hooks\[0\] must have the methods before_request, after_response, on_error"),
    ],
)
def test_hooks_that_cannot_be_called_are_refused(
    emulator: RunningEmulator, hooks: object, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        KooDrive(base_url=emulator.base_url, token="t", hooks=hooks, environ={})  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_async_attempts_are_told_too(emulator: RunningEmulator) -> None:
    recorder = Recorder()
    emulator.faults.throttle(retry_after=0, times=1, operation="listUserGroups")

    async def no_wait(seconds: float) -> None:
        return None

    async with AsyncKooDrive(
        base_url=emulator.base_url,
        **credentials(emulator, "token"),
        hooks=[recorder],
        sleep=no_wait,
        environ={},
    ) as client:
        groups = [group async for group in client.user_groups.list(source_type=1)]

    assert groups
    assert [event[:4] for event in recorder.events[:4]] == [
        ("before", "listUserGroups", 1, "pending"),
        ("error", "listUserGroups", 1, "retry"),
        ("before", "listUserGroups", 2, "pending"),
        ("after", "listUserGroups", 2, "success"),
    ]


def test_the_opentelemetry_example_makes_a_span_per_attempt(emulator: RunningEmulator) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    emulator.faults.throttle(retry_after=0, times=1, operation="listBoundDevices")

    sdk(emulator, AttemptSpans(provider.get_tracer("test")), mode="app").devices.list()

    spans = exporter.get_finished_spans()
    assert [span.name for span in spans] == ["listBoundDevices", "listBoundDevices"]
    throttled, served = (dict(span.attributes or {}) for span in spans)
    assert throttled["koodrive.attempt"] == 1
    assert throttled["http.response.status_code"] == 429
    assert throttled["koodrive.outcome"] == "retry"
    assert served["koodrive.attempt"] == 2
    assert served["http.response.status_code"] == 200
    assert served["koodrive.outcome"] == "success"
    assert served["koodrive.trace_id"] == throttled["koodrive.trace_id"]
    assert isinstance(served["koodrive.request_id"], str)
    assert spans[0].status.is_ok is False
    assert spans[1].status.is_ok is True


def test_the_example_in_the_docs_is_the_example_file() -> None:
    example = (ROOT / "examples" / "opentelemetry_spans.py").read_text("utf-8")
    docs = (ROOT / "docs" / "sdk.md").read_text("utf-8")
    hooks_class = example[example.index("class AttemptSpans") : example.index("def main")].strip()

    assert hooks_class in docs


# --- KOODRIVE_LOG ------------------------------------------------------------------------------

LISTING = """
from koodrive import KooDrive
client = KooDrive()
client.devices.list()
print(len(list(client.user_groups.list(source_type=0, page_size=2))))
"""


def run_logged(
    emulator: RunningEmulator, mode: Mode, level: str
) -> subprocess.CompletedProcess[str]:
    found = emulator.credentials
    variables = {
        "KOODRIVE_BASE_URL": emulator.base_url,
        "KOODRIVE_USER_ID": found.user_id,
        "KOODRIVE_LOG": level,
        **(
            {"KOODRIVE_TOKEN": found.token}
            if mode == "token"
            else {"KOODRIVE_APP_ID": found.app_id, "KOODRIVE_APP_SECRET": found.app_secret}
        ),
    }
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    return subprocess.run(
        [sys.executable, "-c", LISTING],
        env={**environ, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.parametrize("mode", ["token", "app"])
def test_koodrive_log_debug_shows_each_attempt_with_credentials_masked(
    emulator: RunningEmulator, mode: Mode
) -> None:
    emulator.faults.unavailable(retry_after=0, times=1, operation="listBoundDevices")

    done = run_logged(emulator, mode, "debug")

    log = done.stderr
    lines = [line for line in log.splitlines() if "koodrive.http]" in line]
    infos = [line for line in lines if " INFO " in line]
    assert re.search(
        r"listBoundDevices GET \S+/koodrive/ose/v1/backup/device -> 503 \(attempt 1, [0-9.]+ ms, "
        r"retry, trace id [0-9a-f]{58}, request id [0-9a-f]{32}\): GatewayServerError: HTTP 503",
        infos[0],
    ), infos[0]
    assert re.search(r"-> 200 \(attempt 2, [0-9.]+ ms, success", infos[1])
    assert sum("listUserGroups GET" in line for line in infos) >= 2
    assert any("'authorization': " in line for line in lines)  # headers are shown at debug
    found = emulator.credentials
    for secret in (found.token, found.app_secret):
        assert secret not in log
    assert set(re.findall(r"Signature=([^',\s]*)", log)) <= {"[redacted]"}
    assert re.findall(r"'authorization': '(Bearer|HMAC-SHA256) ([^']*)'", log)
    for _, shown in re.findall(r"'authorization': '(Bearer|HMAC-SHA256) ([^']*)'", log):
        assert shown == "[redacted]" or shown.endswith("Signature=[redacted]")


def test_koodrive_log_info_leaves_out_the_headers(emulator: RunningEmulator) -> None:
    done = run_logged(emulator, "token", "info")

    assert "-> 200 (attempt 1" in done.stderr
    assert "authorization" not in done.stderr.lower()
    assert " DEBUG " not in done.stderr


def test_an_unknown_log_level_is_a_configuration_error(emulator: RunningEmulator) -> None:
    with pytest.raises(
        ConfigurationError, match=r"KOODRIVE_LOG must be one of debug, info; got 'loud'"
    ):
        KooDrive(base_url=emulator.base_url, token="t", environ={"KOODRIVE_LOG": "loud"})
