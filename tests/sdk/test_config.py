"""Construction from arguments or the environment; every problem names its variable."""

from __future__ import annotations

import pytest
from koodrive import AsyncKooDrive, ConfigurationError, InvalidArgumentError, KooDrive
from koodrive.retries import Backoff
from koodrive_emulator.testing import RunningEmulator

BASE = {"KOODRIVE_BASE_URL": "http://127.0.0.1:8750"}
TOKEN = {**BASE, "KOODRIVE_TOKEN": "tok"}
APP = {**BASE, "KOODRIVE_APP_ID": "app", "KOODRIVE_APP_SECRET": "sec", "KOODRIVE_USER_ID": "42"}


def test_a_client_from_the_process_environment_calls_the_emulator(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOODRIVE_BASE_URL", emulator.base_url)
    monkeypatch.setenv("KOODRIVE_APP_ID", emulator.credentials.app_id)
    monkeypatch.setenv("KOODRIVE_APP_SECRET", emulator.credentials.app_secret)
    monkeypatch.setenv("KOODRIVE_USER_ID", emulator.credentials.user_id)
    monkeypatch.delenv("KOODRIVE_TOKEN", raising=False)

    with KooDrive() as sdk:
        assert sdk.base_url == emulator.base_url
        assert sdk.user_id == emulator.credentials.user_id
        assert sdk.devices.list()


@pytest.mark.parametrize("client_class", [KooDrive, AsyncKooDrive])
def test_both_clients_read_the_same_settings(client_class: type[KooDrive | AsyncKooDrive]) -> None:
    sdk = client_class(environ=APP)

    assert (sdk.base_url, sdk.user_id) == ("http://127.0.0.1:8750", "42")
    assert "AppSignatureAuth(app_id='app'" in repr(sdk)


def test_arguments_win_over_the_environment() -> None:
    sdk = KooDrive(base_url="https://intl.myhuaweicloud-koodrive.com/", user_id="7", environ=TOKEN)

    assert sdk.base_url == "https://intl.myhuaweicloud-koodrive.com"
    assert sdk.user_id == "7"


def test_defaults_are_sane() -> None:
    sdk = KooDrive(environ=TOKEN)

    assert sdk.max_retries == 2
    assert (sdk.timeout.connect, sdk.timeout.read) == (5.0, 30.0)


@pytest.mark.parametrize(
    ("environ", "arguments", "named"),
    [
        ({"KOODRIVE_TOKEN": "tok"}, {}, "KOODRIVE_BASE_URL"),
        ({**BASE, "KOODRIVE_BASE_URL": ""}, {"token": "t"}, "KOODRIVE_BASE_URL"),
        ({"KOODRIVE_BASE_URL": "ftp://host", "KOODRIVE_TOKEN": "t"}, {}, "KOODRIVE_BASE_URL"),
        (TOKEN, {"base_url": "not a url"}, "argument base_url"),
        (BASE, {}, "KOODRIVE_TOKEN"),
        ({**APP, "KOODRIVE_TOKEN": "tok"}, {}, "KOODRIVE_TOKEN"),
        (APP, {"token": "tok"}, "argument token"),
        ({**BASE, "KOODRIVE_APP_ID": "app", "KOODRIVE_USER_ID": "1"}, {}, "KOODRIVE_APP_SECRET"),
        ({**BASE, "KOODRIVE_APP_SECRET": "s", "KOODRIVE_USER_ID": "1"}, {}, "KOODRIVE_APP_ID"),
        ({**APP, "KOODRIVE_USER_ID": ""}, {}, "KOODRIVE_USER_ID"),
        ({**TOKEN, "KOODRIVE_USER_ID": "12ab"}, {}, "KOODRIVE_USER_ID"),
        (TOKEN, {"user_id": "-1"}, "argument user_id"),
        ({**TOKEN, "KOODRIVE_TOKEN": "two words"}, {}, "KOODRIVE_TOKEN"),
        (TOKEN, {"language": "english please"}, "language"),
    ],
)
def test_a_missing_or_contradictory_setting_names_the_variable(
    environ: dict[str, str], arguments: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        KooDrive(environ=environ, **arguments)  # type: ignore[arg-type]


def test_a_contradiction_names_both_sides() -> None:
    with pytest.raises(ConfigurationError) as caught:
        KooDrive(environ={**APP, "KOODRIVE_TOKEN": "tok"})

    assert "KOODRIVE_TOKEN" in str(caught.value)
    assert "KOODRIVE_APP_ID" in str(caught.value)


def test_bad_retry_settings_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="max_retries"):
        KooDrive(environ=TOKEN, max_retries=-1)
    with pytest.raises(InvalidArgumentError, match=r"Backoff\.initial"):
        Backoff(initial=-1)
    with pytest.raises(InvalidArgumentError, match="max_retries"):
        KooDrive(environ=TOKEN).with_options(max_retries=-2)
