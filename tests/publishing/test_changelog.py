"""CHANGELOG.md has a dated Keep a Changelog entry for the spec's info.version."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from distcheck import spec_version

ROOT = Path(__file__).resolve().parents[2]
CHANGELOG = ROOT / "CHANGELOG.md"
# `## [1.2.0] - 2026-11-23`
RELEASE_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.M)


def releases() -> dict[str, date]:
    text = CHANGELOG.read_text(encoding="utf-8")
    return {
        match["version"]: date.fromisoformat(match["date"])
        for match in RELEASE_HEADING.finditer(text)
    }


def test_the_current_version_has_an_entry() -> None:
    version = spec_version(ROOT / "openapi.yaml")
    assert version in releases(), (
        f"CHANGELOG.md has no `## [{version}] - YYYY-MM-DD` entry for info.version {version}"
    )


def test_the_entry_of_the_current_version_says_what_changed() -> None:
    version = spec_version(ROOT / "openapi.yaml")
    text = CHANGELOG.read_text(encoding="utf-8")
    entry = text.split(f"## [{version}]", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"^### (Added|Changed|Deprecated|Removed|Fixed|Security)$", entry, re.M)
    assert re.search(r"^- \S", entry, re.M)


def test_entries_are_newest_first_and_each_version_has_a_link() -> None:
    entries = releases()
    dates = list(entries.values())
    assert dates == sorted(dates, reverse=True)
    text = CHANGELOG.read_text(encoding="utf-8")
    for version in entries:
        assert re.search(rf"^\[{re.escape(version)}\]: \S+$", text, re.M), version
