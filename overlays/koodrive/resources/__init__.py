"""The API's operations, grouped as the spec's tags: devices and user groups."""

from .devices import AsyncDevices, Devices
from .user_groups import AsyncUserGroups, UserGroups

__all__ = ["AsyncDevices", "AsyncUserGroups", "Devices", "UserGroups"]
