from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_group_info import UserGroupInfo


T = TypeVar("T", bound="ListUserGroupsResponse")


@_attrs_define
class ListUserGroupsResponse:
    """
    Attributes:
        code (int): `0` on success, a service error code otherwise. The vendor's pages show it both as a
            number and as a string; this spec takes the number (see `x-koodrive-decisions`).
        msg (str): Response information, e.g. `OK`.
        user_group_list (list[UserGroupInfo]): The groups of this page; may be shorter than `pageSize`, even empty,
            before the end.
        total (int): Total number of records matching the query.
        next_cursor (str | Unset): Cursor of the next page. Absent on the last page, and only then.
    """

    code: int
    msg: str
    user_group_list: list[UserGroupInfo]
    total: int
    next_cursor: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        user_group_list = []
        for user_group_list_item_data in self.user_group_list:
            user_group_list_item = user_group_list_item_data.to_dict()
            user_group_list.append(user_group_list_item)

        total = self.total

        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "msg": msg,
                "userGroupList": user_group_list,
                "total": total,
            }
        )
        if next_cursor is not UNSET:
            field_dict["nextCursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_group_info import UserGroupInfo

        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg")

        user_group_list = []
        _user_group_list = d.pop("userGroupList")
        for user_group_list_item_data in _user_group_list:
            user_group_list_item = UserGroupInfo.from_dict(user_group_list_item_data)

            user_group_list.append(user_group_list_item)

        total = d.pop("total")

        next_cursor = d.pop("nextCursor", UNSET)

        list_user_groups_response = cls(
            code=code,
            msg=msg,
            user_group_list=user_group_list,
            total=total,
            next_cursor=next_cursor,
        )

        list_user_groups_response.additional_properties = d
        return list_user_groups_response

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
