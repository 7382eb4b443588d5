from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.member_info_top import MemberInfoTop
from ..models.member_role import MemberRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="MemberInfo")


@_attrs_define
class MemberInfo:
    """A member of a group.

    Attributes:
        user_id (str): The member's user ID.
        created_time (datetime.datetime): UTC timestamp with milliseconds, e.g. `2025-09-15T06:14:48.630Z`.
        updated_time (datetime.datetime): UTC timestamp with milliseconds, e.g. `2025-09-15T06:14:48.630Z`.
        role (MemberRole): A member's role: `0` owner, `1` administrator, `2` common member.
        top (MemberInfoTop): `1` when the member pinned the group to the top of their list, else `0`.
        user_name (str | Unset): The member's name, where the tenant has one.
        dept_id (str | Unset): The member's department ID, where the tenant has one.
        dept_name (str | Unset): The member's department name, where the tenant has one.
        mobile (str | Unset): The member's mobile number, where the tenant has one.
    """

    user_id: str
    created_time: datetime.datetime
    updated_time: datetime.datetime
    role: MemberRole
    top: MemberInfoTop
    user_name: str | Unset = UNSET
    dept_id: str | Unset = UNSET
    dept_name: str | Unset = UNSET
    mobile: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        created_time = self.created_time.isoformat()

        updated_time = self.updated_time.isoformat()

        role = self.role.value

        top = self.top.value

        user_name = self.user_name

        dept_id = self.dept_id

        dept_name = self.dept_name

        mobile = self.mobile

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "userId": user_id,
                "createdTime": created_time,
                "updatedTime": updated_time,
                "role": role,
                "top": top,
            }
        )
        if user_name is not UNSET:
            field_dict["userName"] = user_name
        if dept_id is not UNSET:
            field_dict["deptId"] = dept_id
        if dept_name is not UNSET:
            field_dict["deptName"] = dept_name
        if mobile is not UNSET:
            field_dict["mobile"] = mobile

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = d.pop("userId")

        created_time = datetime.datetime.fromisoformat(d.pop("createdTime"))

        updated_time = datetime.datetime.fromisoformat(d.pop("updatedTime"))

        role = MemberRole(d.pop("role"))

        top = MemberInfoTop(d.pop("top"))

        user_name = d.pop("userName", UNSET)

        dept_id = d.pop("deptId", UNSET)

        dept_name = d.pop("deptName", UNSET)

        mobile = d.pop("mobile", UNSET)

        member_info = cls(
            user_id=user_id,
            created_time=created_time,
            updated_time=updated_time,
            role=role,
            top=top,
            user_name=user_name,
            dept_id=dept_id,
            dept_name=dept_name,
            mobile=mobile,
        )

        member_info.additional_properties = d
        return member_info

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
