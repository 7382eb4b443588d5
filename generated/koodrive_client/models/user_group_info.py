from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UserGroupInfo")


@_attrs_define
class UserGroupInfo:
    """A group the user joins.

    Attributes:
        id (str): User group ID, a long string of digits.
        group_name (str): User group name.
        owner_id (str): ID of the user who created the group.
        created_time (datetime.datetime): UTC timestamp with milliseconds, e.g. `2025-09-15T06:14:48.630Z`.
        updated_time (datetime.datetime): UTC timestamp with milliseconds, e.g. `2025-09-15T06:14:48.630Z`.
    """

    id: str
    group_name: str
    owner_id: str
    created_time: datetime.datetime
    updated_time: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        group_name = self.group_name

        owner_id = self.owner_id

        created_time = self.created_time.isoformat()

        updated_time = self.updated_time.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "groupName": group_name,
                "ownerId": owner_id,
                "createdTime": created_time,
                "updatedTime": updated_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        group_name = d.pop("groupName")

        owner_id = d.pop("ownerId")

        created_time = datetime.datetime.fromisoformat(d.pop("createdTime"))

        updated_time = datetime.datetime.fromisoformat(d.pop("updatedTime"))

        user_group_info = cls(
            id=id,
            group_name=group_name,
            owner_id=owner_id,
            created_time=created_time,
            updated_time=updated_time,
        )

        user_group_info.additional_properties = d
        return user_group_info

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
