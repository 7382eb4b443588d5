"""`koodrive-proxy fixtures CAPTURE.har`: the records a capture's successful listings
returned, as an emulator fixtures file (docs/emulator.md, "Fixtures"), so CI can run on the
vendor's own data offline.

Every record is kept as the vendor sent it: ids, names and timestamps, in the order it
listed them, each once (by the behaviour's `item-key`). How the vendor cut its listings
into pages is measured too (the share of short pages before a listing's end) and written
into the file's heading with the `--short-pages` that plays it. Whose record it is comes from the
request's owner header (`X-User-Id`, the behaviour's `owner`), or `--user-id` for a token
call that sent none; a partitioning filter the request sent (`sourceType`) goes into the
record, as the fixtures format has it. Which operation lists which records is the
emulator's (`records.RECORD_OPERATIONS`); everything else is read from the spec.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from koodrive.signing import query_pairs
from koodrive_emulator.records import RECORD_OPERATIONS
from koodrive_spec.behaviour import Behaviour, Match
from koodrive_spec.reader import Spec
from koodrive_spec.request_rules import OperationRules

from koodrive_proxy.validation import Validator


class CaptureError(ValueError):
    """A capture that cannot be read; `str(error)` says where."""


@dataclass
class _User:
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=dict
    )  # kind -> key -> record


@dataclass
class PageShapes:
    """How the vendor cut its listings into pages: of the pages that had a next one, how
    many held fewer items than the request's page size (the vendor warns this happens)."""

    pages: int = 0  # pages of paged operations
    before_the_end: int = 0  # ... that had a next cursor
    short: int = 0  # ... of those, with fewer items than asked for

    @property
    def short_ratio(self) -> float:
        return self.short / self.before_the_end if self.before_the_end else 0.0

    def described(self) -> str:
        if not self.pages:
            return "no paged listing"
        ratio = min(self.short_ratio, 0.99)
        return (
            f"{self.pages} pages; {self.short} of the {self.before_the_end} before a listing's "
            f"end were short (koodrive-emulator --short-pages {ratio:.2f} plays that)"
        )


@dataclass(frozen=True)
class Recorded:
    fixtures: dict[str, Any]  # the fixtures document
    entries: int  # HAR entries read
    used: int  # successful listings the records came from
    skipped: list[str]  # why other entries gave nothing, one line each
    page_shapes: PageShapes = field(default_factory=PageShapes)

    def counts(self) -> dict[str, int]:
        return {
            kind: sum(len(user.get(kind, [])) for user in self.fixtures["users"])
            for kind in RECORD_OPERATIONS
        }


def read_har(path: Path) -> list[Mapping[str, Any]]:
    try:
        document = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise CaptureError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise CaptureError(f"{path} is not JSON: {error}") from None
    entries = document.get("log", {}).get("entries") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise CaptureError(f"{path} is not a HAR file: it has no log.entries list")
    return [entry for entry in entries if isinstance(entry, Mapping)]


def header(entry_part: Mapping[str, Any], name: str) -> str | None:
    for pair in entry_part.get("headers") or []:
        if isinstance(pair, Mapping) and str(pair.get("name", "")).lower() == name.lower():
            return str(pair.get("value", ""))
    return None


