from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.member_info import MemberInfo


T = TypeVar("T", bound="ListUserGroupMembersResponse")


@_attrs_define
class ListUserGroupMembersResponse:
    """
    Attributes:
        code (int): `0` on success, a service error code otherwise. The vendor's pages show it both as a
            number and as a string; this spec takes the number (see `x-koodrive-decisions`).
        msg (str): Response information, e.g. `OK`.
        total (int): How many members match, over all pages.
        user_group_member_infos (list[MemberInfo]): The members of this page, in the order they joined.
    """

    code: int
    msg: str
    total: int
    user_group_member_infos: list[MemberInfo]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        total = self.total

        user_group_member_infos = []
        for user_group_member_infos_item_data in self.user_group_member_infos:
            user_group_member_infos_item = user_group_member_infos_item_data.to_dict()
            user_group_member_infos.append(user_group_member_infos_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "msg": msg,
                "total": total,
                "userGroupMemberInfos": user_group_member_infos,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.member_info import MemberInfo

        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg")

        total = d.pop("total")

        user_group_member_infos = []
        _user_group_member_infos = d.pop("userGroupMemberInfos")
        for user_group_member_infos_item_data in _user_group_member_infos:
            user_group_member_infos_item = MemberInfo.from_dict(
                user_group_member_infos_item_data
            )

            user_group_member_infos.append(user_group_member_infos_item)

        list_user_group_members_response = cls(
            code=code,
            msg=msg,
            total=total,
            user_group_member_infos=user_group_member_infos,
        )

        list_user_group_members_response.additional_properties = d
        return list_user_group_members_response

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
