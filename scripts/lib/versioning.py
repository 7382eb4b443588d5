"""The versioning rule of the SDK: a breaking change needs a major bump of `info.version`.

Semantic Versioning, read below 1.0 the way Cargo reads it: the left-most non-zero
component is the major one. So 1.4.2 -> 2.0.0 is a major bump; 0.3.1 -> 0.4.0 is one too
(0.3.1 -> 0.3.2 is not); and while the version is 0.0.z, every release counts as major.
"""

from __future__ import annotations

import enum

from packaging.version import InvalidVersion, Version


class VersionError(ValueError):
    """`info.version` is missing or is not a version."""


def parse_version(text: object, where: str) -> Version:
    try:
        return Version(str(text))
    except InvalidVersion:
        raise VersionError(
            f"{where}: info.version {text!r} is not a version (expected MAJOR.MINOR.PATCH,"
            " e.g. 1.2.0)"
        ) from None


def is_major_bump(old: Version, new: Version) -> bool:
    """Whether `new` may carry breaking changes relative to `old`."""
    return _compatibility_key(new) > _compatibility_key(old)


def next_major(version: Version) -> Version:
    """The smallest version after `version` that may carry breaking changes."""
    major, minor, patch = _components(version)
    if major > 0:
        return Version(f"{major + 1}.0.0")
    if minor > 0:
        return Version(f"0.{minor + 1}.0")
    return Version(f"0.0.{patch + 1}")


def _compatibility_key(version: Version) -> tuple[int, ...]:
    """The components two versions must share to be compatible with each other."""
    major, minor, patch = _components(version)
    if major > 0:
        return (major,)
    if minor > 0:
        return (0, minor)
    return (0, 0, patch)


def _components(version: Version) -> tuple[int, int, int]:
    return version.major, version.minor, version.micro


class Bump(enum.IntEnum):
    """The least release a set of changes needs, in Semantic Versioning's terms."""

    NONE = 0
    PATCH = 1  # documentation only
    MINOR = 2  # compatible additions
    MAJOR = 3  # breaking changes


def next_version(version: Version, bump: Bump) -> Version:
    """The smallest version after `version` that the bump allows (read as `is_major_bump`)."""
    if bump is Bump.MAJOR:
        return next_major(version)
    major, minor, patch = _components(version)
    if bump is Bump.NONE:
        return version
    if bump is Bump.MINOR and major > 0:
        return Version(f"{major}.{minor + 1}.0")
    # A patch, or below 1.0 a compatible addition: the right-most component moves.
    return Version(f"{major}.{minor}.{patch + 1}")


def satisfies(old: Version, new: Version, bump: Bump) -> bool:
    """Whether going `old` -> `new` is at least the release `bump` asks for."""
    if bump is Bump.MAJOR:
        return is_major_bump(old, new)
    return bump is Bump.NONE or new >= next_version(old, bump)
