"""`koodrive.resources.devices`, where 0.1.0 defined these classes: kept so that imports of
that release go on working (scripts/api-diff found it gone). They are generated now."""

from koodrive_resources.devices import AsyncDevices, Devices

__all__ = ["AsyncDevices", "Devices"]
