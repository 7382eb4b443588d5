"""The served spec and docs page, the request log, and the shared server's isolation."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from koodrive_emulator import Clock
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_spec.reader import spec_document

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
TRACE_ID = "T" * 58


def test_openapi_yaml_is_the_repository_spec(http: httpx.Client) -> None:
    response = http.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.content == SPEC_PATH.read_bytes()


def test_the_docs_page_is_rendered_from_the_spec(http: httpx.Client) -> None:
    response = http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    spec = spec_document()
    assert spec["info"]["version"] in page
    for path, item in spec["paths"].items():
        assert path in page
        for operation in item.values():
            assert operation["operationId"] in page
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    for parameter in ("pageSize", "pageCursor", "groupName", "sourceType", "X-Traceid"):
        assert f"<code>{parameter}</code>" in page
    create = page.split('id="createUserGroup"', 1)[1].split("</article>", 1)[0]
    assert "<h4>Request body</h4>" in create
    assert "required: CreateUserGroupRequest" in create
    assert "Example request body: team" in create
    delete = page.split('id="deleteUserGroup"', 1)[1].split("</article>", 1)[0]
    assert "Request body" not in delete


def test_the_docs_page_loads_nothing_from_elsewhere(http: httpx.Client) -> None:
    page = http.get("/docs").text
    references = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert references, "the page links its stylesheet"
    for reference in references:
        assert reference.startswith(("/", "#")), reference
        assert not reference.startswith("//"), reference
    assert "<script" not in page
    for reference in references:
        if reference.startswith("/"):
            assert http.get(reference).status_code == 200, reference


def test_the_stylesheet_is_served_from_the_package(http: httpx.Client) -> None:
    response = http.get("/docs/assets/docs.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_the_root_leads_to_the_docs(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/docs"


def test_one_log_line_per_request_with_no_secrets(
    emulator: RunningEmulator, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    query = "pageSize=5&pageCursor=&sourceType=0"
    signed = emulator.signed_headers(GROUPS, query)
    with caplog.at_level(logging.INFO, logger="koodrive_emulator.access"):
        http.get(f"{GROUPS}?{query}", headers={**emulator.token_headers(), "X-Traceid": TRACE_ID})
        http.get(f"{GROUPS}?{query}", headers=signed)
        http.get(DEVICES, headers={"Authorization": "Bearer secret-but-wrong"})
        http.get("/nowhere")
    lines = [r.getMessage() for r in caplog.records if r.name == "koodrive_emulator.access"]
    assert len(lines) == 4, lines
    assert re.fullmatch(
        rf"GET {GROUPS} 200 \d+\.\dms trace={TRACE_ID} request_id=[0-9a-f]{{32}}", lines[0]
    ), lines[0]
    assert lines[1].startswith(f"GET {GROUPS} 200 ")
    assert "trace=-" in lines[1]
    assert lines[2].startswith(f"GET {DEVICES} 401 ")
    assert lines[3].startswith("GET /nowhere 404 ")
    everything = caplog.text
    signature = signed["Authorization"].rpartition("=")[2]
    for secret in (
        emulator.credentials.token,
        "secret-but-wrong",
        signature,
        emulator.credentials.app_secret,
    ):
        assert secret not in everything


def test_a_malformed_trace_id_cannot_forge_log_lines(
    emulator: RunningEmulator, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="koodrive_emulator.access"):
        http.get(GROUPS, headers={"X-Traceid": "x" * 10 + " GET /admin 200"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "koodrive_emulator.access"]
    assert "trace=(malformed)" in line
    assert "/admin" not in line


def test_state_changes_stay_in_their_test_part_one(emulator: RunningEmulator) -> None:
    emulator.backend.add_group(emulator.credentials.user_id, group_name="Leaky")
    emulator.credentials.revoke_token(emulator.credentials.token)
    emulator.faults.throttle()


def test_state_changes_stay_in_their_test_part_two(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    # Runs after part one (file order): a fresh backend, credentials and faults.
    response = http.get(
        GROUPS,
        params={"pageSize": "100", "pageCursor": "", "sourceType": "0", "groupName": "Leaky"},
        headers=emulator.token_headers(),
    )
    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_each_answer_is_dated_by_the_emulators_clock_once() -> None:
    # uvicorn stamps its Date once a second: a record created in the same second could be
    # listed in a response dated a second before it. The emulator dates each answer itself.
    frozen = datetime(2026, 3, 1, 12, 30, 45, 900000, tzinfo=UTC)
    clock = Clock(frozen_at=frozen)
    with running_emulator(clock=clock) as emulator, httpx.Client() as client:
        first = client.get(f"{emulator.base_url}/openapi.yaml")
        clock.freeze(frozen + timedelta(hours=1))
        later = client.get(f"{emulator.base_url}/koodrive/ose/v1/backup/device")
    for response, moment in ((first, frozen), (later, frozen + timedelta(hours=1))):
        dates = response.headers.get_list("date")
        assert len(dates) == 1
        assert parsedate_to_datetime(dates[0]) == moment.replace(microsecond=0)


def test_a_request_leaves_nothing_for_the_cyclic_garbage_collector() -> None:
    """Every object a request makes is freed as it ends: a cycle left behind per request
    (the journal's note and its recorder were one) made the GC a tenth of a request's time
    under load."""
    import asyncio
    import gc
    from datetime import UTC, datetime

    from koodrive import signing
    from koodrive_emulator.app import EmulatorApp
    from koodrive_emulator.context import EmulatorContext
    from koodrive_emulator.credentials import Credentials
    from koodrive_emulator.testing import signed_headers

    app = EmulatorApp(EmulatorContext())
    development = Credentials.development()
    now = datetime.now(UTC)
    token = {
        "host": "127.0.0.1",
        "authorization": f"Bearer {development.token}",
        "x-user-id": development.user_id,
        "x-date": signing.format_x_date(now),
    }
    signed = signed_headers(
        "http://127.0.0.1",
        DEVICES,
        user_id=development.user_id,
        x_date=now,
        app_id=development.app_id,
        app_secret=development.app_secret,
    )
    requests = [
        (GROUPS, b"pageSize=2&pageCursor=&sourceType=0", token),
        (DEVICES, b"", {name.lower(): value for name, value in signed.items()}),
        (GROUPS, b"pageSize=0", token),  # refused: 400
        (GROUPS, b"pageSize=2&pageCursor=&sourceType=0", {"host": "127.0.0.1"}),  # 401
    ]
    statuses: list[int] = []

    async def serve_each() -> None:
        for path, query, headers in requests:
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": query,
                "root_path": "",
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
                "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 80),
            }

            async def receive() -> dict[str, object]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict[str, object]) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(int(str(message["status"])))

            await app(scope, receive, send)  # type: ignore[arg-type]

    async def main() -> None:
        await serve_each()  # once first: what is made once (caches, kept pages) is made
        gc.collect()
        gc.disable()
        try:
            await serve_each()
            assert gc.collect() == 0
        finally:
            gc.enable()

    asyncio.run(main())
    assert statuses[4:] == [200, 200, 400, 401]


class _Writes:
    """A transport that records each write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True


def test_a_response_head_goes_out_with_its_body_in_one_write() -> None:
    from koodrive_emulator.protocol import _HeadWithBody

    wire = _Writes()
    transport = _HeadWithBody(wire)  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # an interim answer goes at once
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert wire.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    transport.write(b"{}")
    transport.write(b"")  # anything after the first body bytes goes as it comes
    assert wire.writes[1:] == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", b""]
    headless = _HeadWithBody(wire)  # type: ignore[arg-type]
    headless.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    headless.close()  # a held head is sent before the close
    assert wire.writes[-1] == b"HTTP/1.1 204 No Content\r\n\r\n"
    assert wire.closed


def test_head_and_expect_100_continue_are_answered_whole(emulator: RunningEmulator) -> None:
    from tests.emulator.raw_http import connect, read_response, request_head

    host = ("Host", "127.0.0.1")
    token = list(emulator.token_headers(with_user=True).items())
    with connect(emulator.base_url) as sock:
        target = f"{GROUPS}?pageSize=1&pageCursor=&sourceType=0"
        sock.sendall(request_head("HEAD", target, [host, *token]))
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 200 "), head
        assert head.endswith(b"\r\n\r\n")  # a head alone, sent as its response completed
        body = b'{"groupName":"continued","sourceType":0}'
        sock.sendall(
            request_head(
                "POST",
                GROUPS,
                [
                    host,
                    *token,
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("Expect", "100-continue"),
                ],
            )
        )
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"  # before the body is sent
        sock.sendall(body)
        status, text = read_response(sock)
    assert status == 200, text
    assert '"code":0' in text
