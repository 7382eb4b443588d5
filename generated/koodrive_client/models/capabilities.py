from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Capabilities")


@_attrs_define
class Capabilities:
    """Permission values, sent when the permission template is custom. The vendor's
    BatchAdd page lists the first seven and is cut off; the last four come from its
    sibling pages. Each left out is `false`.

        Attributes:
            add_child_node_permission (bool | Unset): Create a file or folder.
            copy_permission (bool | Unset): Copy.
            delete_permission (bool | Unset): Delete.
            download_permission (bool | Unset): Download.
            edit_permission (bool | Unset): Edit (not supported by the vendor yet).
            list_child_node_permission (bool | Unset): See the listing.
            remove_child_node_permission (bool | Unset): Move.
            rename_file_permission (bool | Unset): Rename.
            share_file_permission (bool | Unset): Share.
            upload_permission (bool | Unset): Upload.
            view_permission (bool | Unset): Preview.
    """

    add_child_node_permission: bool | Unset = UNSET
    copy_permission: bool | Unset = UNSET
    delete_permission: bool | Unset = UNSET
    download_permission: bool | Unset = UNSET
    edit_permission: bool | Unset = UNSET
    list_child_node_permission: bool | Unset = UNSET
    remove_child_node_permission: bool | Unset = UNSET
    rename_file_permission: bool | Unset = UNSET
    share_file_permission: bool | Unset = UNSET
    upload_permission: bool | Unset = UNSET
    view_permission: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        add_child_node_permission = self.add_child_node_permission

        copy_permission = self.copy_permission

        delete_permission = self.delete_permission

        download_permission = self.download_permission

        edit_permission = self.edit_permission

        list_child_node_permission = self.list_child_node_permission

        remove_child_node_permission = self.remove_child_node_permission

        rename_file_permission = self.rename_file_permission

        share_file_permission = self.share_file_permission

        upload_permission = self.upload_permission

        view_permission = self.view_permission

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if add_child_node_permission is not UNSET:
            field_dict["addChildNodePermission"] = add_child_node_permission
        if copy_permission is not UNSET:
            field_dict["copyPermission"] = copy_permission
        if delete_permission is not UNSET:
            field_dict["deletePermission"] = delete_permission
        if download_permission is not UNSET:
            field_dict["downloadPermission"] = download_permission
        if edit_permission is not UNSET:
            field_dict["editPermission"] = edit_permission
        if list_child_node_permission is not UNSET:
            field_dict["listChildNodePermission"] = list_child_node_permission
        if remove_child_node_permission is not UNSET:
            field_dict["removeChildNodePermission"] = remove_child_node_permission
        if rename_file_permission is not UNSET:
            field_dict["renameFilePermission"] = rename_file_permission
        if share_file_permission is not UNSET:
            field_dict["shareFilePermission"] = share_file_permission
        if upload_permission is not UNSET:
            field_dict["uploadPermission"] = upload_permission
        if view_permission is not UNSET:
            field_dict["viewPermission"] = view_permission

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        add_child_node_permission = d.pop("addChildNodePermission", UNSET)

        copy_permission = d.pop("copyPermission", UNSET)

        delete_permission = d.pop("deletePermission", UNSET)

        download_permission = d.pop("downloadPermission", UNSET)

        edit_permission = d.pop("editPermission", UNSET)

        list_child_node_permission = d.pop("listChildNodePermission", UNSET)

        remove_child_node_permission = d.pop("removeChildNodePermission", UNSET)

        rename_file_permission = d.pop("renameFilePermission", UNSET)

        share_file_permission = d.pop("shareFilePermission", UNSET)

        upload_permission = d.pop("uploadPermission", UNSET)

        view_permission = d.pop("viewPermission", UNSET)

        capabilities = cls(
            add_child_node_permission=add_child_node_permission,
            copy_permission=copy_permission,
            delete_permission=delete_permission,
            download_permission=download_permission,
            edit_permission=edit_permission,
            list_child_node_permission=list_child_node_permission,
            remove_child_node_permission=remove_child_node_permission,
            rename_file_permission=rename_file_permission,
            share_file_permission=share_file_permission,
            upload_permission=upload_permission,
            view_permission=view_permission,
        )

        return capabilities
