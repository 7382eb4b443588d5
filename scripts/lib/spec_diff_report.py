"""What `scripts/spec-diff` prints: one verdict, written for the reader who asked.

- `text`: the change list and the verdict, for a terminal.
- `markdown`: a pull-request comment: what breaks, for whom, the version bump required.
- `json`: the same facts for a program.
- `github`: GitHub Actions workflow commands, an annotation on the spec's line per change
  that needs a reviewer, then the text report.
- `changelog`: a drafted CHANGELOG.md entry (Keep a Changelog) for the release.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from packaging.version import Version
from specdiff import Change, Severity
from versioning import Bump, next_version, satisfies


@dataclass(frozen=True)
class Verdict:
    """The comparison and what it asks of the release."""

    base_label: str
    head_label: str
    old_version: Version
    new_version: Version
    changes: list[Change]
    head_file: str  # the spec's path as a reviewer's tools name it (annotations)
    head_text: str  # the new spec's text, to find a change's line
    base_argument: str = "<base>"  # how the base was named on the command line

    @property
    def bump(self) -> Bump:
        if self.count(Severity.BREAKING):
            return Bump.MAJOR
        if any(not change.documentation for change in self.changes):
            return Bump.MINOR
        return Bump.PATCH if self.changes else Bump.NONE

    @property
    def least_version(self) -> Version:
        """The smallest info.version the changes allow."""
        return next_version(self.old_version, self.bump)

    @property
    def passes(self) -> bool:
        """The gate: a breaking change needs the major bump; the rest is advice."""
        return self.bump is not Bump.MAJOR or satisfies(
            self.old_version, self.new_version, Bump.MAJOR
        )

    @property
    def version_is_enough(self) -> bool:
        return satisfies(self.old_version, self.new_version, self.bump)

    def count(self, severity: Severity) -> int:
        return sum(change.severity is severity for change in self.changes)

    def of(self, severity: Severity) -> list[Change]:
        return [change for change in self.changes if change.severity is severity]


FAILURE = (
    "spec-diff: FAILED: breaking changes need a major version bump, but info.version went"
    " {old} -> {new}. Set it to {least} or later (below 1.0 a minor bump is major) and add a"
    " CHANGELOG.md entry."
)


def failure_message(verdict: Verdict) -> str:
    return FAILURE.format(
        old=verdict.old_version, new=verdict.new_version, least=verdict.least_version
    )


def text(verdict: Verdict) -> str:
    lines = [
        f"spec-diff: {verdict.base_label} ({verdict.old_version}) -> {verdict.head_label}"
        f" ({verdict.new_version})"
    ]
    lines += [f"  {change}" for change in verdict.changes]
    lines.append(
        f"spec-diff: {verdict.count(Severity.BREAKING)} breaking,"
        f" {verdict.count(Severity.COMPATIBLE)} compatible change(s)"
        + (
            f", {verdict.count(Severity.SUITE)} weakens the contract suite"
            if verdict.count(Severity.SUITE)
            else ""
        )
    )
    return "\n".join(lines) + "\n"


_BUMP_WORDS = {
    Bump.MAJOR: "a major release (breaking changes)",
    Bump.MINOR: "a minor release (compatible additions)",
    Bump.PATCH: "a patch release (documentation only)",
}


def markdown(verdict: Verdict) -> str:
    breaking, suite = verdict.of(Severity.BREAKING), verdict.of(Severity.SUITE)
    compatible = verdict.of(Severity.COMPATIBLE)
    if not verdict.passes:
        title = f"{len(breaking)} breaking change(s) without a major version bump"
    elif breaking:
        title = f"{len(breaking)} breaking change(s), released as a major version"
    else:
        title = "no breaking change"
    lines = [
        f"### spec-diff: {'fails' if not verdict.passes else 'passes'}: {title}",
        "",
        f"`{verdict.base_label}` ({verdict.old_version}) → `{verdict.head_label}`"
        f" ({verdict.new_version})",
        "",
        _version_advice(verdict),
    ]
    if breaking:
        lines += [
            "",
            f"#### Breaking ({len(breaking)}): what breaks, for whom",
            "",
            "| Where | Change | Breaks |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {_code(c.location)} | {_cell(c.message)} | {_cell(str(c.affects or ''))} |"
            for c in breaking
        ]
    if suite:
        lines += [
            "",
            f"#### Weakens the contract suite ({len(suite)})",
            "",
            "Callers are not affected; the contract suite tests less. Restore the link, or",
            "accept that its stateful phase no longer walks it.",
            "",
            "| Where | Change |",
            "| --- | --- |",
        ]
        lines += [f"| {_code(c.location)} | {_cell(c.message)} |" for c in suite]
    if compatible:
        lines += [
            "",
            f"<details><summary>{len(compatible)} compatible change(s)</summary>",
            "",
            "| Where | Change |",
            "| --- | --- |",
        ]
        lines += [f"| {_code(c.location)} | {_cell(c.message)} |" for c in compatible]
        lines += ["", "</details>"]
    if verdict.changes:
        lines += [
            "",
            "Next: "
            + (
                f"set `info.version` to {verdict.least_version} and add a CHANGELOG.md entry"
                if not verdict.version_is_enough
                else "add a CHANGELOG.md entry"
            )
            + f" (`scripts/spec-diff --changelog {verdict.base_argument}` drafts one).",
        ]
    return "\n".join(lines) + "\n"


def _version_advice(verdict: Verdict) -> str:
    if verdict.bump is Bump.NONE:
        return "**Version.** Nothing changed: no release is needed."
    below_one = (
        " (below 1.0 the minor number is the major one)" if verdict.old_version.major == 0 else ""
    )
    verdict_on_version = (
        f"It is {verdict.new_version}: enough."
        if verdict.version_is_enough
        else f"It is {verdict.new_version}: **set it to {verdict.least_version}**."
    )
    return (
        f"**Version.** These changes need {_BUMP_WORDS[verdict.bump]}: `info.version`"
        f" {verdict.least_version} or later{below_one}. {verdict_on_version}"
    )


def as_json(verdict: Verdict) -> str:
    lines = _lines(verdict)
    document = {
        "base": {"label": verdict.base_label, "version": str(verdict.old_version)},
        "head": {"label": verdict.head_label, "version": str(verdict.new_version)},
        "passes": verdict.passes,
        "required_bump": verdict.bump.name.lower(),
        "least_version": str(verdict.least_version),
        "version_is_enough": verdict.version_is_enough,
        "counts": {severity.value: verdict.count(severity) for severity in Severity},
        "changes": [
            {
                "severity": change.severity.value,
                "location": change.location,
                "message": change.message,
                "affects": change.affects.value if change.affects else None,
                "documentation": change.documentation,
                "line": lines.get(change.location),
            }
            for change in verdict.changes
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def github(verdict: Verdict) -> str:
    """Workflow commands: an error per breaking change when the gate fails (a warning when
    the major bump is there), a warning per change that weakens the contract suite."""
    lines = _lines(verdict)
    commands = []
    for change in verdict.changes:
        if change.severity is Severity.COMPATIBLE:
            continue
        level = (
            "error" if change.severity is Severity.BREAKING and not verdict.passes else "warning"
        )
        title = "breaking change" if change.severity is Severity.BREAKING else "contract suite"
        properties = f"file={_property(verdict.head_file)}"
        if change.location in lines:
            properties += f",line={lines[change.location]}"
        properties += f",title={_property('spec-diff: ' + title)}"
        detail = f"{change.location}: {change.message}"
        if change.affects:
            detail += f". Breaks: {change.affects}"
        commands.append(f"::{level} {properties}::{_data(detail)}")
    return "\n".join(commands) + ("\n" if commands else "") + text(verdict)


_SECTIONS = ("Added", "Changed", "Deprecated", "Removed")


def changelog(verdict: Verdict, today: datetime.date | None = None) -> str:
    """A Keep a Changelog entry for the release, to edit before it is committed."""
    version = verdict.new_version if verdict.version_is_enough else verdict.least_version
    day = (today or datetime.datetime.now(tz=datetime.UTC).date()).isoformat()
    sections: dict[str, list[str]] = {name: [] for name in _SECTIONS}
    for change in verdict.changes:
        if change.documentation:
            continue
        words = change.message.split(" (", 1)[0]
        if "deprecated" in words:
            section = "Deprecated"
        elif words.endswith("removed"):
            section = "Removed"
        elif words.endswith("added") or words.startswith("new "):
            section = "Added"
        else:
            section = "Changed"
        prefix = "**Breaking:** " if change.severity is Severity.BREAKING else ""
        sections[section].append(f"- {prefix}`{change.location}`: {change.message}.")
    lines = [f"## [{version}] - {day}"]
    for name in _SECTIONS:
        if sections[name]:
            lines += ["", f"### {name}", "", *sections[name]]
    if len(lines) == 1:
        lines += ["", "### Changed", "", "- Documentation of openapi.yaml."]
    return "\n".join(lines) + "\n"


RENDERERS: Mapping[str, Callable[[Verdict], str]] = {
    "text": text,
    "markdown": markdown,
    "json": as_json,
    "github": github,
}


def _lines(verdict: Verdict) -> dict[str, int]:
    """The line of the new spec each change's location starts at, where there is one."""
    try:
        root = yaml.compose(verdict.head_text)
    except yaml.YAMLError:
        return {}
    found = {}
    for change in verdict.changes:
        line = _line_of(root, change.location)
        if line is not None:
            found[change.location] = line
    return found


def _line_of(root: Any, location: str) -> int | None:
    """The 1-based line of the node a location names: its operation, schema or section."""
    words = location.split(" ")
    if len(words) >= 2 and words[0].isupper() and words[1].startswith("/"):
        keys = ["paths", words[1], words[0].lower()]
    elif location.startswith("components.schemas."):
        keys = ["components", "schemas", location.split(".")[2]]
    else:
        keys = [location.split(".")[0].split(" ")[0]]
    node, line = root, None
    for key in keys:
        child = _child(node, key)
        if child is None:
            break
        key_node, node = child
        line = key_node.start_mark.line + 1
    return line


def _child(node: Any, key: str) -> tuple[Any, Any] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _code(value: str) -> str:
    return "`" + value.replace("`", "'").replace("|", "\\|") + "`"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")
