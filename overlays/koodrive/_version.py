"""The installed distribution's version: `koodrive.__version__`, the User-Agent and both
commands' `--version` read it from here (it is openapi.yaml's `info.version`)."""

from __future__ import annotations

from importlib import metadata
from typing import Final


def _installed_version() -> str:
    try:
        return metadata.version("koodrive-sdk")
    except metadata.PackageNotFoundError:  # imported from a checkout without installing
        return "unknown"


VERSION: Final = _installed_version()
