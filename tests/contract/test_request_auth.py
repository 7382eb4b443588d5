"""The suite's credentials are computed over the request as sent, with koodrive.signing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from koodrive import signing
from koodrive_spec import Spec

from contract_tests.credentials import Credentials
from contract_tests.request_auth import WireRequest, auth_headers, host_header

CREDENTIALS = Credentials.from_env(
    {
        "KOODRIVE_USER_ID": "1395476983395324033",
        "KOODRIVE_APP_ID": "app",
        "KOODRIVE_APP_SECRET": "s",
    }
)
APP = ("appSignature", "userId", "requestDate")
MOMENT = datetime(2025, 11, 3, 7, 1, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8750/x", "127.0.0.1:8750"),
        ("https://intl.example.com/x", "intl.example.com"),
        ("https://intl.example.com:443/x", "intl.example.com"),
        ("http://intl.example.com:443/x", "intl.example.com:443"),
        ("http://[::1]:8750/x", "[::1]:8750"),
    ],
)
def test_the_signed_host_is_the_one_http_client_sends(url: str, host: str) -> None:
    assert host_header(url) == host


def verifies(headers: dict[str, str], sent: WireRequest) -> bool:
    return signing.verify(
        signing.AppAuthorization.parse(headers["Authorization"]),
        app_secret="s",
        method=sent.method,
        path=sent.path,
        query=sent.query,
        headers={"host": sent.host, **{k.lower(): v for k, v in headers.items()}},
    )


def test_the_signature_covers_the_prepared_request() -> None:
    prepared = requests.Request(
        "GET", "http://127.0.0.1:8750/koodrive/ose/v1/usergroups", params={"groupName": "a b+c"}
    ).prepare()
    sent = WireRequest.from_prepared(prepared)

    headers = auth_headers(CREDENTIALS, APP, moment=MOMENT, request=sent)

    assert headers["X-Date"] == "20251103T070140Z"
    assert headers["X-User-Id"] == CREDENTIALS.user_id
    assert verifies(headers, sent)
    # '+' and '%20' spell the same query: the canonical form decodes, then re-encodes.
    assert verifies(headers, sent.with_query(sent.query.replace("+", "%20")))
    assert not verifies(headers, sent.with_query("groupName=other"))


def test_token_mode_sends_only_what_the_requirement_names() -> None:
    token = Credentials.from_env({"KOODRIVE_USER_ID": "1", "KOODRIVE_TOKEN": "t"})

    assert auth_headers(token, ("accessToken",), moment=MOMENT) == {"Authorization": "Bearer t"}
    with_user = auth_headers(token, ("accessToken", "userId", "requestDate"), moment=MOMENT)
    assert with_user == {
        "Authorization": "Bearer t",
        "X-User-Id": "1",
        "X-Date": "20251103T070140Z",
    }


def test_the_credential_headers_of_each_requirement_come_from_the_spec() -> None:
    spec = Spec.packaged()
    devices, groups = (
        spec.operations[name].security for name in ("listBoundDevices", "listUserGroups")
    )

    assert [spec.credential_headers(requirement) for requirement in devices] == [
        ("Authorization", "X-User-Id", "X-Date"),
        ("Authorization", "X-User-Id", "X-Date"),
    ]
    assert spec.credential_headers(groups[0]) == ("Authorization",)
    assert spec.credential_headers({"noSuchScheme"}) == ()
