"""Contains all the data models used in inputs/outputs"""

from .bind_device_request import BindDeviceRequest
from .bound_device_entity import BoundDeviceEntity
from .bound_device_response import BoundDeviceResponse
from .create_user_group_request import CreateUserGroupRequest
from .create_user_group_response import CreateUserGroupResponse
from .gateway_error import GatewayError
from .list_bound_devices_response import ListBoundDevicesResponse
from .list_user_groups_response import ListUserGroupsResponse
from .service_error import ServiceError
from .source_type import SourceType
from .update_user_group_request import UpdateUserGroupRequest
from .update_user_group_request_top import UpdateUserGroupRequestTop
from .user_group_info import UserGroupInfo
from .write_result import WriteResult

__all__ = (
    "BindDeviceRequest",
    "BoundDeviceEntity",
    "BoundDeviceResponse",
    "CreateUserGroupRequest",
    "CreateUserGroupResponse",
    "GatewayError",
    "ListBoundDevicesResponse",
    "ListUserGroupsResponse",
    "ServiceError",
    "SourceType",
    "UpdateUserGroupRequest",
    "UpdateUserGroupRequestTop",
    "UserGroupInfo",
    "WriteResult",
)
