from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.capabilities import Capabilities


T = TypeVar("T", bound="AmendModRole")


@_attrs_define
class AmendModRole:
    """
    Attributes:
        user_id (int): A user ID as the batch tables type it, a Long: a JSON number (see
            `x-koodrive-decisions`).
        template (int | Unset): The permission template's id; `-1` the anonymous template. Optional when
            adding group members (see `x-koodrive-decisions`).
        capabilities (Capabilities | Unset): Permission values, sent when the permission template is custom. The
            vendor's
            BatchAdd page lists the first seven and is cut off; the last four come from its
            sibling pages. Each left out is `false`.
    """

    user_id: int
    template: int | Unset = UNSET
    capabilities: Capabilities | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        template = self.template

        capabilities: dict[str, Any] | Unset = UNSET
        if not isinstance(self.capabilities, Unset):
            capabilities = self.capabilities.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "userId": user_id,
            }
        )
        if template is not UNSET:
            field_dict["template"] = template
        if capabilities is not UNSET:
            field_dict["capabilities"] = capabilities

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.capabilities import Capabilities

        d = dict(src_dict)
        user_id = d.pop("userId")

        template = d.pop("template", UNSET)

        _capabilities = d.pop("capabilities", UNSET)
        capabilities: Capabilities | Unset
        if isinstance(_capabilities, Unset):
            capabilities = UNSET
        else:
            capabilities = Capabilities.from_dict(_capabilities)

        amend_mod_role = cls(
            user_id=user_id,
            template=template,
            capabilities=capabilities,
        )

        return amend_mod_role
