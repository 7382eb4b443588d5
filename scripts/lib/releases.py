"""Where the last release is: the newest `v*` tag of the repository, by version order.

Both gates compare with it: spec-diff (openapi.yaml) and api-diff (the wheel's Python API).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

RELEASE_TAGS = "v*"


def last_release_tag(directory: Path) -> str | None:
    """The newest tag matching RELEASE_TAGS in the repository holding `directory`, or None."""
    listing = [
        "git",
        "-C",
        str(directory),
        "tag",
        "--list",
        RELEASE_TAGS,
        "--sort=-version:refname",
    ]
    result = subprocess.run(listing, capture_output=True, text=True, check=False)  # noqa: S603
    tags = result.stdout.split()
    return tags[0] if result.returncode == 0 and tags else None
