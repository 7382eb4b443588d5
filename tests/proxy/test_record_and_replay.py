"""A capture made through the proxy becomes fixtures a fresh emulator serves with the same
results, and replays against a target long after its signatures died, signed afresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from koodrive import KooDrive
from koodrive.config import AppCredentials
from koodrive_emulator import Backend, Clock, Credentials, PagingBehaviour
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_proxy.capture import Recorder
from koodrive_proxy.fixtures_from_capture import fixtures_from_entries, read_har
from koodrive_proxy.forwarding import ResignError
from koodrive_proxy.replay import replay
from koodrive_proxy.server import running_proxy

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def live() -> Iterator[RunningEmulator]:
    """The "live" API: the default data plus 250 generated groups, its clock frozen."""
    backend = Backend.default()
    user = Credentials.development().user_id
    backend.seed_synthetic(user, groups=250, devices=3, seed=11)
    with running_emulator(backend=backend, clock=Clock(START)) as emulator:
        yield emulator


def client(emulator: RunningEmulator, base_url: str, mode: str) -> KooDrive:
    found = emulator.credentials
    secrets = (
        {"token": found.token}
        if mode == "token"
        else {"app_id": found.app_id, "app_secret": found.app_secret}
    )
    return KooDrive(
        base_url=base_url,
        user_id=found.user_id,
        environ={},
        clock=emulator.clock.now,
        **secrets,  # type: ignore[arg-type]
    )


def everything(sdk: KooDrive) -> tuple[object, ...]:
    """What a team's job reads: every device, every group of both kinds, a filtered listing."""
    return (
        sdk.devices.list(),
        list(sdk.user_groups.list(source_type=0, page_size=37)),
        list(sdk.user_groups.list(source_type=1)),
        list(sdk.user_groups.list(source_type=0, group_name="team")),
    )


def capture(live: RunningEmulator, tmp_path: Path, mode: str = "app") -> Path:
    recorder = Recorder()
    credentials = AppCredentials(live.credentials.app_id, live.credentials.app_secret)
    with running_proxy(
        live.base_url, credentials=credentials, recorder=recorder, clock=live.clock.now
    ) as proxy:
        everything(client(live, proxy.base_url, mode))
    path = tmp_path / "capture.har"
    recorder.write(path, None)
    return path


