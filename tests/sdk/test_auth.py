"""Authentication end to end: the emulator accepts what the SDK signs, and rejects it when
one byte of the signed request changes afterwards."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from koodrive import (
    AppSignatureAuth,
    AuthenticationError,
    GatewayAuthenticationError,
    KooDrive,
    SourceType,
    TokenAuth,
)
from koodrive_emulator.testing import RunningEmulator

GROUPS = "/koodrive/ose/v1/usergroups"
DEVICES = "/koodrive/ose/v1/backup/device"
MOMENT = datetime(2025, 11, 3, 7, 1, 40, tzinfo=UTC)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

Mutation = Callable[[httpx.Request], None]


class AfterSigning(httpx.Auth):
    """Runs the SDK's flow, then changes the signed request (or not), then sends it."""

    def __init__(self, inner: httpx.Auth, mutate: Mutation = lambda request: None) -> None:
        self.inner = inner
        self.mutate = mutate
        self.sent: list[httpx.Request] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self.inner.auth_flow(request)
        signed = next(flow)
        self.mutate(signed)
        self.sent.append(signed)
        yield signed


def frozen(emulator: RunningEmulator) -> Callable[[], datetime]:
    emulator.clock.freeze(MOMENT)
    return lambda: MOMENT


def app_auth(emulator: RunningEmulator, clock: Callable[[], datetime]) -> AppSignatureAuth:
    found = emulator.credentials
    return AppSignatureAuth(found.app_id, found.app_secret, user_id=found.user_id, clock=clock)


@pytest.fixture
def http(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, timeout=10) as client:
        yield client


