from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AmendModRoleDelete")


@_attrs_define
class AmendModRoleDelete:
    """
    Attributes:
        user_id (int): A user ID as the batch tables type it, a Long: a JSON number (see
            `x-koodrive-decisions`).
    """

    user_id: int

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "userId": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = d.pop("userId")

        amend_mod_role_delete = cls(
            user_id=user_id,
        )

        return amend_mod_role_delete