@pytest.mark.parametrize("mode", ["token", "app"])
def test_a_capture_becomes_fixtures_a_fresh_emulator_serves_alike(
    live: RunningEmulator, tmp_path: Path, mode: str
) -> None:
    har = capture(live, tmp_path, mode)
    fixtures = tmp_path / "fixtures.yaml"

    done = subprocess.run(
        [sys.executable, "-m", "koodrive_proxy", "fixtures", str(har), "-o", str(fixtures)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert "groups" in done.stderr
    assert fixtures.read_text("utf-8").startswith("# Recorded by koodrive-proxy fixtures")
    with running_emulator(backend=Backend.from_fixtures(fixtures), clock=Clock(START)) as fresh:
        assert everything(client(fresh, fresh.base_url, mode)) == everything(
            client(live, live.base_url, mode)
        )


def test_fixtures_keep_ids_and_timestamps_as_the_vendor_sent_them(
    live: RunningEmulator, tmp_path: Path
) -> None:
    recorded = fixtures_from_entries(read_har(capture(live, tmp_path)))

    (user,) = recorded.fixtures["users"]
    assert user["id"] == live.credentials.user_id
    sent = client(live, live.base_url, "app").devices.list()
    assert [d["deviceId"] for d in user["devices"]] == [d.device_id for d in sent]
    first = live.backend.groups(user["id"], source_type=0)[0]
    group = next(g for g in user["groups"] if g["id"] == first.id)
    assert group["createdTime"] == first.to_json()["createdTime"]
    assert group["sourceType"] == 0
    assert len({g["id"] for g in user["groups"]}) == len(user["groups"])  # each once
    assert recorded.counts()["groups"] == len(live.backend.groups(user["id"]))


def test_entries_that_list_nothing_are_skipped_with_a_reason(
    live: RunningEmulator, tmp_path: Path
) -> None:
    recorder = Recorder()
    with running_proxy(live.base_url, recorder=recorder) as proxy:
        httpx.get(proxy.base_url + "/nowhere")
        live.faults.server_error(times=1)
        httpx.get(
            proxy.base_url + "/koodrive/ose/v1/backup/device",
            headers=live.token_headers(with_user=True),
        )
    recorded = fixtures_from_entries(recorder.har()["log"]["entries"])

    assert recorded.fixtures == {"users": []}
    assert recorded.skipped == [
        "entry 1: GET /nowhere is no operation",
        "entry 2: listBoundDevices answered HTTP 500",
    ]


@pytest.mark.parametrize("mode", ["token", "app"])
def test_a_capture_older_than_fifteen_minutes_replays_re_signed(
    live: RunningEmulator, tmp_path: Path, mode: str
) -> None:
    entries = read_har(capture(live, tmp_path, mode))
    # Every recorded X-Date is now outside its 15 minutes (and the token, idle 16 minutes,
    # is still inside its 20).
    live.clock.advance(16 * 60)
    credentials = AppCredentials(live.credentials.app_id, live.credentials.app_secret)
    replayed_into = Recorder()

    with httpx.Client() as http:
        results = replay(
            entries,
            live.base_url,
            credentials=credentials,
            token=live.credentials.token,
            client=http,
            recorder=replayed_into,
            clock=live.clock.now,
        )

    assert len(results) == len(entries) > 5
    assert all(result.matches for result in results), [r for r in results if not r.matches]
    assert {result.status for result in results} == {200}
    assert replayed_into.drift()["deviations"] == 0

    # The same requests with the dates they were recorded with are refused: 401.
    with httpx.Client() as http:
        stale = replay(
            entries[:1],
            live.base_url,
            credentials=credentials,
            token=live.credentials.token,
            client=http,
            clock=lambda: START,
        )
    assert stale[0].status == 401
    assert not stale[0].matches


def test_replay_from_the_command_line(live: RunningEmulator, tmp_path: Path) -> None:
    har = capture(live, tmp_path)
    live.clock.unfreeze()  # the CLI signs with the real time
    live.credentials.renew_tokens()
    found = live.credentials
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
        "KOODRIVE_APP_ID": found.app_id,
        "KOODRIVE_APP_SECRET": found.app_secret,
    }

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "koodrive_proxy",
            "replay",
            str(har),
            "--target",
            live.base_url,
            "--drift",
            str(tmp_path / "replay-drift.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "requests," in done.stderr
    assert " 0 not; 0 deviations" in done.stderr
    assert json.loads((tmp_path / "replay-drift.json").read_text("utf-8"))["deviations"] == 0


def test_replaying_token_requests_needs_the_token(live: RunningEmulator, tmp_path: Path) -> None:
    har = capture(live, tmp_path, "token")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}

    done = subprocess.run(
        [sys.executable, "-m", "koodrive_proxy", "replay", str(har), "--target", live.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        check=False,
    )

    assert done.returncode == 2
    assert "set KOODRIVE_TOKEN to replay them" in done.stderr
    assert "Traceback" not in done.stderr


def test_what_the_proxy_answered_itself_is_not_replayed(live: RunningEmulator) -> None:
    recorder = Recorder()
    credentials = AppCredentials(live.credentials.app_id, live.credentials.app_secret)
    with running_proxy(
        live.base_url, credentials=credentials, recorder=recorder, strict=True, clock=live.clock.now
    ) as proxy:
        sdk = client(live, proxy.base_url, "app")
        sdk.devices.list()
        httpx.get(  # refused by --strict: never reached the target
            proxy.base_url + "/koodrive/ose/v1/usergroups",
            params={"sourceType": "0", "pageSize": "500", "pageCursor": ""},
            headers=live.token_headers(),
        )
    entries = recorder.har()["log"]["entries"]

    with httpx.Client() as http:
        results = replay(
            entries,
            live.base_url,
            credentials=credentials,
            token=None,  # the refused token request is not replayed, so no token is needed
            client=http,
            clock=live.clock.now,
        )

    assert [result.number for result in results] == [1]
    assert results[0].matches


def test_a_target_that_fails_is_told_per_entry(live: RunningEmulator, tmp_path: Path) -> None:
    entries = read_har(capture(live, tmp_path))
    credentials = AppCredentials(live.credentials.app_id, live.credentials.app_secret)

    with httpx.Client(timeout=2.0) as http:
        results = replay(
            entries, "http://127.0.0.1:9", credentials=credentials, token=None, client=http
        )

    assert len(results) == len(entries)
    assert all(result.failure and "ConnectError" in result.failure for result in results)
    assert not any(result.matches for result in results)


def test_app_signed_entries_need_the_app_credentials_before_anything_is_sent(
    live: RunningEmulator, tmp_path: Path
) -> None:
    entries = read_har(capture(live, tmp_path))
    before = len(live.requests)

    with (
        httpx.Client() as http,
        pytest.raises(ResignError, match="set KOODRIVE_APP_ID and KOODRIVE_APP_SECRET"),
    ):
        replay(entries, live.base_url, credentials=None, token=None, client=http)

    assert len(live.requests) == before


def test_the_vendors_page_shapes_are_measured(tmp_path: Path) -> None:
    backend = Backend.default()
    user = Credentials.development().user_id
    backend.seed_synthetic(user, groups=400, seed=3)
    paging = PagingBehaviour(short_pages=0.5, seed=1)  # the "vendor" cuts half its pages short
    with running_emulator(backend=backend, paging=paging, clock=Clock(START)) as short_paged:
        recorded = fixtures_from_entries(read_har(capture(short_paged, tmp_path)))
    with running_emulator(backend=Backend.default(), clock=Clock(START)) as even:
        even_shapes = fixtures_from_entries(read_har(capture(even, tmp_path))).page_shapes

    shapes = recorded.page_shapes
    assert shapes.before_the_end >= 8
    # Some pages short and some not: a handful of pages, each cut short at random, say no
    # more than that of the vendor's rate.
    assert 0 < shapes.short < shapes.before_the_end
    assert "koodrive-emulator --short-pages 0." in shapes.described()
    assert even_shapes.short == 0
    assert even_shapes.pages > 0


@pytest.mark.parametrize("mode", ["token", "app"])
def test_a_captured_write_replays_against_a_fresh_emulator_a_day_later(
    tmp_path: Path, mode: str
) -> None:
    recorder = Recorder()
    with (
        running_emulator(clock=Clock(START)) as live,  # the default data: 2 groups of 200
        running_proxy(
            live.base_url,
            credentials=AppCredentials(live.credentials.app_id, live.credentials.app_secret),
            recorder=recorder,
            clock=live.clock.now,
        ) as proxy,
    ):
        sdk = client(live, proxy.base_url, mode)
        sdk.user_groups.create(group_name="Replayed Team", source_type=1)
        sdk.devices.bind(machine_code="replay_1", device_name="Replayed", device_os="linux")
        credentials = AppCredentials(live.credentials.app_id, live.credentials.app_secret)
    recorder.write(tmp_path / "capture.har", None)
    entries = read_har(tmp_path / "capture.har")
    later = Clock(START + timedelta(days=1))

    with running_emulator(clock=later) as fresh, httpx.Client() as http:
        fresh.credentials.renew_tokens()
        results = replay(
            entries,
            fresh.base_url,
            credentials=credentials,
            token=fresh.credentials.token,
            client=http,
            clock=later.now,
        )
        groups = list(
            KooDrive(
                base_url=fresh.base_url,
                user_id=fresh.credentials.user_id,
                token=fresh.credentials.token,
                environ={},
                clock=later.now,
            ).user_groups.list(source_type=1)
        )
        writes = [entry for entry in fresh.requests if entry.method == "POST"]

    assert [result.status for result in results] == [200, 200]
    assert all(result.matches for result in results)
    assert "Replayed Team" in [group.group_name for group in groups]
    # Each body went as recorded, signed afresh (an app signature covers its bytes).
    assert [json.loads(entry.body or "") for entry in writes] == [
        {"groupName": "Replayed Team", "sourceType": 1},
        {"machineCode": "replay_1", "deviceName": "Replayed", "deviceOS": "linux"},
    ]
    assert {entry.auth for entry in writes} == {"ok"}
