"""The spec as shipped inside the package (a symlink to the repository's openapi.yaml that
the wheel build materialises), loaded once."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def spec_bytes() -> bytes:
    return resources.files("koodrive_emulator").joinpath("openapi.yaml").read_bytes()


@cache
def spec_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(spec_bytes())
    return document
