from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.source_type import SourceType
from ..models.update_user_group_request_role import UpdateUserGroupRequestRole
from ..models.update_user_group_request_top import UpdateUserGroupRequestTop
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateUserGroupRequest")


@_attrs_define
class UpdateUserGroupRequest:
    """
    Attributes:
        group_name (str): A group name: 1 to 30 characters, none of `<>|:"*?/\\` and no emoji, not `.` or
            `..`, and not only spaces (the union of the vendor's editions; see
            `x-koodrive-decisions`).
        source_type (SourceType): Kind of group: `0` a group, `1` a user group.
        icon_url (str | Unset): The group's icon, an http(s) URL.
        top (UpdateUserGroupRequestTop | Unset): `"1"` pins the group to the top of the user's list, `"0"` shows it in
            order. A
            string, as the vendor's table types it (see `x-koodrive-decisions`).
        user_id (str | Unset): A KooDrive user ID, a long string of digits.
        role (UpdateUserGroupRequestRole | Unset): The new role of the member `userId` names: `"1"` administrator, `"2"`
            common
            member. A string, as the vendor's table types it. `"0"` (owner) is not
            accepted: a group has one owner (see `x-koodrive-decisions`).
    """

    group_name: str
    source_type: SourceType
    icon_url: str | Unset = UNSET
    top: UpdateUserGroupRequestTop | Unset = UNSET
    user_id: str | Unset = UNSET
    role: UpdateUserGroupRequestRole | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        group_name = self.group_name

        source_type = self.source_type.value

        icon_url = self.icon_url

        top: str | Unset = UNSET
        if not isinstance(self.top, Unset):
            top = self.top.value

        user_id = self.user_id

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "groupName": group_name,
                "sourceType": source_type,
            }
        )
        if icon_url is not UNSET:
            field_dict["iconUrl"] = icon_url
        if top is not UNSET:
            field_dict["top"] = top
        if user_id is not UNSET:
            field_dict["userId"] = user_id
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        group_name = d.pop("groupName")

        source_type = SourceType(d.pop("sourceType"))

        icon_url = d.pop("iconUrl", UNSET)

        _top = d.pop("top", UNSET)
        top: UpdateUserGroupRequestTop | Unset
        if isinstance(_top, Unset):
            top = UNSET
        else:
            top = UpdateUserGroupRequestTop(_top)

        user_id = d.pop("userId", UNSET)

        _role = d.pop("role", UNSET)
        role: UpdateUserGroupRequestRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = UpdateUserGroupRequestRole(_role)

        update_user_group_request = cls(
            group_name=group_name,
            source_type=source_type,
            icon_url=icon_url,
            top=top,
            user_id=user_id,
            role=role,
        )

        return update_user_group_request
