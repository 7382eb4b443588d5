"""The short human summary of a run, read back from schemathesis' JSON and JUnit reports.

It holds no secrets of its own: the curl commands are schemathesis' sanitized ones (the
Authorization header, token or app signature, prints as [Filtered]).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

PHASES = ("examples", "coverage", "fuzzing", "stateful")
# What schemathesis writes into the reports folder, by report kind; all of them pass through
# its output sanitization ([output.sanitization] in schemathesis.toml).
REPORTS_WRITTEN = {
    "junit": "junit.xml",
    "json": "report.json",
    "har": "requests.har",  # every request and response, for a browser's network panel
    "vcr": "cassette.yaml",  # the same, as a VCR cassette
    "html": "html",  # a folder: index.html
}
COVERAGE = "coverage.json"  # written by contract_tests.coverage
# The gaps the summary lists; coverage.json has them all.
MAX_GAPS_SHOWN = 25
NOT_EXERCISED = "not-exercised.txt"  # written by contract_tests.promises, one line each
# Each wait for a documented throttling answer, and each give-up: contract_tests.throttling.
THROTTLED = "throttled.jsonl"
# How contract_tests.promises begins a failure; the lines after it are the broken promises.
PROMISES_HEADER = "breaks what openapi.yaml promises:"
REPLAY = "scripts/contract --replay   (same environment as this run)"
# What the runner knew of the run (RunFacts and its verdict), for `scripts/contract --merge`.
RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunFacts:
    """What the runner knows that schemathesis' reports do not."""

    target: str
    auth_modes: tuple[str, ...]
    exit_code: int
    junit: Path
    report: Path
    extra: tuple[str, ...] = ()  # lines of the runner's own (the writes, what went untested)
    shard: str = ""  # K/N of a sharded run; "merged from N shards"; empty: a whole run
    shard_operations: tuple[str, ...] = ()  # the shard's operationIds

    def save(self, path: Path, verdict: int) -> None:
        """Write these facts and the run's exit code (run.json), for --merge."""
        document = {
            "target": self.target,
            "auth_modes": list(self.auth_modes),
            "exit_code": self.exit_code,
            "verdict": verdict,
            "extra": list(self.extra),
            "shard": self.shard,
            "shard_operations": list(self.shard_operations),
        }
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def reproductions(junit: Path) -> dict[str, list[str]]:
    """The curl commands of each failing JUnit test case, by test case name."""
    if not junit.is_file():
        return {}
    found: dict[str, list[str]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        for outcome in (*case.findall("failure"), *case.findall("error")):
            curls = [
                line.strip()
                for line in (outcome.text or "").splitlines()
                if line.strip().startswith("curl ")
            ]
            if curls:
                known = found.setdefault(case.get("name", "?"), [])
                known += [curl for curl in curls if curl not in known]
    return found


def broken_promises(junit: Path) -> list[str]:
    """The promises the suite's behaviour checks found broken, one line each, in order."""
    if not junit.is_file():
        return []
    found: list[str] = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        for failure in case.findall("failure"):
            indent: str | None = None  # a promise is a "- " line indented like the header
            for line in (failure.text or "").splitlines():
                text = line.strip()
                if text.endswith(PROMISES_HEADER):
                    indent = line[: len(line) - len(line.lstrip())]
                elif indent is not None and line.startswith(indent + "- "):
                    if text not in found:
                        found.append(text)
                elif indent is not None and text and not text.startswith("curl "):
                    indent = None
    return found


def run_level_reasons(junit: Path) -> list[str]:
    """The messages of failures that belong to the run, not to one operation (a check's
    after_run): schemathesis' JSON report lists them without their text."""
    if not junit.is_file():
        return []
    reasons = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        if case.get("name", "").startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")):
            continue
        for failure in case.findall("failure"):
            text = " ".join(
                line.strip()
                for line in (failure.text or "").splitlines()
                if line.strip() and not line.strip().startswith("- ")
            )
            if text:
                reasons.append(text)
    return reasons


def render(facts: RunFacts) -> str:
    report = json_object(facts.report)
    passed = facts.exit_code == 0 and report is not None and not report["failures"]
    lines = [
        f"KooDrive contract suite: {'PASSED' if passed else 'FAILED'}",
        f"  target:      {facts.target}",
        f"  auth modes:  {', '.join(facts.auth_modes)}",
    ]
    if facts.shard:
        lines.append(
            f"  shard:       {facts.shard}"
            + (f" ({', '.join(facts.shard_operations)})" if facts.shard_operations else "")
        )
    if report is None:
        lines.append(
            f"  schemathesis ended (exit code {facts.exit_code}) without a report: see its output"
        )
        return "\n".join([*lines, *facts.extra]) + "\n"
    phases = report.get("phases") or {}
    lines.append(
        "  phases:      "
        + ", ".join(f"{name} {phases.get(name, {}).get('status', 'not run')}" for name in PHASES)
    )
    if phases.get("stateful", {}).get("status") not in (None, "skip", "not run"):
        lines.append(
            '  note:        schemathesis\' "Failed to extract data from response" above is '
            "expected: a listing's last page has no nextCursor for the stateful link to follow"
        )
    operations = report.get("operations") or {}
    cases = report["test_cases"]
    lines += [
        f"  operations:  {operations.get('tested', 0)} tested of {operations.get('total', 0)}",
        f"  test cases:  {cases['generated']} generated, {cases['with_failures']} with failures,"
        f" {cases['errored']} errored",
        f"  seed:        {report.get('seed')} (same cases again: KOODRIVE_CONTRACT_SEED=<seed>)",
        f"  reports:     {facts.report.parent}/: "
        + ", ".join(
            name if name != "html" else "html/index.html" for name in REPORTS_WRITTEN.values()
        )
        + ", summary.txt",
    ]
    lines += _throttled(facts.report.with_name(THROTTLED))
    if report["failures"]:
        lines += ["", "Failures:"]
        reasons = iter(run_level_reasons(facts.junit))
        for failure in report["failures"]:
            where = ", ".join(failure["operations"]) or next(reasons, "the whole run")
            lines.append(f"  {failure['code']} {failure['title']} x{failure['count']}: {where}")
        promises = broken_promises(facts.junit)
        if promises:
            lines += ["", "Broken promises (openapi.yaml):"]
            lines += [f"  {line}" for line in promises]
    for error in report.get("errors", []):
        lines.append(f"  error: {error['title']} x{error['count']}")
    lines += facts.extra
    lines += _coverage(facts.report.with_name(COVERAGE))
    unexercised = _lines(facts.junit.with_name(NOT_EXERCISED))
    if unexercised:
        lines += ["", "Not exercised (the target gave these checks nothing to judge):"]
        lines += [f"  {line}" for line in unexercised]
    curls = reproductions(facts.junit)
    if curls:
        lines += ["", "Reproduce:"]
        for name, commands in curls.items():
            lines.append(f"  {name}:")
            lines += [f"    {command}" for command in commands]
        lines += [
            "  Credentials show as [Filtered]. To send the failing cases again with fresh ones:",
            f"    {REPLAY}",
        ]
    if not passed and facts.exit_code != 0 and not report["failures"] and not report.get("errors"):
        lines.append(f"  schemathesis exited with code {facts.exit_code}: see its output above")
    return "\n".join(lines) + "\n"


def _throttled(path: Path) -> list[str]:
    """The throttling the run waited out (contract_tests.throttling): how many answers, of
    which statuses, how long in all, and how many it stopped waiting for."""
    waits: Counter[int] = Counter()
    seconds = 0.0
    gave_up: Counter[str] = Counter()
    for line in _lines(path, unique=False):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if "waited" in entry:
            waits[int(entry.get("status", 0))] += 1
            seconds += float(entry["waited"])
        if "gave_up" in entry:
            gave_up[str(entry["gave_up"])] += 1
    if not waits and not gave_up:
        return []
    statuses = ", ".join(f"{status} x{count}" for status, count in sorted(waits.items()))
    count = sum(waits.values())
    text = (
        f"  throttled:   {count} answers waited out ({statuses}; {seconds:.0f} s in all)"
        if waits
        else "  throttled:   no answer waited out"
    )
    if gave_up:
        reasons = "; ".join(f"{reason} (x{count})" for reason, count in gave_up.items())
        text += f"; {sum(gave_up.values())} still throttled, left unjudged: {reasons}"
    return [text]


def _coverage(path: Path) -> list[str]:
    """The spec coverage table and its gaps, from coverage.json."""
    document = json_object(path)
    if document is None:
        return []
    lines = ["", f"Spec coverage ({path.name}):", f"  {'':<18}{'covered':>9}"]
    for dimension, (covered, total) in document["totals"].items():
        share = f"{covered / total:>6.0%}" if total else "     -"
        lines.append(f"  {dimension:<18}{covered:>4} of {total:<4}{share}")
    gaps = document["uncovered"]
    if gaps:
        lines.append(f"  Not covered ({len(gaps)}):")
        lines += [f"    {gap}" for gap in gaps[:MAX_GAPS_SHOWN]]
        if len(gaps) > MAX_GAPS_SHOWN:
            lines.append(f"    ... and {len(gaps) - MAX_GAPS_SHOWN} more in {path.name}")
    return lines


def _lines(path: Path, *, unique: bool = True) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    lines = [line for line in text.splitlines() if line.strip()]
    return list(dict.fromkeys(lines)) if unique else lines


def json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object a file holds, or None: absent, unreadable, not JSON or not an object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None
