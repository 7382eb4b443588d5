"""`scripts/contract --merge DIR...`: one report from the reports folders of a sharded run.

Each shard (`scripts/contract --shard K/N`) wrote its reports into a folder of its own; this
joins them where an unsharded run writes its reports (`--reports`):

- junit.xml: every shard's test cases, counts summed; a test case that is no operation's
  (schemathesis' "Stateful tests", a check's run-wide failure) is one, its outcomes joined;
- report.json: schemathesis' counts summed, failures and errors listed together (one entry
  per failure kind, counts summed), each phase's status the worst a shard had;
- coverage.json: per spec item, the counts summed, covered where any shard covered it;
- not-exercised.txt and throttled.jsonl: the shards' lines together;
- summary.txt: rendered as for one run; FAILED when any shard failed (its exit code).

The exit code is the verdict: 0 only when every shard passed, and every shard of the split
(1/N to N/N) is there.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from contract_tests.coverage import summed_up
from contract_tests.summary import (
    COVERAGE,
    NOT_EXERCISED,
    RUN_FILE,
    THROTTLED,
    RunFacts,
    json_object,
    render,
)

JUNIT = "junit.xml"
REPORT = "report.json"
SUMMARY = "summary.txt"
# A phase's status, from best to worst: the joined status is the worst a shard had.
_PHASE_ORDER = ("skip", "success", "failure", "errored", "interrupted")
_OPERATION_METHODS = ("GET ", "POST ", "PUT ", "PATCH ", "DELETE ", "HEAD ", "OPTIONS ")


class MergeError(Exception):
    """A folder that holds no shard's reports."""


def merge_command(folders: Sequence[Path], reports: Path) -> int:
    try:
        verdict = merge(folders, reports)
    except MergeError as error:
        print(f"scripts/contract --merge: {error}", file=sys.stderr)
        return 2
    print((reports / SUMMARY).read_text(encoding="utf-8"), end="", flush=True)
    return verdict


def merge(folders: Sequence[Path], reports: Path) -> int:
    """Join the shards' reports in `folders` into `reports`; the joined verdict."""
    shards = [_run_of(folder) for folder in folders]
    reports = reports.resolve()
    if any(folder.resolve() == reports for folder in folders):
        raise MergeError(f"{reports} is one of the shards' folders: merge into another")
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)
    merge_junit([folder / JUNIT for folder in folders], reports / JUNIT)
    report = merge_reports(
        [json_object(folder / REPORT) for folder in folders],
        [str(shard.get("shard") or "whole") for shard in shards],
    )
    if report is not None:
        (reports / REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    coverage = merge_coverage([json_object(folder / COVERAGE) for folder in folders])
    if coverage is not None:
        (reports / COVERAGE).write_text(json.dumps(coverage, indent=2) + "\n", encoding="utf-8")
    for name in (NOT_EXERCISED, THROTTLED):
        texts = [_text(folder / name) for folder in folders]
        if any(texts):
            (reports / name).write_text("".join(texts), encoding="utf-8")

    missing = _missing_shards([str(shard.get("shard", "")) for shard in shards])
    exit_code = next((int(s["exit_code"]) for s in shards if int(s["exit_code"]) != 0), 0)
    verdict = next((int(s["verdict"]) for s in shards if int(s["verdict"]) != 0), 0)
    extra = list(dict.fromkeys(line for s in shards for line in s.get("extra", [])))
    if missing:
        extra += ["", f"Shards missing from the merge: {', '.join(missing)} (FAILED)"]
    facts = RunFacts(
        target=str(shards[0].get("target", "")),
        auth_modes=tuple(shards[0].get("auth_modes", [])),
        exit_code=exit_code or verdict or (1 if missing else 0),
        junit=reports / JUNIT,
        report=reports / REPORT,
        extra=tuple(extra),
        shard=f"merged from {len(shards)}: "
        + ", ".join(str(s.get("shard") or "whole") for s in shards),
    )
    summary = render(facts)
    (reports / SUMMARY).write_text(summary, encoding="utf-8")
    passed = summary.startswith("KooDrive contract suite: PASSED")
    final = verdict or exit_code or (0 if passed and not missing else 1)
    facts.save(reports / RUN_FILE, final)
    return final


def _run_of(folder: Path) -> dict[str, Any]:
    found = json_object(folder / RUN_FILE)
    if found is None:
        raise MergeError(
            f"{folder}: no {RUN_FILE} (not the reports folder of a `scripts/contract` run)"
        )
    return found


def _missing_shards(names: list[str]) -> list[str]:
    """The shards of the split that are not among `names` (K/N each), or duplicates."""
    counts = {name.split("/")[1] for name in names if "/" in name}
    if len(counts) != 1:
        return [] if not counts and len(names) == 1 else ["the folders are not one split's shards"]
    count = int(counts.pop())
    wanted = [f"{k}/{count}" for k in range(1, count + 1)]
    problems = [shard for shard in wanted if shard not in names]
    problems += [f"{shard} (twice)" for shard in wanted if names.count(shard) > 1]
    return problems


def merge_junit(paths: Sequence[Path], out: Path) -> None:
    """One testsuite of every shard's test cases; counts summed."""
    root = ElementTree.Element("testsuites")
    suite = ElementTree.SubElement(root, "testsuite", name="schemathesis")
    by_name: dict[str, ElementTree.Element] = {}
    for path in paths:
        if not path.is_file():
            continue
        for case in ElementTree.parse(path).getroot().iter("testcase"):
            name = case.get("name", "")
            shared = by_name.get(name)
            if shared is not None and not name.startswith(_OPERATION_METHODS):
                # One run-level test case (e.g. "Stateful tests"): its outcomes joined.
                time = float(shared.get("time", "0")) + float(case.get("time", "0"))
                shared.set("time", f"{time:.6f}")
                shared.extend(copy.deepcopy(list(case)))
                continue
            added = copy.deepcopy(case)
            suite.append(added)
            by_name.setdefault(name, added)
    cases = list(suite.iter("testcase"))
    counts = {
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        "tests": len(cases),
        "time": f"{sum(float(c.get('time', '0')) for c in cases):.6f}",
    }
    for element in (root, suite):
        for key, value in counts.items():
            element.set(key, str(value))
    ElementTree.indent(root)
    out.write_bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True))


