"""Bodies the emulator never sends (an HTML error page, a 2xx with a non-zero or odd `code`,
a gateway authentication error on 400): the classifier run on such responses directly."""

from __future__ import annotations

import json

import httpx
import pytest
from koodrive import (
    APIResultError,
    AuthenticationError,
    GatewayError,
    MalformedResponseError,
    ServerError,
)
from koodrive._classify import classify

TRACE_ID = "0" * 58


def response(
    status: int, body: object | bytes, content_type: str = "application/json"
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = httpx.Request(
        "GET", "http://127.0.0.1/koodrive/ose/v1/usergroups", headers={"X-Traceid": TRACE_ID}
    )
    made = httpx.Response(
        status, content=content, headers={"Content-Type": content_type}, request=request
    )
    made.read()
    return made


def test_an_html_error_page_is_a_server_error_quoting_its_start() -> None:
    error = classify(response(502, b"<html><body>Bad Gateway</body></html>", "text/html"))

    assert isinstance(error, ServerError)
    assert not isinstance(error, GatewayError)
    assert "text/html" in error.message
    assert "<html><body>Bad Gateway" in error.message
    assert error.trace_id == TRACE_ID


@pytest.mark.parametrize("code", [0, "0"])
def test_code_zero_as_a_number_or_a_string_is_a_success(code: object) -> None:
    assert classify(response(200, {"code": code, "msg": "OK", "data": []})) is None


@pytest.mark.parametrize("code", [13000102, "13000102"])
def test_a_2xx_with_a_non_zero_code_is_a_result_error(code: object) -> None:
    error = classify(response(200, {"code": code, "msg": "Verify parameters failed."}))

    assert isinstance(error, APIResultError)
    assert error.code == 13000102
    assert str(error).startswith("HTTP 200 13000102: Verify parameters failed.")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"code": 0, "msg"', "is not JSON"),
        ([1, 2], "is not a JSON object"),
        ({"msg": "OK"}, "lacks the required field 'code'"),
        ({"code": "zero"}, "has 'code' 'zero'"),
        ({"code": True}, "has 'code' True"),
        ({"code": 1.5}, "has 'code' 1.5"),
    ],
)
def test_a_2xx_breaking_the_spec_is_malformed(body: object, problem: str) -> None:
    error = classify(response(200, body))

    assert isinstance(error, MalformedResponseError)
    assert problem in str(error)


def test_a_gateway_authentication_error_on_400_is_an_authentication_error() -> None:
    body = {
        "error_code": "APIGW.0303",
        "error_msg": "Incorrect app authentication",
        "request_id": "r1",
    }

    error = classify(response(400, body))

    assert isinstance(error, AuthenticationError)
    assert isinstance(error, GatewayError)
    assert (error.status_code, error.code, error.request_id) == (400, "APIGW.0303", "r1")
