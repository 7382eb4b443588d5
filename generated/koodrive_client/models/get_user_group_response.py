from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.user_group_detail import UserGroupDetail


T = TypeVar("T", bound="GetUserGroupResponse")


@_attrs_define
class GetUserGroupResponse:
    """
    Attributes:
        code (int): `0` on success, a service error code otherwise. The vendor's pages show it both as a
            number and as a string; this spec takes the number (see `x-koodrive-decisions`).
        msg (str): Response information, e.g. `OK`.
        user_group (UserGroupDetail): A group, as its details show it.
    """

    code: int
    msg: str
    user_group: UserGroupDetail
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        user_group = self.user_group.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "msg": msg,
                "userGroup": user_group,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_group_detail import UserGroupDetail

        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg")

        user_group = UserGroupDetail.from_dict(d.pop("userGroup"))

        get_user_group_response = cls(
            code=code,
            msg=msg,
            user_group=user_group,
        )

        get_user_group_response.additional_properties = d
        return get_user_group_response

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
