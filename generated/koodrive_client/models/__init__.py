"""Contains all the data models used in inputs/outputs"""

from .amend_mod_role import AmendModRole
from .amend_mod_role_delete import AmendModRoleDelete
from .batch_add_group_members_request import BatchAddGroupMembersRequest
from .batch_delete_group_members_request import BatchDeleteGroupMembersRequest
from .batch_members_result import BatchMembersResult
from .batch_status import BatchStatus
from .bind_device_request import BindDeviceRequest
from .bound_device_entity import BoundDeviceEntity
from .bound_device_response import BoundDeviceResponse
from .capabilities import Capabilities
from .create_user_group_request import CreateUserGroupRequest
from .create_user_group_response import CreateUserGroupResponse
from .gateway_error import GatewayError
from .get_user_group_response import GetUserGroupResponse
from .list_bound_devices_response import ListBoundDevicesResponse
from .list_user_group_members_response import ListUserGroupMembersResponse
from .list_user_groups_response import ListUserGroupsResponse
from .member_info import MemberInfo
from .member_info_top import MemberInfoTop
from .member_role import MemberRole
from .service_error import ServiceError
from .source_type import SourceType
from .update_user_group_request import UpdateUserGroupRequest
from .update_user_group_request_role import UpdateUserGroupRequestRole
from .update_user_group_request_top import UpdateUserGroupRequestTop
from .user_group_detail import UserGroupDetail
from .user_group_info import UserGroupInfo
from .write_result import WriteResult

__all__ = (
    "AmendModRole",
    "AmendModRoleDelete",
    "BatchAddGroupMembersRequest",
    "BatchDeleteGroupMembersRequest",
    "BatchMembersResult",
    "BatchStatus",
    "BindDeviceRequest",
    "BoundDeviceEntity",
    "BoundDeviceResponse",
    "Capabilities",
    "CreateUserGroupRequest",
    "CreateUserGroupResponse",
    "GatewayError",
    "GetUserGroupResponse",
    "ListBoundDevicesResponse",
    "ListUserGroupMembersResponse",
    "ListUserGroupsResponse",
    "MemberInfo",
    "MemberInfoTop",
    "MemberRole",
    "ServiceError",
    "SourceType",
    "UpdateUserGroupRequest",
    "UpdateUserGroupRequestRole",
    "UpdateUserGroupRequestTop",
    "UserGroupDetail",
    "UserGroupInfo",
    "WriteResult",
)
