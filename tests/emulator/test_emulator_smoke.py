"""The core in one pass: both operations, both auth modes, against the running server."""

from __future__ import annotations

import httpx
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator, running_emulator

FIRST_PAGE = {"pageSize": "100", "pageCursor": "", "sourceType": "0"}


def test_token_lists_groups_and_app_signature_lists_devices(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    groups = http.get(GROUPS, params=FIRST_PAGE, headers=emulator.token_headers())
    assert groups.status_code == 200, groups.text
    assert groups.json()["total"] == len(
        emulator.backend.groups(emulator.credentials.user_id, source_type=0)
    )
    devices = http.get(DEVICES, headers=emulator.signed_headers(DEVICES))
    assert devices.status_code == 200, devices.text
    assert [d["deviceId"] for d in devices.json()["data"]] == [
        d.device_id for d in emulator.backend.devices(emulator.credentials.user_id)
    ]


def test_running_emulator_serves_and_stops() -> None:
    with running_emulator() as emulator:
        response = httpx.get(emulator.url("/openapi.yaml"))
        assert response.status_code == 200
        base_url = emulator.base_url
    try:
        httpx.get(base_url + "/openapi.yaml", timeout=2)
    except httpx.TransportError:
        pass
    else:
        raise AssertionError("the server still answers after the block ended")
