"""KooDrive SDK: a typed client for the KooDrive API.

    from koodrive import KooDrive, SourceType

    client = KooDrive()  # KOODRIVE_BASE_URL, KOODRIVE_TOKEN, ... from the environment
    for group in client.user_groups.list(source_type=SourceType.USER_GROUP):
        print(group.id, group.group_name)

The results are the generated models (`koodrive_client.models`), re-exported here.
"""

from koodrive_client.models import BoundDeviceEntity, SourceType, UserGroupInfo

from . import errors
from ._client import AsyncKooDrive, KooDrive
from ._types import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven, Timeout
from ._version import VERSION
from .auth import AppSignatureAuth, TokenAuth
from .errors import *  # noqa: F403 (errors.__all__ is the one list of exceptions)
from .pagination import AsyncPager, Page, SyncPager
from .retries import Backoff

__version__ = VERSION
__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "AppSignatureAuth",
    "AsyncKooDrive",
    "AsyncPager",
    "Backoff",
    "BoundDeviceEntity",
    "KooDrive",
    "NotGiven",
    "Page",
    "SourceType",
    "SyncPager",
    "Timeout",
    "TokenAuth",
    "UserGroupInfo",
]
__all__ += errors.__all__
