"""Contains all the data models used in inputs/outputs"""

from .bound_device_entity import BoundDeviceEntity
from .gateway_error import GatewayError
from .list_bound_devices_response import ListBoundDevicesResponse
from .list_user_groups_response import ListUserGroupsResponse
from .service_error import ServiceError
from .source_type import SourceType
from .user_group_info import UserGroupInfo

__all__ = (
    "BoundDeviceEntity",
    "GatewayError",
    "ListBoundDevicesResponse",
    "ListUserGroupsResponse",
    "ServiceError",
    "SourceType",
    "UserGroupInfo",
)
