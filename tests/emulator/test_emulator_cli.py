"""`koodrive-emulator` as users run it: a separate process serving HTTP on 127.0.0.1."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import httpx
import pytest
from koodrive import signing
from koodrive_emulator import Backend, SourceType
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import signed_headers

if TYPE_CHECKING:
    from tests.emulator.conftest import ServeCli

Conforms = Callable[[str, httpx.Response], None]  # the conftest fixture
COMMAND = str(Path(sys.executable).with_name("koodrive-emulator"))
USER = "1395476983395324033"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, timeout=60, check=False)


def signed(
    base_url: str,
    path: str,
    query: str = "",
    *,
    secret: str = "koodrive-dev-secret",
    app_id: str = "koodrive-dev-app",
    user_id: str = USER,
) -> dict[str, str]:
    return signed_headers(
        base_url,
        path,
        query,
        user_id=user_id,
        x_date=datetime.now(UTC),
        app_id=app_id,
        app_secret=secret,
    )


def test_groups_2500_serves_signed_and_token_requests_that_match_the_spec(
    serve_cli: ServeCli,
    conforms: Conforms,
) -> None:
    expected = Backend.default()
    expected.seed_synthetic(USER, groups=2500)
    served = serve_cli("--groups", "2500")
    with httpx.Client(base_url=served.base_url) as http:
        walked: list[str] = []
        cursor = ""
        while True:
            query = str(httpx.QueryParams(pageSize=100, pageCursor=cursor, sourceType=0))
            response = http.get(f"{GROUPS}?{query}", headers=signed(served.base_url, GROUPS, query))
            assert response.status_code == 200, response.text
            conforms(GROUPS, response)
            walked += [g["id"] for g in response.json()["userGroupList"]]
            cursor = response.json().get("nextCursor", "")
            if not cursor:
                break
        assert walked == [g.id for g in expected.groups(USER, source_type=SourceType.GROUP)]
        token = {"Authorization": "Bearer koodrive-dev-token"}
        first = http.get(
            GROUPS, params={"pageSize": 100, "pageCursor": "", "sourceType": 1}, headers=token
        )
        conforms(GROUPS, first)
        assert first.json()["total"] == len(expected.groups(USER, source_type=1))
        devices = http.get(DEVICES, headers=signed(served.base_url, DEVICES))
        conforms(DEVICES, devices)
        output = served.stop()
    assert served.process.returncode == 0, output
    assert "Traceback" not in output
    assert "koodrive-dev-token" in output.split("listening on", 1)[1].split("INFO", 1)[0]


def test_the_banner_shows_development_credentials_and_the_log_never_does(
    serve_cli: ServeCli,
) -> None:
    served = serve_cli()
    with httpx.Client(base_url=served.base_url) as http:
        http.get(
            DEVICES,
            headers={
                "Authorization": "Bearer koodrive-dev-token",
                "X-User-Id": USER,
                "X-Date": signing.format_x_date(datetime.now(UTC)),
            },
        )
        http.get(DEVICES, headers=signed(served.base_url, DEVICES))
        output = served.stop()
    banner, _, log = output.partition("    app secret: koodrive-dev-secret\n")
    assert "development credentials" in banner
    for value in (USER, "koodrive-dev-token", "koodrive-dev-app"):
        assert value in banner
    assert log.count(f"GET {DEVICES} 200 ") == 2, log
    for secret in ("koodrive-dev-token", "koodrive-dev-secret", "Signature="):
        assert secret not in log


def test_given_credentials_replace_the_development_set_and_are_not_printed(
    serve_cli: ServeCli,
) -> None:
    args = ("--user-id", "42", "--token", "tok-given-123", "--app-id", "my-app")
    env = {"KOODRIVE_EMULATOR_APP_SECRET": "sec-from-env-456"}
    served = serve_cli(*args, env=env)
    with httpx.Client(base_url=served.base_url) as http:
        params: dict[str, str | int] = {"pageSize": 1, "pageCursor": "", "sourceType": 0}
        dev = http.get(
            GROUPS, params=params, headers={"Authorization": "Bearer koodrive-dev-token"}
        )
        given = http.get(GROUPS, params=params, headers={"Authorization": "Bearer tok-given-123"})
        app = http.get(
            DEVICES,
            headers=signed(
                served.base_url, DEVICES, secret="sec-from-env-456", app_id="my-app", user_id="42"
            ),
        )
        dev_app = http.get(DEVICES, headers=signed(served.base_url, DEVICES, user_id="42"))
        output = served.stop()
    assert dev.status_code == 401
    assert (app.status_code, app.json()["data"]) == (200, [])
    assert dev_app.status_code == 401
    assert given.status_code == 200
    assert given.json()["total"] == 0  # user 42 has no groups
    assert "configured credentials" in output
    assert "tok-given-123" not in output
    assert "sec-from-env-456" not in output
    assert "my-app" in output


def test_fixtures_faults_and_short_pages_from_flags(serve_cli: ServeCli, tmp_path: Path) -> None:
    fixtures = tmp_path / "data.json"
    fixtures.write_text(
        json.dumps(
            {"users": [{"id": USER, "groups": [{"groupName": f"g{n}"} for n in range(30)]}]}
        ),
        encoding="utf-8",
    )
    args = (
        "--fixtures",
        str(fixtures),
        "--fault",
        "throttle:times=1,retry_after=4",
        "--short-pages",
        "0.5",
        "--short-pages-seed",
        "3",
    )
    served = serve_cli(*args)
    with httpx.Client(base_url=served.base_url) as http:
        token = {"Authorization": "Bearer koodrive-dev-token"}
        params: dict[str, str | int] = {"pageSize": 5, "pageCursor": "", "sourceType": 0}
        throttled = http.get(GROUPS, params=params, headers=token)
        names: list[str] = []
        sizes: list[int] = []
        while True:
            body = http.get(GROUPS, params=params, headers=token).json()
            names += [g["groupName"] for g in body["userGroupList"]]
            sizes.append(len(body["userGroupList"]))
            if "nextCursor" not in body:
                break
            params["pageCursor"] = body["nextCursor"]
        served.stop()
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "4"
    assert names == [f"g{n}" for n in range(30)]
    assert any(size < 5 for size in sizes[:-1])


def test_a_client_that_gives_up_during_latency_leaves_one_quiet_log_line(
    serve_cli: ServeCli,
) -> None:
    args = ("--fault", "latency:seconds=0.3", "--fault", "throttle:times=1")
    served = serve_cli(*args)
    with httpx.Client(base_url=served.base_url) as http:
        token = {"Authorization": "Bearer koodrive-dev-token"}
        params: dict[str, str | int] = {"pageSize": 1, "pageCursor": "", "sourceType": 0}
        with pytest.raises(httpx.ReadTimeout):
            http.get(GROUPS, params=params, headers=token, timeout=0.05)
        # Same delay, started later: it is answered after the abandoned request has woken
        # up and been logged, so the log below is complete without any sleep.
        answered = http.get(GROUPS, params=params, headers=token, timeout=10)
        output = served.stop()
    assert answered.status_code == 200  # the throttle acted on the abandoned request
    log = output.split("app secret: koodrive-dev-secret", 1)[1]
    assert log.count(f"GET {GROUPS} 499 ") == 1, log
    assert log.count(f"GET {GROUPS} 200 ") == 1, log
    for noise in ("Traceback", "ClientDisconnect", "ERROR", " 500 "):
        assert noise not in log, log


def test_the_faults_the_sdk_must_survive_from_flags(serve_cli: ServeCli) -> None:
    args = (
        "--fault",
        "gateway-auth-400:operation=listBoundDevices,times=1",
        "--fault",
        "html-502:times=1",
        "--fault",
        "result-error:code=13000999,msg=Service busy.,times=1",
        "--fault",
        "repeat-cursor",
    )
    served = serve_cli(*args)
    with httpx.Client(base_url=served.base_url) as http:
        token = {"Authorization": "Bearer koodrive-dev-token"}
        params: dict[str, str | int] = {"pageSize": 5, "pageCursor": "", "sourceType": 0}
        auth_400 = http.get(DEVICES, headers=signed(served.base_url, DEVICES))
        html = http.get(GROUPS, params=params, headers=token)
        result = http.get(GROUPS, params=params, headers=token)
        first = http.get(GROUPS, params=params, headers=token).json()
        params["pageCursor"] = first["nextCursor"]
        repeated = http.get(GROUPS, params=params, headers=token).json()
        output = served.stop()
    assert (auth_400.status_code, auth_400.json()["error_code"]) == (400, "APIGW.0303")
    assert (html.status_code, html.headers["content-type"][:9]) == (502, "text/html")
    assert (result.status_code, result.json()) == (
        200,
        {"code": 13000999, "msg": "Service busy."},
    )
    assert repeated["nextCursor"] == first["nextCursor"]
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "explode"], "unknown fault 'explode'; kinds: latency, throttle"),
        (["--fault", "result-error:code=abc"], "code must be a non-zero whole number"),
        (["--fault", "result-error:code=0"], "code must be a non-zero integer"),
        (["--fault", "latency:seconds=soon"], "seconds must be a number of seconds"),
        (["--fault", "latency:seconds=inf"], "seconds must be a finite number"),
        (["--fault", "latency:seconds=nan"], "seconds must be a finite number"),
        (
            ["--fault", "repeat-cursor:operation=listBoundDevices"],
            "repeat-cursor applies to listUserGroups only",
        ),
        (["--fault", "throttle:times=0"], "times must be 1 or more"),
        (["--fault", "throttle:colour=red"], "bad fault option"),
        (["--groups", "-5"], "--groups: must be a whole number"),
        (["--members", "10"], "--members are spread over the --groups groups"),
        (["--short-pages", "1.5"], "--short-pages: must be a number from 0 up to"),
        (["--user-id", "abc"], "user_id must be a string of 1 to 32 digits"),
        (["--fixtures", "/no/such/file.yaml"], "cannot read fixtures file"),
    ],
)
def test_bad_flags_are_refused_clearly(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_fixtures_file_names_the_entry(tmp_path: Path) -> None:
    fixtures = tmp_path / "bad.yaml"
    fixtures.write_text("users:\n  - id: '1'\n    groups: [{groupName: x, sourceType: 9}]\n")
    result = run("--fixtures", str(fixtures))
    assert result.returncode == 2
    assert "users[0].groups[0].sourceType must be 0 (group) or 1 (user group)" in result.stderr


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run("--port", str(busy.getsockname()[1]))
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_hundred_thousand_groups_start_and_page(serve_cli: ServeCli) -> None:
    served = serve_cli("--groups", "100000", "--log-level", "warning")
    with httpx.Client(base_url=served.base_url) as http:
        token = {"Authorization": "Bearer koodrive-dev-token"}
        params: dict[str, str | int] = {"pageSize": 100, "pageCursor": "", "sourceType": 0}
        first = http.get(GROUPS, params=params, headers=token).json()
        params["pageCursor"] = first["nextCursor"]
        second = http.get(GROUPS, params=params, headers=token).json()
        served.stop()
    assert first["total"] == 8 + 66_667
    assert len(first["userGroupList"]) == len(second["userGroupList"]) == 100
    assert not {g["id"] for g in first["userGroupList"]} & {
        g["id"] for g in second["userGroupList"]
    }


def test_members_are_seeded_over_the_generated_groups(serve_cli: ServeCli) -> None:
    served = serve_cli("--groups", "10", "--members", "45", "--log-level", "warning")
    with httpx.Client(base_url=served.base_url) as http:
        token = {"Authorization": "Bearer koodrive-dev-token"}
        params: dict[str, str | int] = {"pageSize": 100, "pageCursor": "", "sourceType": 0}
        groups = http.get(GROUPS, params=params, headers=token).json()["userGroupList"]
        generated = groups[-1]["id"]  # after the default fixtures' groups
        members = http.get(
            f"{GROUPS}/{generated}/members",
            params={"offset": 0, "limit": 100},
            headers={
                **token,
                "X-User-Id": USER,
                "X-Date": signing.format_x_date(datetime.now(UTC)),
            },
        ).json()
        served.stop()
    assert members["total"] == 1 + 4  # the owner, and 45 over 10 groups: 4 or 5 each
    assert [m["userName"] for m in members["userGroupMemberInfos"][1:]] == [
        f"Member {n}" for n in (1, 2, 3, 4)
    ]


def test_a_log_line_is_time_level_logger_message_and_a_failure_keeps_its_traceback() -> None:
    from koodrive_emulator.cli import _LineFormatter

    formatter = _LineFormatter()
    logger = logging.getLogger("koodrive_emulator.access")
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 0, "GET %s %d", ("/x", 200), None
    )
    expected = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    assert formatter.format(record) == expected.format(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO koodrive_emulator\.access GET /x 200",
        formatter.format(record),
    )
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 0, "failed", (), sys.exc_info()
        )
    lines = formatter.format(failed).splitlines()
    assert lines[0].endswith(" ERROR koodrive_emulator.access failed")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: boom"


def test_an_access_line_written_directly_reads_as_a_logged_one() -> None:
    from koodrive_emulator.cli import _AccessLines, _LineFormatter

    stream = io.StringIO()
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler(stream)
    formatter = _LineFormatter()
    handler.setFormatter(formatter)
    message = "GET /koodrive/ose/v1/usergroups 200 0.4ms trace=- request_id=0123"
    _AccessLines(handler, formatter)(message)
    logger = logging.getLogger("koodrive_emulator.access")
    handler.emit(logger.makeRecord(logger.name, logging.INFO, __file__, 0, message, (), None))
    direct, logged = stream.getvalue().splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.fullmatch(f"{stamp} INFO koodrive_emulator.access {re.escape(message)}", direct)
    assert direct.split(" ", 2)[2] == logged.split(" ", 2)[2]  # the same, but for the time
