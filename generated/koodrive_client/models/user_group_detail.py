from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.source_type import SourceType
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserGroupDetail")


@_attrs_define
class UserGroupDetail:
    """A group, as its details show it.

    Attributes:
        id (str): User group ID, a long string of digits.
        group_name (str): User group name.
        owner_id (str): ID of the user who owns the group.
        tenant_id (str): ID of the tenant (the enterprise) the group belongs to.
        source_type (SourceType): Kind of group: `0` a group, `1` a user group.
        created_time (datetime.datetime): UTC timestamp with milliseconds, e.g. `2025-09-15T06:14:48.630Z`.
        updated_time (datetime.datetime): UTC timestamp with milliseconds, e.g. `2025-09-15T06:14:48.630Z`.
        icon_url (str | Unset): The group's icon; absent when none was set.
    """

    id: str
    group_name: str
    owner_id: str
    tenant_id: str
    source_type: SourceType
    created_time: datetime.datetime
    updated_time: datetime.datetime
    icon_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        group_name = self.group_name

        owner_id = self.owner_id

        tenant_id = self.tenant_id

        source_type = self.source_type.value

        created_time = self.created_time.isoformat()

        updated_time = self.updated_time.isoformat()

        icon_url = self.icon_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "groupName": group_name,
                "ownerId": owner_id,
                "tenantId": tenant_id,
                "sourceType": source_type,
                "createdTime": created_time,
                "updatedTime": updated_time,
            }
        )
        if icon_url is not UNSET:
            field_dict["iconUrl"] = icon_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        group_name = d.pop("groupName")

        owner_id = d.pop("ownerId")

        tenant_id = d.pop("tenantId")

        source_type = SourceType(d.pop("sourceType"))

        created_time = datetime.datetime.fromisoformat(d.pop("createdTime"))

        updated_time = datetime.datetime.fromisoformat(d.pop("updatedTime"))

        icon_url = d.pop("iconUrl", UNSET)

        user_group_detail = cls(
            id=id,
            group_name=group_name,
            owner_id=owner_id,
            tenant_id=tenant_id,
            source_type=source_type,
            created_time=created_time,
            updated_time=updated_time,
            icon_url=icon_url,
        )

        user_group_detail.additional_properties = d
        return user_group_detail

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
