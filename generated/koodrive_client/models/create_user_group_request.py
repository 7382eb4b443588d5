from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.source_type import SourceType

T = TypeVar("T", bound="CreateUserGroupRequest")


@_attrs_define
class CreateUserGroupRequest:
    """
    Attributes:
        group_name (str): A group name: 1 to 30 characters, none of `<>|:"*?/\\` and no emoji, not `.` or
            `..`, and not only spaces (the union of the vendor's editions; see
            `x-koodrive-decisions`).
        source_type (SourceType): Kind of group: `0` a group, `1` a user group.
    """

    group_name: str
    source_type: SourceType

    def to_dict(self) -> dict[str, Any]:
        group_name = self.group_name

        source_type = self.source_type.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "groupName": group_name,
                "sourceType": source_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        group_name = d.pop("groupName")

        source_type = SourceType(d.pop("sourceType"))

        create_user_group_request = cls(
            group_name=group_name,
            source_type=source_type,
        )

        return create_user_group_request
