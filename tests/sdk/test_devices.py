"""client.devices.list(): typed devices, in both authentication modes."""

from __future__ import annotations

import pytest
from koodrive import BoundDeviceEntity, ConfigurationError, KooDrive
from koodrive_emulator.testing import RunningEmulator


def test_lists_the_users_devices_as_typed_models(
    any_client: KooDrive, emulator: RunningEmulator
) -> None:
    devices = any_client.devices.list()

    expected = emulator.backend.devices(emulator.credentials.user_id)
    assert [type(device) for device in devices] == [BoundDeviceEntity] * len(expected)
    assert [(d.device_id, d.device_name, d.device_os, d.machine_code) for d in devices] == [
        (e.device_id, e.device_name, e.device_os, e.machine_code) for e in expected
    ]
    assert [d.create_time for d in devices] == [e.create_time for e in expected]


def test_a_device_added_on_the_server_shows_up(client: KooDrive, emulator: RunningEmulator) -> None:
    emulator.backend.add_device(
        emulator.credentials.user_id, device_name="Laptop ü", device_os="windows"
    )

    names = [device.device_name for device in client.devices.list()]

    assert names[-1] == "Laptop ü"


def test_a_user_without_devices_gets_an_empty_list(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    for device in emulator.backend.devices(emulator.credentials.user_id):
        emulator.backend.remove_device(emulator.credentials.user_id, device.device_id)

    assert client.devices.list() == []


def test_without_a_user_id_devices_is_a_configuration_error_naming_the_variable(
    emulator: RunningEmulator,
) -> None:
    sdk = KooDrive(base_url=emulator.base_url, token=emulator.credentials.token, environ={})

    with sdk, pytest.raises(ConfigurationError, match="KOODRIVE_USER_ID"):
        sdk.devices.list()


def test_the_vendor_token_form_bearer_plus_is_accepted(emulator: RunningEmulator) -> None:
    with KooDrive(
        base_url=emulator.base_url,
        token=emulator.credentials.token,
        user_id=emulator.credentials.user_id,
        token_style="bearer+",
        environ={},
    ) as sdk:
        devices = sdk.devices.list()
    assert len(devices) == len(emulator.backend.devices(emulator.credentials.user_id))
