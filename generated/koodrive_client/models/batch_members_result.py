from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_status import BatchStatus

T = TypeVar("T", bound="BatchMembersResult")


@_attrs_define
class BatchMembersResult:
    """
    Attributes:
        code (int): `0` on success, a service error code otherwise. The vendor's pages show it both as a
            number and as a string; this spec takes the number (see `x-koodrive-decisions`).
        msg (str): Response information, e.g. `OK`.
        status (BatchStatus): `0` every user succeeded, `1` some failed, `2` all failed.
        failed_list (list[str]): The IDs of the users the batch could not add or remove, as strings; empty when
            `status` is `0`. Older editions call it `subResponseList` (see
            `x-koodrive-decisions`).
    """

    code: int
    msg: str
    status: BatchStatus
    failed_list: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        status = self.status.value

        failed_list = self.failed_list

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "msg": msg,
                "status": status,
                "failedList": failed_list,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg")

        status = BatchStatus(d.pop("status"))

        failed_list = cast(list[str], d.pop("failedList"))

        batch_members_result = cls(
            code=code,
            msg=msg,
            status=status,
            failed_list=failed_list,
        )

        batch_members_result.additional_properties = d
        return batch_members_result

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
