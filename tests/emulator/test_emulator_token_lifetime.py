"""Token lifetime against the running server: "valid 20 minutes, extended by each call".

The emulator's clock is frozen and moved; nothing here sleeps.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from koodrive_emulator import Credentials
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.app import EmulatorApp, EmulatorContext
from koodrive_emulator.clock import Clock
from koodrive_emulator.server import EmulatorServer
from koodrive_emulator.testing import RunningEmulator, running_emulator

if TYPE_CHECKING:  # the conftest fixture's type; conftest is not imported at run time
    from tests.emulator.conftest import ServeCli

QUERY = "pageSize=10&pageCursor=&sourceType=0"
PINNED = datetime(2025, 11, 3, 7, 1, 40, tzinfo=UTC)
TTL = 20 * 60
OTHER_USER = "1395476983395324034"
TOKEN = "lifetime-test-token-5b1e"
COMMAND = str(Path(sys.executable).with_name("koodrive-emulator"))


def groups(http: httpx.Client, token: str) -> httpx.Response:
    return http.get(f"{GROUPS}?{QUERY}", headers={"Authorization": f"Bearer {token}"})


def assert_expired(response: httpx.Response, token: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == "APIGW.0303"
    assert body["error_msg"] == (
        "Incorrect authentication information: "
        "the access token has expired (unused for more than 20 minutes)."
    )
    assert token not in response.text
    assert token not in str(response.headers)


def test_the_default_lifetime_is_the_vendors_20_minutes(emulator: RunningEmulator) -> None:
    assert emulator.credentials.token_ttl == timedelta(minutes=20)
    assert Credentials().token_ttl == timedelta(minutes=20)


def test_a_token_unused_for_longer_than_the_ttl_expires(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(PINNED)
    emulator.credentials.add_token(TOKEN, OTHER_USER)
    assert groups(http, TOKEN).status_code == 200
    emulator.clock.advance(TTL)  # exactly the lifetime: still valid, and extended
    assert groups(http, TOKEN).status_code == 200
    emulator.clock.advance(TTL + 1)
    assert_expired(groups(http, TOKEN), TOKEN)
    assert_expired(groups(http, TOKEN), TOKEN)  # a refused call extends nothing


def test_a_token_never_used_expires_counted_from_when_it_was_added(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(PINNED)
    emulator.credentials.add_token(TOKEN, OTHER_USER)
    emulator.clock.advance(TTL + 1)
    assert_expired(groups(http, TOKEN), TOKEN)


def test_calls_keep_a_token_alive_far_beyond_the_ttl(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(PINNED)
    emulator.credentials.add_token(TOKEN, OTHER_USER)
    for _ in range(8):  # two hours, a call every 15 minutes
        emulator.clock.advance(15 * 60)
        assert groups(http, TOKEN).status_code == 200
    emulator.clock.advance(TTL + 1)
    assert_expired(groups(http, TOKEN), TOKEN)


def test_a_call_that_fails_later_checks_still_extends_the_token(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    """The token was accepted; the call failed on X-User-Id, after it."""
    emulator.clock.freeze(PINNED)
    emulator.credentials.add_token(TOKEN, OTHER_USER)
    emulator.clock.advance(TTL - 1)
    no_user = http.get(DEVICES, headers={"Authorization": f"Bearer {TOKEN}"})
    assert no_user.status_code == 401
    assert "X-User-Id" in no_user.json()["error_msg"]
    emulator.clock.advance(TTL - 1)
    assert groups(http, TOKEN).status_code == 200


def test_each_token_has_its_own_lifetime(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.clock.freeze(PINNED)
    emulator.credentials.add_token(TOKEN, OTHER_USER)
    emulator.clock.advance(TTL - 60)
    assert groups(http, emulator.credentials.token).status_code == 200
    emulator.clock.advance(120)
    assert_expired(groups(http, TOKEN), TOKEN)
    assert groups(http, emulator.credentials.token).status_code == 200


def test_expiry_applies_to_list_bound_devices_too(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(PINNED)
    token = emulator.credentials.token
    assert http.get(DEVICES, headers=emulator.token_headers(with_user=True)).status_code == 200
    emulator.clock.advance(TTL + 1)
    assert_expired(http.get(DEVICES, headers=emulator.token_headers(with_user=True)), token)


def test_the_app_signature_has_no_token_lifetime(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(datetime.now(UTC))  # the primary token was added just now
    emulator.clock.advance(10 * TTL)
    assert_expired(groups(http, emulator.credentials.token), emulator.credentials.token)
    signed_groups = http.get(f"{GROUPS}?{QUERY}", headers=emulator.signed_headers(GROUPS, QUERY))
    signed_devices = http.get(DEVICES, headers=emulator.signed_headers(DEVICES))
    assert (signed_groups.status_code, signed_devices.status_code) == (200, 200)


@pytest.mark.parametrize("never", [0, 0.0, None, timedelta(0)])
def test_a_ttl_of_0_or_none_means_never(
    emulator: RunningEmulator, http: httpx.Client, never: float | timedelta | None
) -> None:
    emulator.clock.freeze(PINNED)
    emulator.credentials.token_ttl = never
    assert emulator.credentials.token_ttl is None
    emulator.credentials.add_token(TOKEN, OTHER_USER)
    emulator.clock.advance(365 * 24 * 3600)
    assert groups(http, TOKEN).status_code == 200
    assert groups(http, emulator.credentials.token).status_code == 200


def test_a_shorter_ttl_from_python_names_its_span(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(datetime.now(UTC))  # the primary token was added just now
    emulator.credentials.token_ttl = 90
    emulator.clock.advance(91)
    response = groups(http, emulator.credentials.token)
    assert response.status_code == 401
    assert "unused for more than 90 seconds" in response.json()["error_msg"]


def test_running_emulator_dates_given_credentials_with_its_clock() -> None:
    credentials = Credentials(token=TOKEN, token_ttl=60)
    with (
        running_emulator(credentials=credentials) as served,
        httpx.Client(base_url=served.base_url) as http,
    ):
        assert credentials.clock is served.clock
        served.clock.freeze(datetime.now(UTC))
        assert groups(http, TOKEN).status_code == 200
        served.clock.advance(61)
        response = groups(http, TOKEN)
    assert response.status_code == 401
    assert "unused for more than 1 minute" in response.json()["error_msg"]


def test_an_emulator_clock_an_hour_ahead_still_accepts_fresh_credentials() -> None:
    # Tokens dated by the credentials' own clock but judged by the emulator's would all
    # look an hour idle: one clock must do both.
    ahead = Clock(frozen_at=datetime.now(UTC) + timedelta(hours=1))
    credentials = Credentials(token=TOKEN)
    with (
        running_emulator(credentials=credentials, clock=ahead) as served,
        httpx.Client(base_url=served.base_url) as http,
    ):
        assert credentials.clock is ahead
        assert groups(http, TOKEN).status_code == 200


def test_a_context_built_with_its_own_clock_judges_tokens_by_it() -> None:
    ahead = Clock(frozen_at=datetime.now(UTC) + timedelta(hours=1))
    context = EmulatorContext(credentials=Credentials(token=TOKEN), clock=ahead)
    with (
        EmulatorServer(EmulatorApp(context)) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        assert groups(http, TOKEN).status_code == 200
        ahead.advance(TTL + 1)
        assert_expired(groups(http, TOKEN), TOKEN)
        assert http.post("/_emulator/reset").status_code == 200
        assert groups(http, TOKEN).status_code == 200  # renewed by the clock that judges


@pytest.mark.parametrize(
    "bad", [-1, -0.5, timedelta(seconds=-1), "20", True, float("nan"), float("inf"), 10**20]
)
def test_a_bad_ttl_from_python_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="token_ttl must be"):
        Credentials(token_ttl=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["-5", "soon", "1.5", ""])
def test_a_bad_token_ttl_flag_names_the_option(bad: str) -> None:
    result = subprocess.run(
        [COMMAND, "--token-ttl", bad], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert (
        "argument --token-ttl: must be a whole number of seconds, 0 or more "
        "(0: tokens never expire)" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_the_cli_banner_tells_the_token_lifetime(serve_cli: ServeCli) -> None:
    default = serve_cli()
    never = serve_cli("--token-ttl", "0")
    with httpx.Client(base_url=never.base_url) as http:
        assert groups(http, "koodrive-dev-token").status_code == 200
    assert "koodrive-dev-token  (expires 1200 s after its last use; --token-ttl 0: never)" in (
        default.banner
    )
    assert "koodrive-dev-token  (never expires)" in never.banner
    assert "Traceback" not in default.stop() + never.stop()
