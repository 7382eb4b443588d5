"""`koodrive.resources.user_groups`, where 0.1.0 defined these classes: kept so that imports of
that release go on working (scripts/api-diff found it gone). They are generated now."""

import inspect

from koodrive_resources.user_groups import AsyncUserGroups, UserGroups

# 0.1.0 exported the default page size; it is the spec's `pageSize` default, which the
# generated method carries, so it is read from there rather than written again.
DEFAULT_PAGE_SIZE: int = inspect.signature(UserGroups.list).parameters["page_size"].default

__all__ = ["DEFAULT_PAGE_SIZE", "AsyncUserGroups", "UserGroups"]
