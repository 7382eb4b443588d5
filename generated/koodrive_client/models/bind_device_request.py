from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BindDeviceRequest")


@_attrs_define
class BindDeviceRequest:
    """
    Attributes:
        machine_code (str): The device's machine code, which identifies it among the user's devices.
        device_name (str | Unset): A name for the device.
        device_os (str | Unset): The device's operating system, e.g. `android`.
    """

    machine_code: str
    device_name: str | Unset = UNSET
    device_os: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        machine_code = self.machine_code

        device_name = self.device_name

        device_os = self.device_os

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "machineCode": machine_code,
            }
        )
        if device_name is not UNSET:
            field_dict["deviceName"] = device_name
        if device_os is not UNSET:
            field_dict["deviceOS"] = device_os

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        machine_code = d.pop("machineCode")

        device_name = d.pop("deviceName", UNSET)

        device_os = d.pop("deviceOS", UNSET)

        bind_device_request = cls(
            machine_code=machine_code,
            device_name=device_name,
            device_os=device_os,
        )

        return bind_device_request
