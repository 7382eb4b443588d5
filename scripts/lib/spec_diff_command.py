"""`scripts/spec-diff BASE_REV`: the breaking-change gate of openapi.yaml.

Compares the spec with its state at a git revision (or with another file), prints every
change with its class and location, and fails when a breaking change comes without a major
bump of `info.version` (the rule is in versioning.py).

Exit status: 0 the gate passes, 1 breaking changes without a major bump, 2 the comparison
could not run (unknown revision, unreadable or invalid spec, bad version).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from releases import RELEASE_TAGS, last_release_tag
from spec_diff_report import RENDERERS, Verdict, changelog, failure_message
from specdiff import SpecError, compare
from versioning import VersionError, parse_version

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.last_release:
        tag = last_release_tag(arguments.spec.resolve().parent)
        if tag is None:
            print(
                f"spec-diff: no release tag ({RELEASE_TAGS}) in this repository yet:"
                " nothing to compare with"
            )
            return 0
        arguments.base_rev = tag
    try:
        new_label, new_text = _display(arguments.spec), _read_file(arguments.spec)
        if arguments.base_file is not None:
            base_label, base_text = str(arguments.base_file), _read_file(arguments.base_file)
        else:
            base_label = f"{arguments.spec.name} at {arguments.base_rev}"
            base_text = _read_at_revision(arguments.spec, arguments.base_rev)
        old, new = _load(base_text, base_label), _load(new_text, new_label)
        verdict = Verdict(
            base_label=base_label,
            head_label=new_label,
            old_version=parse_version(old.get("info", {}).get("version"), base_label),
            new_version=parse_version(new.get("info", {}).get("version"), new_label),
            changes=compare(old, new),
            head_file=new_label,
            head_text=new_text,
            base_argument=(
                f"--base-file {arguments.base_file}"
                if arguments.base_file is not None
                else arguments.base_rev
            ),
        )
    except (SpecError, VersionError) as error:
        print(f"spec-diff: {error}", file=sys.stderr)
        return 2
    if arguments.changelog:
        sys.stdout.write(changelog(verdict))
        return 0
    sys.stdout.write(RENDERERS[arguments.format](verdict))
    if not verdict.passes:
        print(failure_message(verdict), file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/spec-diff",
        description=(
            "Classify every change of openapi.yaml since BASE_REV as breaking or compatible;"
            " fail when a breaking change comes without a major bump of info.version."
        ),
    )
    base = parser.add_mutually_exclusive_group(required=True)
    base.add_argument(
        "base_rev", nargs="?", metavar="BASE_REV", help="git revision, e.g. origin/main or v0.1.0"
    )
    base.add_argument(
        "--base-file", type=Path, help="compare with this spec file instead of a git revision"
    )
    base.add_argument(
        "--last-release",
        action="store_true",
        help=f"compare with the newest release tag ({RELEASE_TAGS}); passes when there is none",
    )
    parser.add_argument(
        "--format",
        choices=sorted(RENDERERS),
        default="text",
        help="text (default); markdown, a pull-request comment; json; github, Actions"
        " annotations on the spec's lines followed by the text",
    )
    parser.add_argument(
        "--changelog",
        action="store_true",
        help="print a drafted CHANGELOG.md entry for the changes instead (exit 0 unless the"
        " comparison cannot run)",
    )
    parser.add_argument(
        "--spec",
        type=Path,
        default=SPEC,
        help="the new spec (default: openapi.yaml of the working tree); its base is read from"
        " the git repository that holds it",
    )
    return parser


def _display(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(f"cannot read {path}: {error.strerror}") from None


def _read_at_revision(spec: Path, revision: str) -> str:
    spec = spec.resolve()
    result = subprocess.run(  # noqa: S603
        ["git", "-C", str(spec.parent), "show", f"{revision}:./{spec.name}"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SpecError(
            f"cannot read {spec.name} at revision {revision!r}: {result.stderr.strip()}"
        )
    return result.stdout


def _load(text: str, label: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpecError(f"{label} is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{label} is not an OpenAPI document (its top level is not a mapping)")
    try:
        validate(document)
    except OpenAPIValidationError as error:
        problem = error.message.splitlines()[0]
        where = _json_path(error.absolute_path)
        raise SpecError(f"{label} is not valid OpenAPI: {problem} (at {where})") from None
    return document


def _json_path(parts: Iterable[object]) -> str:
    """`paths["/groups"].get.parameters[0]`: a location a reader finds in the YAML."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text or "the top level"


if __name__ == "__main__":
    sys.exit(main())