def fixtures_from_entries(
    entries: Sequence[Mapping[str, Any]], *, spec: Spec | None = None, user_id: str | None = None
) -> Recorded:
    spec = spec or Spec.packaged()
    validator = Validator(spec)
    kinds = {operation: kind for kind, operation in RECORD_OPERATIONS.items()}
    users: dict[str, _User] = {}
    skipped: list[str] = []
    shapes = PageShapes()
    used = 0
    for number, entry in enumerate(entries, start=1):
        request, response = entry.get("request") or {}, entry.get("response") or {}
        url = urlsplit(str(request.get("url", "")))
        matched = validator.match(str(request.get("method", "")), url.path)
        if matched is None:
            skipped.append(f"entry {number}: {request.get('method')} {url.path} is no operation")
            continue
        operation_id = matched.operation.operation_id
        behaviour = spec.behaviours.get(operation_id)
        kind = kinds.get(operation_id)
        if behaviour is None or kind is None or behaviour.items is None:
            skipped.append(f"entry {number}: {operation_id} lists no records the emulator keeps")
            continue
        if response.get("status") != behaviour.success.status:
            skipped.append(f"entry {number}: {operation_id} answered HTTP {response.get('status')}")
            continue
        try:
            body = json.loads(str((response.get("content") or {}).get("text", "")))
        except ValueError:
            skipped.append(f"entry {number}: {operation_id}'s body is not JSON")
            continue
        items = behaviour.items_of(body)
        if items is None or body.get("code") not in (
            behaviour.success.code,
            str(behaviour.success.code),
        ):
            skipped.append(f"entry {number}: {operation_id} is no successful listing")
            continue
        owner = header(request, behaviour.owner) if behaviour.owner else None
        owner = owner or user_id
        if owner is None:
            skipped.append(
                f"entry {number}: {operation_id} sent no {behaviour.owner}: pass --user-id "
                "for whom a token's listings are"
            )
            continue
        query = query_pairs(url.query)
        rules = validator.rules(operation_id)
        partitions = {
            f.parameter: value
            for f in behaviour.filters
            if f.match is Match.PARTITIONS
            for value in [_read(rules, f.parameter, dict(query).get(f.parameter))]
            if value is not None
        }
        _measure(shapes, behaviour, rules, query, body, items)
        declared = set(spec.item_schema(operation_id).get("properties") or {})
        kept = users.setdefault(owner, _User()).records.setdefault(kind, {})
        for item in items:
            record = {name: value for name, value in item.items() if name in declared}
            record.update(partitions)
            kept.setdefault(behaviour.key_of(item), record)
        used += 1
    return Recorded(
        {
            "users": [
                {
                    "id": owner,
                    **{kind: list(found.values()) for kind, found in user.records.items()},
                }
                for owner, user in users.items()
            ]
        },
        len(entries),
        used,
        skipped,
        shapes,
    )


def _measure(
    shapes: PageShapes,
    behaviour: Behaviour,
    rules: OperationRules,
    query: list[tuple[str, str]],
    body: Mapping[str, Any],
    items: Sequence[object],
) -> None:
    """Count one page of a paged listing into `shapes`: was it short before the end?"""
    paging = behaviour.cursor_paging
    if paging is None or paging.page_size is None:
        return
    shapes.pages += 1
    if not body.get(paging.next_cursor):
        return  # the last page may be as short as it likes
    shapes.before_the_end += 1
    asked = _read(rules, paging.page_size, dict(query).get(paging.page_size))
    rule = rules.rule(paging.page_size)
    limit = (
        asked
        if isinstance(asked, int)
        else (rule.parameter.schema.get("default") if rule else None)
    )
    if isinstance(limit, int) and len(items) < limit:
        shapes.short += 1


def _read(rules: OperationRules, name: str, text: str | None) -> object:
    rule = rules.rule(name)
    return None if text is None or rule is None else rule.read(text)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="koodrive-proxy fixtures",
        description="Turn a capture's listings into an emulator fixtures file.",
    )
    parser.add_argument("capture", type=Path, help="a HAR file (koodrive-proxy --capture)")
    parser.add_argument("--output", "-o", type=Path, help="the fixtures file (default: stdout)")
    parser.add_argument("--user-id", help="whose a listing is when its request sent no X-User-Id")
    args = parser.parse_args(argv)
    try:
        recorded = fixtures_from_entries(read_har(args.capture), user_id=args.user_id)
    except CaptureError as error:
        print(f"koodrive-proxy fixtures: error: {error}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{count} {kind}" for kind, count in recorded.counts().items())
    heading = (
        f"# Recorded by koodrive-proxy fixtures from {args.capture.name}: "
        f"{len(recorded.fixtures['users'])} users, {counts}\n"
        "# (ids and timestamps as the vendor sent them; serve with koodrive-emulator --fixtures)\n"
        f"# page shapes: {recorded.page_shapes.described()}\n"
    )
    text = heading + yaml.safe_dump(recorded.fixtures, allow_unicode=True, sort_keys=False)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, "utf-8")
    print(
        f"koodrive-proxy fixtures: {recorded.used} of {recorded.entries} entries gave {counts}; "
        f"page shapes: {recorded.page_shapes.described()}",
        file=sys.stderr,
    )
    for line in recorded.skipped[:20]:
        print(f"  skipped {line}", file=sys.stderr)
    if len(recorded.skipped) > 20:
        print(f"  ... and {len(recorded.skipped) - 20} more skipped", file=sys.stderr)
    return 0
