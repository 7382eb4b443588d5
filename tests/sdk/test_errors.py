"""Every failure becomes its typed exception, carrying status, code, message and ids."""

from __future__ import annotations

import socket
from collections.abc import Callable

import koodrive
import koodrive.errors
import pytest
from koodrive import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    GatewayError,
    KooDrive,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    SourceType,
)
from koodrive.errors import APIResultError, GatewayBadRequestError, status_error_class
from koodrive_emulator.testing import RunningEmulator

TRACE_ID = "T" * 58


def call_devices(sdk: KooDrive) -> object:
    return sdk.devices.list(max_retries=0, trace_id=TRACE_ID)


def call_groups(sdk: KooDrive) -> object:
    return list(
        sdk.user_groups.list(source_type=SourceType.GROUP, max_retries=0, trace_id=TRACE_ID)
    )


OPERATIONS = [
    pytest.param(call_devices, "listBoundDevices", id="devices"),
    pytest.param(call_groups, "listUserGroups", id="groups"),
]


@pytest.mark.parametrize(("call", "operation"), OPERATIONS)
@pytest.mark.parametrize(
    ("fault", "status", "kind", "code", "gateway"),
    [
        ("throttle", 429, RateLimitError, "APIGW.0308", True),
        ("server_error", 500, ServerError, 13000500, False),
        ("bad_gateway", 502, ServerError, "APIGW.0201", True),
        ("unavailable", 503, ServerError, "APIGW.0203", True),
        ("gateway_timeout", 504, ServerError, "APIGW.0204", True),
        ("undocumented_500", 500, ServerError, None, False),
    ],
)
def test_each_error_fault_raises_its_type(
    any_client: KooDrive,
    emulator: RunningEmulator,
    call: Callable[[KooDrive], object],
    operation: str,
    fault: str,
    status: int,
    kind: type[APIStatusError],
    code: int | str | None,
    gateway: bool,
) -> None:
    getattr(emulator.faults, fault)(operation=operation)

    with pytest.raises(kind) as caught:
        call(any_client)

    error = caught.value
    assert error.status_code == status
    assert error.code == code
    assert isinstance(error, GatewayError) is gateway
    # A gateway body names its request id; for the service's own errors it comes from the
    # response's X-Request-Id header, which the emulator sends on every response.
    assert error.request_id == error.headers["X-Request-Id"]
    assert error.trace_id == TRACE_ID
    assert error.message
    assert str(error).startswith(f"HTTP {status}")
    assert TRACE_ID in str(error)


def test_a_rate_limit_error_carries_retry_after(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    emulator.faults.throttle(retry_after=7)

    with pytest.raises(RateLimitError) as caught:
        client.devices.list(max_retries=0)

    assert caught.value.retry_after == 7.0
    assert caught.value.headers["Retry-After"] == "7"


@pytest.mark.parametrize(("call", "operation"), OPERATIONS)
def test_a_response_cut_short_is_a_connection_error(
    any_client: KooDrive,
    emulator: RunningEmulator,
    call: Callable[[KooDrive], object],
    operation: str,
) -> None:
    emulator.faults.truncated(operation=operation)

    with pytest.raises(APIConnectionError, match=r"connection to http:.* failed") as caught:
        call(any_client)
    assert caught.value.trace_id == TRACE_ID


@pytest.mark.parametrize(("call", "operation"), OPERATIONS)
@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        # The field is named, whether the generated parsing failed on it or not.
        ("wrong_type", r"(total must be an integer|data must be a JSON array), not "),
        ("missing_field", r"lacks the required field '(total|data)'"),
    ],
)
def test_a_body_breaking_the_spec_is_a_malformed_response(
    any_client: KooDrive,
    emulator: RunningEmulator,
    call: Callable[[KooDrive], object],
    operation: str,
    fault: str,
    problem: str,
) -> None:
    getattr(emulator.faults, fault)(operation=operation)

    with pytest.raises(MalformedResponseError, match=problem) as caught:
        call(any_client)
    assert caught.value.trace_id == TRACE_ID


@pytest.mark.parametrize(("call", "operation"), OPERATIONS)
def test_code_as_a_string_of_digits_is_a_success(
    any_client: KooDrive,
    emulator: RunningEmulator,
    call: Callable[[KooDrive], object],
    operation: str,
) -> None:
    emulator.faults.code_as_string(operation=operation)

    assert call(any_client)


def test_latency_beyond_the_timeout_is_a_timeout_error(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    emulator.faults.latency(2.0, times=1)

    with pytest.raises(APITimeoutError, match="timed out"):
        client.devices.list(timeout=0.1, max_retries=0)


def test_nothing_listening_is_a_connection_error(emulator: RunningEmulator) -> None:
    # A loopback port bound but never listening, held for the test: nobody can listen there.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        sdk = KooDrive(base_url=f"http://127.0.0.1:{port}", token="t", environ={}, max_retries=0)

        with sdk, pytest.raises(APIConnectionError) as caught:
            list(sdk.user_groups.list(source_type=0))
    assert not isinstance(caught.value, APITimeoutError)


def test_an_unknown_path_is_a_gateway_not_found(emulator: RunningEmulator) -> None:
    sdk = KooDrive(
        base_url=emulator.base_url + "/wrong-prefix",
        token=emulator.credentials.token,
        user_id=emulator.credentials.user_id,
        environ={},
    )

    with sdk, pytest.raises(NotFoundError) as caught:
        sdk.devices.list()
    assert isinstance(caught.value, GatewayError)
    assert caught.value.code == "APIGW.0101"
    assert caught.value.status_code == 404


def test_a_bad_parameter_is_a_bad_request_with_the_service_code(client: KooDrive) -> None:
    with pytest.raises(BadRequestError, match="groupName must be 1 to 128 characters") as caught:
        list(client.user_groups.list(source_type=0, group_name="x" * 129))

    assert caught.value.code == 13000102
    assert not isinstance(caught.value, GatewayError)
    assert "HTTP 400 13000102: Verify parameters failed" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "gateway_code", "expected"),
    [
        (400, "APIGW.0303", AuthenticationError),  # the vendor's "400 authentication failed"
        (400, "APIGW.0301", AuthenticationError),
        (400, "APIGW.0308", GatewayBadRequestError),
        (400, None, BadRequestError),
        (401, None, AuthenticationError),
        (200, None, APIResultError),
        (418, None, APIStatusError),
    ],
)
def test_statuses_the_emulator_does_not_produce_map_as_documented(
    status: int, gateway_code: str | None, expected: type[APIStatusError]
) -> None:
    kind = status_error_class(status, gateway_code=gateway_code)

    assert issubclass(kind, expected)
    assert issubclass(kind, GatewayError) is (gateway_code is not None and status != 200)


def test_every_exception_is_exported_from_koodrive() -> None:
    """`koodrive` re-exports `koodrive.errors.__all__`: a new exception missing from that
    list would be missing from the top-level API."""
    defined = {
        name
        for name, value in vars(koodrive.errors).items()
        if isinstance(value, type) and issubclass(value, koodrive.KooDriveError)
    }

    assert defined == set(koodrive.errors.__all__)
    assert defined <= set(koodrive.__all__)
    assert all(getattr(koodrive, name) is getattr(koodrive.errors, name) for name in defined)
    assert "status_error_class" not in koodrive.__all__
