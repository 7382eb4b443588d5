"""The service's refusal of bad parameters, and the list-user-groups query once checked.

The checks themselves, and `ValidationError`, are the spec layer's
(`koodrive_spec.request_rules`). Every problem is reported at once in the service's style:
`Verify parameters failed: pageSize must be an integer from 1 to 100`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from koodrive_spec.request_rules import ValidationError

from koodrive_emulator.models import SourceType

__all__ = ["GroupsQuery", "ValidationError", "groups_query", "typed_value"]


@dataclass(frozen=True)
class GroupsQuery:
    """What list-user-groups asks the backend for (the pager reads the paging parameters)."""

    source_type: SourceType
    group_name: str | None


def groups_query(values: Mapping[str, object]) -> GroupsQuery:
    """The list-user-groups filters from its parameter values, checked against the spec."""
    name = values.get("groupName")
    return GroupsQuery(
        SourceType(typed_value(values, "sourceType", int)),
        None if name is None else typed_value(values, "groupName", str),
    )


_T = TypeVar("_T")


def typed_value(values: Mapping[str, object], name: str, kind: type[_T]) -> _T:
    value = values.get(name)
    if not isinstance(value, kind):
        # The spec's schema and this handler disagree: a bug here, not a bad request.
        raise TypeError(f"{name} read as {type(value).__name__}, the handler needs {kind.__name__}")
    return value
