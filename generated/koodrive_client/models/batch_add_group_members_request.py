from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.amend_mod_role import AmendModRole


T = TypeVar("T", bound="BatchAddGroupMembersRequest")


@_attrs_define
class BatchAddGroupMembersRequest:
    """
    Attributes:
        amend_mod_roles (list[AmendModRole]): The users to add, at most 200 (a group's capacity).
    """

    amend_mod_roles: list[AmendModRole]

    def to_dict(self) -> dict[str, Any]:
        amend_mod_roles = []
        for amend_mod_roles_item_data in self.amend_mod_roles:
            amend_mod_roles_item = amend_mod_roles_item_data.to_dict()
            amend_mod_roles.append(amend_mod_roles_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amendModRoles": amend_mod_roles,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.amend_mod_role import AmendModRole

        d = dict(src_dict)
        amend_mod_roles = []
        _amend_mod_roles = d.pop("amendModRoles")
        for amend_mod_roles_item_data in _amend_mod_roles:
            amend_mod_roles_item = AmendModRole.from_dict(amend_mod_roles_item_data)

            amend_mod_roles.append(amend_mod_roles_item)

        batch_add_group_members_request = cls(
            amend_mod_roles=amend_mod_roles,
        )

        return batch_add_group_members_request
