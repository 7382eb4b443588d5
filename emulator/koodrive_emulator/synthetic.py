"""Generated devices, groups and members for scale: deterministic for a seed, cheap to make."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from koodrive_emulator.models import Device, Group, SourceType

_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_ADJECTIVES = ("Blue", "Quiet", "Rapid", "Golden", "North", "Bright", "Silver", "Green")
_NOUNS = ("Team", "Project", "Family", "Design", "Sales", "Backup", "Photos", "Research")
_DEVICES = (
    ("android", "Magic v3"),
    ("android", "Magic-v5"),
    ("harmonyos", "MatePad Pro"),
    ("windows", "MateBook X"),
    ("ios", "iPhone"),
)


def synthetic_groups(user_id: str, count: int, *, seed: int, first_id: int) -> Iterator[Group]:
    """`count` groups named like "Blue Team 42"; every third one is a user group (sourceType 1)."""
    if count < 0:
        raise ValueError("groups must be 0 or more")
    rng = random.Random(seed)
    adjectives = [rng.choice(_ADJECTIVES) for _ in range(97)]
    nouns = [rng.choice(_NOUNS) for _ in range(89)]
    step = timedelta(seconds=61, milliseconds=7)
    created = _EPOCH + timedelta(seconds=rng.randrange(86_400))
    for index in range(count):
        created += step
        yield Group(
            id=str(first_id + index),
            group_name=f"{adjectives[index % 97]} {nouns[index % 89]} {index + 1}",
            owner_id=user_id,
            created_time=created,
            updated_time=created,
            source_type=SourceType.USER_GROUP if index % 3 == 2 else SourceType.GROUP,
        )


def synthetic_devices(count: int, *, seed: int, first_id: int) -> Iterator[Device]:
    if count < 0:
        raise ValueError("devices must be 0 or more")
    rng = random.Random(seed + 1)
    for index in range(count):
        created = _EPOCH + timedelta(seconds=rng.randrange(365 * 86_400), milliseconds=index)
        device_os, name = _DEVICES[index % len(_DEVICES)]
        yield Device(
            device_id=str(first_id + index),
            machine_code=f"{created:%Y%m%d}",
            device_os=device_os,
            device_name=f"{name} ({index + 1})",
            create_time=created,
        )


# The spec's limit of groups a user joins (x-koodrive-behaviour limit-per-owner): each
# generated member joins at most this many.
GROUPS_PER_MEMBER = 200


def synthetic_memberships(count: int, groups: int) -> Iterator[tuple[int, int]]:
    """`count` memberships spread evenly over `groups` groups, as (member, group) indexes in
    the order they join: membership i joins member i // k to group i % `groups`, where k is
    `GROUPS_PER_MEMBER` (or `groups`, when fewer): each member joins k consecutive groups
    (modulo `groups`, so never one twice), and each group gets count // groups members or
    one more. `member_count(count, groups)` members in all."""
    per_member = min(GROUPS_PER_MEMBER, groups) if member_count(count, groups) else 1
    for index in range(count):
        yield index // per_member, index % groups


def member_count(count: int, groups: int) -> int:
    """How many members `synthetic_memberships(count, groups)` needs."""
    if count < 0:
        raise ValueError("members must be 0 or more")
    if count == 0:
        return 0
    if groups <= 0:
        raise ValueError("members are spread over generated groups: ask for groups too")
    per_member = min(GROUPS_PER_MEMBER, groups)
    return -(-count // per_member)