def merge_reports(
    reports: Sequence[dict[str, Any] | None], names: Sequence[str] = ()
) -> dict[str, Any] | None:
    """schemathesis' JSON reports joined: what the summary reads of them. `names`: each
    report's shard ("2/3"), in the same order, for what differs from shard to shard."""
    found = [report for report in reports if report is not None]
    if not found:
        return None
    joined = copy.deepcopy(found[0])
    # Each shard draws its own seed unless one is given: the seed that replays a shard's
    # cases is that shard's (KOODRIVE_CONTRACT_SEED with the same --shard).
    named = [
        (name, report.get("seed"))
        for name, report in zip(list(names) or ["?"] * len(reports), reports, strict=True)
        if report is not None
    ]
    if len({seed for _, seed in named}) > 1:
        joined["seed"] = ", ".join(f"{seed} (shard {name})" for name, seed in named)
    for report in found[1:]:
        for section in ("operations", "test_cases"):
            for key, value in (report.get(section) or {}).items():
                if isinstance(value, int) and key != "total":
                    joined[section][key] = joined[section].get(key, 0) + value
        for name, phase in (report.get("phases") or {}).items():
            mine = joined.setdefault("phases", {}).setdefault(name, phase)
            if _rank(phase.get("status")) > _rank(mine.get("status")):
                joined["phases"][name] = phase
        for failure in report.get("failures", []):
            same = next(
                (f for f in joined["failures"] if (f["code"], f["title"]) == _kind(failure)), None
            )
            if same is None:
                joined["failures"].append(copy.deepcopy(failure))
            else:
                same["count"] += failure["count"]
                same["operations"] = list(dict.fromkeys(same["operations"] + failure["operations"]))
        joined["errors"] = joined.get("errors", []) + report.get("errors", [])
        joined["running_time"] = max(joined.get("running_time", 0), report.get("running_time", 0))
        joined["exit_code"] = joined.get("exit_code") or report.get("exit_code")
        joined["complete"] = bool(joined.get("complete")) and bool(report.get("complete"))
    return joined


def _kind(failure: dict[str, Any]) -> tuple[Any, Any]:
    return failure["code"], failure["title"]


def _rank(status: object) -> int:
    return _PHASE_ORDER.index(status) if status in _PHASE_ORDER else -1


def merge_coverage(documents: Sequence[dict[str, Any] | None]) -> dict[str, Any] | None:
    """coverage.json joined: per operation and item, counts summed, covered if any shard
    covered it; the totals and gaps computed again."""
    found = [document for document in documents if document is not None]
    if not found:
        return None
    operations: dict[str, dict[str, Any]] = {}
    for document in found:
        for entry in document["operations"]:
            mine = operations.get(entry["operation"])
            if mine is None:
                operations[entry["operation"]] = copy.deepcopy(entry)
                continue
            mine["cases"] += entry["cases"]
            for status, count in entry["undocumented_statuses"].items():
                mine["undocumented_statuses"][status] = (
                    mine["undocumented_statuses"].get(status, 0) + count
                )
            for dimension, items in entry["items"].items():
                joined = mine["items"].setdefault(dimension, {})
                for key, item in items.items():
                    if key in joined:
                        joined[key]["count"] += item["count"]
                    else:
                        joined[key] = dict(item)
    return _coverage_totals(list(operations.values()), list(found[0]["totals"]))


def _coverage_totals(operations: list[dict[str, Any]], dimensions: list[str]) -> dict[str, Any]:
    for entry in operations:
        for items in entry["items"].values():
            for item in items.values():
                item["covered"] = item["count"] > 0
    return summed_up(operations, dimensions)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""
