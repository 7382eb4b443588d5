"""The API's operations, one class per resource, sync and async.

They are generated from openapi.yaml (`x-koodrive-sdk` names each operation's resource and
method) into `koodrive_resources` by scripts/regenerate; this module keeps them where the
SDK's users import them from."""

from koodrive_resources import *  # noqa: F403
from koodrive_resources import __all__ as __all__