def last_char_changed(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


def change_signature(request: httpx.Request) -> None:
    request.headers["Authorization"] = last_char_changed(request.headers["Authorization"])


def change_user(request: httpx.Request) -> None:
    request.headers["X-User-Id"] = last_char_changed(request.headers["X-User-Id"])


def change_date(request: httpx.Request) -> None:
    # One second earlier: still inside the 15-minute window, so only the signature can fail.
    request.headers["X-Date"] = request.headers["X-Date"].replace("40Z", "39Z")


def change_query(request: httpx.Request) -> None:
    request.url = request.url.copy_with(
        query=request.url.query.replace(b"pageSize=10", b"pageSize=11")
    )


def change_host(request: httpx.Request) -> None:
    request.headers["Host"] = request.headers["Host"].replace("127.0.0.1", "127.0.0.2")


PARAMS = {"pageSize": "10", "pageCursor": "", "sourceType": "0", "groupName": "Team A/β~"}


def test_the_emulator_accepts_the_signed_request(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    auth = AfterSigning(app_auth(emulator, frozen(emulator)))

    response = http.get(GROUPS, params=PARAMS, auth=auth)

    assert response.status_code == 200, response.text
    assert response.json()["code"] == 0


@pytest.mark.parametrize(
    "mutate", [change_signature, change_user, change_date, change_query, change_host]
)
def test_one_changed_byte_after_signing_is_rejected(
    emulator: RunningEmulator, http: httpx.Client, mutate: Mutation
) -> None:
    auth = AfterSigning(app_auth(emulator, frozen(emulator)), mutate)

    response = http.get(GROUPS, params=PARAMS, auth=auth)

    assert response.status_code == 401
    assert response.json()["error_code"] == "APIGW.0303"
    assert "signature mismatch" in response.json()["error_msg"]


def test_the_sdk_signs_what_an_independent_computation_expects(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    """The canonical request is written out by hand from the vendor's rules, hashed and
    keyed with hashlib/hmac directly: koodrive.signing is not involved."""
    auth = AfterSigning(app_auth(emulator, frozen(emulator)))
    http.get(GROUPS, params=PARAMS, auth=auth).raise_for_status()
    host = httpx.URL(emulator.base_url).netloc.decode()
    canonical = (
        "GET\n/koodrive/ose/v1/usergroups/\n"
        "groupName=Team%20A%2F%CE%B2~&pageCursor=&pageSize=10&sourceType=0\n"
        f"host:{host}\nx-date:20251103T070140Z\nx-user-id:{emulator.credentials.user_id}\n"
        f"\nhost;x-date;x-user-id\n{EMPTY_SHA256}"
    )
    to_sign = "HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(b"koodrive-dev-secret", to_sign.encode(), hashlib.sha256).hexdigest()

    (sent,) = auth.sent
    assert sent.headers["Authorization"] == (
        f"HMAC-SHA256 AppId=koodrive-dev-app,SignedHeaders=host;x-date;x-user-id,"
        f"Signature={expected}"
    )
    assert sent.headers["X-Date"] == "20251103T070140Z"


def test_a_wrong_app_secret_is_an_authentication_error(emulator: RunningEmulator) -> None:
    found = emulator.credentials
    sdk = KooDrive(
        base_url=emulator.base_url,
        app_id=found.app_id,
        app_secret="not-the-secret",
        user_id=found.user_id,
        environ={},
    )

    with sdk, pytest.raises(GatewayAuthenticationError, match="signature mismatch") as caught:
        sdk.devices.list()
    assert caught.value.status_code == 401
    assert caught.value.code == "APIGW.0303"
    assert caught.value.request_id


@pytest.mark.parametrize("style", ["bearer", "bearer+"])
def test_token_auth_sends_the_chosen_form(
    emulator: RunningEmulator, http: httpx.Client, style: str
) -> None:
    auth = AfterSigning(TokenAuth(emulator.credentials.token, style=style))

    response = http.get(GROUPS, params=PARAMS, auth=auth)

    assert response.status_code == 200
    separator = "+" if style == "bearer+" else " "
    assert auth.sent[0].headers["Authorization"] == f"Bearer{separator}koodrive-dev-token"
    assert "X-User-Id" not in auth.sent[0].headers  # no user configured: none sent


def test_token_mode_without_a_user_lists_groups(emulator: RunningEmulator) -> None:
    sdk = KooDrive(base_url=emulator.base_url, token=emulator.credentials.token, environ={})

    with sdk:
        groups = list(sdk.user_groups.list(source_type=SourceType.GROUP))

    assert len(groups) == len(emulator.backend.groups(emulator.credentials.user_id, 0))


def test_an_invalid_token_is_an_authentication_error(emulator: RunningEmulator) -> None:
    sdk = KooDrive(base_url=emulator.base_url, token="expired-token", environ={}, max_retries=0)

    with sdk, pytest.raises(AuthenticationError) as caught:
        list(sdk.user_groups.list(source_type=0))
    assert caught.value.status_code == 401


def test_a_token_acting_for_another_user_is_refused(emulator: RunningEmulator) -> None:
    sdk = KooDrive(
        base_url=emulator.base_url,
        token=emulator.credentials.token,
        user_id="1395476983395324034",  # a real user, but not the token's
        environ={},
    )

    with sdk, pytest.raises(AuthenticationError, match="X-User-Id"):
        sdk.devices.list()


@pytest.mark.parametrize(
    ("skew", "accepted"),
    [
        (timedelta(minutes=-14), True),
        (timedelta(minutes=-16), False),  # older than the 15-minute window
        (timedelta(minutes=1), False),  # later than the server's clock
    ],
)
def test_x_date_comes_from_the_injected_clock(
    emulator: RunningEmulator, skew: timedelta, accepted: bool
) -> None:
    emulator.clock.freeze(MOMENT)
    found = emulator.credentials
    sdk = KooDrive(
        base_url=emulator.base_url,
        app_id=found.app_id,
        app_secret=found.app_secret,
        user_id=found.user_id,
        clock=lambda: MOMENT + skew,
        environ={},
    )

    with sdk:
        if accepted:
            assert sdk.devices.list()
        else:
            with pytest.raises(AuthenticationError, match="X-Date"):
                sdk.devices.list()


@pytest.mark.parametrize("mode", ["token", "app"])
def test_every_attempt_is_stamped_and_signed_afresh(emulator: RunningEmulator, mode: str) -> None:
    """The first attempt is throttled (before authentication) with an X-Date that would be
    too old by now; the retry succeeds only with a new X-Date and a new signature."""
    emulator.clock.freeze(MOMENT)
    stamps = iter([MOMENT - timedelta(minutes=30), MOMENT - timedelta(seconds=5)])
    handed_out: list[datetime] = []

    def clock() -> datetime:
        handed_out.append(next(stamps))
        return handed_out[-1]

    found = emulator.credentials
    credentials = (
        {"token": found.token}
        if mode == "token"
        else {"app_id": found.app_id, "app_secret": found.app_secret}
    )
    emulator.faults.throttle(retry_after=0, times=1)
    sdk = KooDrive(
        base_url=emulator.base_url,
        user_id=found.user_id,
        clock=clock,
        sleep=lambda seconds: None,
        environ={},
        **credentials,  # type: ignore[arg-type]
    )

    with sdk:
        assert sdk.devices.list()

    assert len(handed_out) == 2
