from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BoundDeviceEntity")


@_attrs_define
class BoundDeviceEntity:
    """A device bound to the user.

    Attributes:
        device_id (str): Device ID, a string of digits.
        machine_code (str): Machine code of the device, e.g. `20250911`.
        device_os (str): Operating system of the device, e.g. `android`.
        device_name (str): Name the user gave the device.
        create_time (datetime.datetime): UTC timestamp with milliseconds, e.g. `2025-09-15T06:14:48.630Z`.
    """

    device_id: str
    machine_code: str
    device_os: str
    device_name: str
    create_time: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        device_id = self.device_id

        machine_code = self.machine_code

        device_os = self.device_os

        device_name = self.device_name

        create_time = self.create_time.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deviceId": device_id,
                "machineCode": machine_code,
                "deviceOS": device_os,
                "deviceName": device_name,
                "createTime": create_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        device_id = d.pop("deviceId")

        machine_code = d.pop("machineCode")

        device_os = d.pop("deviceOS")

        device_name = d.pop("deviceName")

        create_time = datetime.datetime.fromisoformat(d.pop("createTime"))

        bound_device_entity = cls(
            device_id=device_id,
            machine_code=machine_code,
            device_os=device_os,
            device_name=device_name,
            create_time=create_time,
        )

        bound_device_entity.additional_properties = d
        return bound_device_entity

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
