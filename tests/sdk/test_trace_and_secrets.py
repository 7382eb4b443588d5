"""X-Traceid per call and on every error; secrets in no repr, log or exception."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable

import pytest
from koodrive import (
    APIError,
    APIStatusError,
    ConfigurationError,
    InvalidArgumentError,
    KooDrive,
    ServerError,
    SourceType,
    signing,
)
from koodrive_emulator.testing import RunningEmulator

TRACE_ID = re.compile(r"[0-9A-Za-z]{58}")
SECRETS = ("koodrive-dev-token", "koodrive-dev-secret")


def failing_call(
    client: KooDrive, emulator: RunningEmulator, trace_id: str | None = None
) -> APIStatusError:
    emulator.faults.server_error(times=1)
    with pytest.raises(ServerError) as caught:
        client.devices.list(max_retries=0, trace_id=trace_id)
    return caught.value


def test_each_call_sends_a_new_well_formed_trace_id(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    first = failing_call(client, emulator)
    second = failing_call(client, emulator)

    assert first.trace_id is not None
    assert TRACE_ID.fullmatch(first.trace_id)
    assert first.trace_id != second.trace_id
    # The emulator echoes what it received: the header really went out.
    assert first.headers["X-Traceid"] == first.trace_id


def test_a_given_trace_id_is_sent_and_shown_on_the_error(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    given = "Support0Ticket" * 4 + "XY"

    error = failing_call(client, emulator, trace_id=given)

    assert error.trace_id == error.headers["X-Traceid"] == given
    assert f"trace id: {given}" in str(error)


def test_every_page_gets_its_own_trace_id_unless_one_is_given(client: KooDrive) -> None:
    generated = [p.trace_id for p in client.user_groups.list(source_type=0, page_size=2).pages()]
    given = [
        p.trace_id
        for p in client.user_groups.list(source_type=0, page_size=2, trace_id="z" * 58).pages()
    ]

    assert len(set(generated)) == len(generated) > 1
    assert all(TRACE_ID.fullmatch(trace) for trace in generated)
    assert set(given) == {"z" * 58}


@pytest.mark.parametrize("bad", ["short", "x" * 59, "é" * 58, "-" * 58])
def test_a_malformed_trace_id_is_refused_before_any_request(client: KooDrive, bad: str) -> None:
    with pytest.raises(InvalidArgumentError, match="trace_id must be exactly 58 characters"):
        client.devices.list(trace_id=bad)
    with pytest.raises(InvalidArgumentError, match="trace_id"):
        client.user_groups.list(source_type=0, trace_id=bad)


def test_reprs_hide_secrets(make_client: Callable[..., KooDrive]) -> None:
    for mode in ("token", "app"):
        sdk = make_client(mode)
        shown = repr(sdk) + repr(sdk._auth) + repr(sdk._settings)
        assert "***" in shown
        assert not any(secret in shown for secret in SECRETS), shown


def rendered(error: BaseException) -> str:
    """Everything a traceback shows, causes included, plus str and repr."""
    return "".join(traceback.format_exception(error)) + str(error) + repr(error)


@pytest.mark.parametrize("mode", ["token", "app"])
def test_errors_and_their_causes_hide_secrets(
    make_client: Callable[..., KooDrive], emulator: RunningEmulator, mode: str
) -> None:
    sdk = make_client(mode, max_retries=0)
    failures: list[APIError] = []
    for fault in ("truncated", "throttle", "missing_field"):
        getattr(emulator.faults, fault)(times=1)
        with pytest.raises(APIError) as caught:
            list(sdk.user_groups.list(source_type=SourceType.GROUP))
        failures.append(caught.value)
    emulator.credentials.revoke_token(emulator.credentials.token)
    emulator.credentials.add_app(emulator.credentials.app_id, "rotated-secret")
    with pytest.raises(APIError) as caught:
        sdk.devices.list()
    failures.append(caught.value)

    for error in failures:
        text = rendered(error)
        assert not any(secret in text for secret in SECRETS), text


def test_logs_hide_secrets_even_at_debug(
    make_client: Callable[..., KooDrive],
    emulator: RunningEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.faults.unavailable(retry_after=0, times=2)
    with caplog.at_level(logging.DEBUG):
        for mode in ("token", "app"):
            sdk = make_client(mode)
            sdk.devices.list()
            list(sdk.user_groups.list(source_type=1))

    assert caplog.records  # httpx, httpcore and the SDK did log
    assert not any(secret in caplog.text for secret in SECRETS)
    # The SDK's debug lines show the Authorization header with its credential masked.
    assert re.findall(r"Bearer\S*", caplog.text) == ["Bearer"] * caplog.text.count("Bearer")
    assert caplog.text.count("Bearer [redacted]") == caplog.text.count("Bearer")
    signatures = re.findall(r"Signature=(\S{0,12})", caplog.text)
    assert signatures
    assert set(signatures) == {"[redacted]'}"}


def test_a_malformed_token_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigurationError, match="KOODRIVE_TOKEN") as caught:
        KooDrive(environ={"KOODRIVE_BASE_URL": "http://127.0.0.1:1", "KOODRIVE_TOKEN": "s3cr3t\n"})

    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", "Bearer koodrive-dev-token", "Bearer [redacted]"),
        ("authorization", "Bearer+koodrive-dev-token", "Bearer+[redacted]"),
        ("Authorization", "Basic dXNlcjpwYXNz", "Basic [redacted]"),
        (
            "Authorization",
            "HMAC-SHA256 AppId=app,SignedHeaders=host;x-date;x-user-id,Signature=" + "ab" * 32,
            "HMAC-SHA256 AppId=app,SignedHeaders=host;x-date;x-user-id,Signature=[redacted]",
        ),
        # Whatever else an app signature holds is dropped: only its known parts are rebuilt.
        (
            "Authorization",
            "HMAC-SHA256 AppId=app,Signature=ab cd,Extra=s3cr3t",
            "HMAC-SHA256 AppId=app,Signature=[redacted]",
        ),
        ("Authorization", "tok123 s3cr3t", "[redacted]"),  # an unknown scheme may be a token
        ("Authorization", "s3cr3t", "[redacted]"),
        ("Cookie", "session=s3cr3t", "[redacted]"),
        ("Set-Cookie", "id=s3cr3t; HttpOnly", "[redacted]"),
        ("Proxy-Authorization", "Basic s3cr3t", "[redacted]"),
        ("X-Api-Key", "s3cr3t", "[redacted]"),
        ("X-Auth-Token", "s3cr3t", "[redacted]"),
        ("X-Client-Secret", "s3cr3t", "[redacted]"),
        ("X-Traceid", "a" * 58, "a" * 58),
        ("X-User-Id", "1395476983395324033", "1395476983395324033"),
        ("X-Date", "20251103T070140Z", "20251103T070140Z"),
    ],
)
def test_one_rule_redacts_headers_for_logs_journals_and_captures(
    name: str, value: str, shown: str
) -> None:
    assert signing.redacted_header(name, value) == shown
