"""scripts/bench: measure and print every benchmark as ratios against same-run baselines."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    cli_streaming,
    contract_time,
    load,
    paging,
    paging_writes,
    scale,
    sdk_overhead,
    servers,
    versions,
)

# The goals each table judges (met or MISSED), set by the project (BENCHMARKS.md).
TARGET_SDK_RATIO = 0.95
TARGET_SHARE_OF_CEILING = 0.50
TARGET_OVER_PRISM = 3.0
TARGET_CONTRACT_SECONDS = 45
TARGET_CLI_FIRST_ROW, TARGET_CLI_SECONDS, TARGET_CLI_MIB = 1.0, 15.0, 100.0
TARGET_FLAT = 1.25  # time per 1,000 groups at scale against the smallest: within noise
# --output replaces only what lies between these lines, so the analysis around a run's
# results survives the next run.
RESULTS_BEGIN = "<!-- scripts/bench results: begin -->"
RESULTS_END = "<!-- scripts/bench results: end -->"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


SECTIONS = ("sdk", "paging", "load", "contract", "versions", "cli", "scale", "paging-writes")


def run(quick: bool, baseline: str = versions.BASELINE, only: str | None = None) -> list[str]:
    lines: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    emit(f"- Machine: {machine()}")
    emit(f"- Mode: {'quick' if quick else 'full'}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    sections: dict[str, Callable[[], None]] = {
        "sdk": lambda: _sdk(emit, quick),
        "paging": lambda: _paging(emit, quick),
        "load": lambda: _load(emit, quick),
        "versions": lambda: _versions(emit, quick, baseline),
        "contract": lambda: _contract(emit),
        "cli": lambda: _cli(emit, quick),
        "scale": lambda: _scale(emit, quick),
        "paging-writes": lambda: _paging_writes(emit, quick),
    }
    for name in SECTIONS if only is None else (only,):
        if name == "contract" and quick and only is None:
            continue  # the suite alone takes longer than a quick run
        sections[name]()
    return lines


def _met(met: bool) -> str:
    return "met" if met else "MISSED"


def _sdk(emit: Callable[..., None], quick: bool) -> None:
    emit()
    emit("### 1. SDK per call against raw httpx (listBoundDevices, same emulator)")
    emit()
    emit(
        "| auth, client | SDK calls/s | raw httpx calls/s | SDK / raw (median of pairs) | "
        f"pairs, lowest to highest | target >= {TARGET_SDK_RATIO:.2f} |"
    )
    emit("|---|---:|---:|---:|---:|---|")
    # Short rounds, many pairs: the two sides of a pair run within a fraction of a second
    # of each other, so the drift of a noisy machine moves both alike.
    rounds, calls = (80, 10) if quick else (400, 10)
    with servers.serving(servers.emulator()) as url:
        for overhead in sdk_overhead.measure(url, rounds=rounds, calls=calls):
            emit(
                f"| {overhead.label} | {overhead.sdk_calls_per_second:,.0f} | "
                f"{overhead.raw_calls_per_second:,.0f} | {overhead.ratio:.3f} | "
                f"{min(overhead.pair_ratios):.2f} to {max(overhead.pair_ratios):.2f} | "
                f"{_met(overhead.ratio >= TARGET_SDK_RATIO)} |"
            )


def _paging(emit: Callable[..., None], quick: bool) -> None:
    emit()
    emit("### 2. Iterating all user groups: SDK beside a bare httpx loop")
    emit()
    emit(
        "| groups | SDK ms per 1,000 | raw ms per 1,000 | SDK / raw time | "
        "SDK time per group vs smallest | SDK peak KiB | raw peak KiB | "
        "SDK peak vs smallest |"
    )
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|")
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    runs = paging.measure(sizes)
    first = runs[0]
    for run_ in runs:
        sdk_ms, raw_ms = run_.ms_per_thousand(run_.sdk), run_.ms_per_thousand(run_.raw)
        emit(
            f"| {run_.groups:,} | {sdk_ms:.1f} | {raw_ms:.1f} | {sdk_ms / raw_ms:.2f} | "
            f"{sdk_ms / first.ms_per_thousand(first.sdk):.2f} | "
            f"{run_.sdk.peak_bytes / 1024:,.0f} | {run_.raw.peak_bytes / 1024:,.0f} | "
            f"{run_.sdk.peak_bytes / first.sdk.peak_bytes:.2f} |"
        )


def _load(emit: Callable[..., None], quick: bool) -> None:
    emit()
    emit(
        "### 3. Emulator under load (wrk, 1 thread, 16 connections) against its stack's "
        "ceiling (uvicorn, httptools, uvloop)"
    )
    emit()
    emit(
        "| target | requests/s | share of ceiling (median of rounds) | rounds, lowest to highest"
        f" | p50 ms | p99 ms | target >= {TARGET_SHARE_OF_CEILING:.2f} |"
    )
    emit("|---|---:|---:|---:|---:|---:|---|")
    rounds, seconds = (2, 1) if quick else (5, 2)
    measured = load.measure(rounds=rounds, seconds=seconds)
    for target in measured.targets:
        shares = target.shares_of_ceiling
        # The goal is the reads'; the writes are set against the reads below.
        judged = target.label not in (load.CEILING, load.PRISM, *load.WRITES_AGAINST_READS)
        emit(
            f"| {target.label} | {target.requests_per_second:,.0f} | "
            f"{target.share_of_ceiling:.2f} | {min(shares):.2f} to {max(shares):.2f} | "
            f"{target.p50_ms:.2f} | {target.p99_ms:.2f} | "
            f"{_met(target.share_of_ceiling >= TARGET_SHARE_OF_CEILING) if judged else ''} |"
        )
    emit()
    ratio = measured.emulator_over_prism
    if ratio is None:
        emit(f"Prism: not measured ({measured.prism_missing}).")
    else:
        emit(
            f"The emulator's listUserGroups against Prism's: **{ratio:.2f}x** (median of "
            f"rounds, {min(measured.over_prism):.2f} to {max(measured.over_prism):.2f}; "
            f"target >= {TARGET_OVER_PRISM:.0f}x: {_met(ratio >= TARGET_OVER_PRISM)})."
        )
    emit()
    emit(
        "| writes (a create, then a delete of the group it made; each a request) | "
        "write requests/s | reads requests/s (listUserGroups, same auth) | "
        "writes / reads (median of rounds) | rounds, lowest to highest |"
    )
    emit("|---|---:|---:|---:|---:|")
    rates = {target.label: target.requests_per_second for target in measured.targets}
    for label, reads in load.WRITES_AGAINST_READS.items():
        ratios = measured.writes_over_reads[label]
        emit(
            f"| {label} | {rates[label]:,.0f} | {rates[reads]:,.0f} | "
            f"{statistics.median(ratios):.2f} | {min(ratios):.2f} to {max(ratios):.2f} |"
        )
    emit()
    emit(
        f"The writer (a second user) had at most {measured.most_groups_left} groups of its "
        "own left at the end of a turn, all deleted before the next: far below the 200 a "
        "user may join."
    )


def _contract(emit: Callable[..., None]) -> None:
    emit()
    emit("### 4. The contract suite (scripts/contract, emulator start included)")
    emit()
    contract = contract_time.measure()
    emit(
        f"{contract.seconds:.1f} s wall time for {contract.test_cases} test cases "
        f"({contract.cases_per_second:.0f} per second); target < {TARGET_CONTRACT_SECONDS} s: "
        f"{_met(contract.seconds < TARGET_CONTRACT_SECONDS)}. Where it goes: "
        + ", ".join(f"{name} {took:.1f} s" for name, took in contract.phases.items())
        + f", and {contract.outside_phases:.1f} s starting up and summing up."
    )


def _cli(emit: Callable[..., None], quick: bool) -> None:
    groups = 10_000 if quick else 100_000
    emit()
    emit(f"### 6. `koodrive groups` over {groups:,} groups (its own process, output to a pipe)")
    emit()
    emit(
        "| mode | rows | first row s | whole run s | peak RSS MiB | "
        f"target: first row < {TARGET_CLI_FIRST_ROW} s, whole < {TARGET_CLI_SECONDS} s, "
        f"peak < {TARGET_CLI_MIB} MiB |"
    )
    emit("|---|---:|---:|---:|---:|---|")
    for cli in cli_streaming.measure(groups):
        met = (
            cli.first_row_seconds < TARGET_CLI_FIRST_ROW
            and cli.total_seconds < TARGET_CLI_SECONDS
            and cli.peak_rss_mib < TARGET_CLI_MIB
        )
        emit(
            f"| {cli.mode} | {cli.groups:,} | {cli.first_row_seconds:.2f} | "
            f"{cli.total_seconds:.1f} | {cli.peak_rss_mib:.0f} | {_met(met)} |"
        )


def _scale(emit: Callable[..., None], quick: bool) -> None:
    sizes = (1_000, 100_000) if quick else (1_000, 1_000_000)
    emit()
    emit(f"### 7. Scale: the emulator started with --groups {sizes[-1]:,}, paged by the SDK")
    emit()
    emit(
        "| groups | emulator start s | emulator RSS MiB, started | after paging | passes | "
        f"SDK ms per 1,000 groups | against the smallest | flat: <= {TARGET_FLAT} |"
    )
    emit("|---:|---:|---:|---:|---:|---:|---:|---|")
    runs = scale.measure(sizes)
    for run_ in runs:
        flat = run_.ms_per_thousand / runs[0].ms_per_thousand
        emit(
            f"| {run_.groups:,} | {run_.start_seconds:.1f} | {run_.rss_started_mib:.0f} | "
            f"{run_.rss_paged_mib:.0f} | {run_.passes} | {run_.ms_per_thousand:.1f} | "
            f"{flat:.2f} | {_met(flat <= TARGET_FLAT)} |"
        )


def _paging_writes(emit: Callable[..., None], quick: bool) -> None:
    groups = 10_000 if quick else 100_000
    emit()
    emit(
        f"### 8. Paging {groups:,} groups while another client creates and deletes groups "
        "(SDK iterator; the writer in its own process)"
    )
    emit()
    emit(
        "| groups | listed under writes | writes during the walk | of them, deletes in the "
        "walked listing | walk s, with writes | walk s, without | with / without | "
        "every group listed once, none repeated, none foreign |"
    )
    emit("|---:|---:|---:|---:|---:|---:|---:|---|")
    walk = paging_writes.measure(groups)
    emit(
        f"| {walk.groups:,} | {walk.listed:,} | {walk.writes:,} | {walk.shared_deleted} | "
        f"{walk.seconds:.2f} | {walk.quiet_seconds:.2f} | {walk.slowdown:.2f} | "
        f"{_met(walk.correct)} |"
    )
    if walk.problems:
        emit()
    for problem in walk.problems:
        emit(f"MISSED: {problem}.")


def _versions(emit: Callable[..., None], quick: bool, baseline: str) -> None:
    emit()
    emit(f"### 5. This emulator beside its version at {baseline} (wrk, 16 connections)")
    emit()
    emit(
        f"| target | {baseline} requests/s | this version requests/s | this / {baseline} "
        "(median of rounds) | rounds, lowest to highest | target >= 1.00 |"
    )
    emit("|---|---:|---:|---:|---:|---|")
    rounds, seconds = (2, 1) if quick else (5, 2)
    try:
        comparisons = versions.measure(rounds=rounds, seconds=seconds, ref=baseline)
    except versions.MissingBaseline as error:
        emit(f"Skipped: {error}")
        return
    for comparison in comparisons:
        ratios = comparison.ratios
        met = "met" if comparison.ratio >= 1.0 else "MISSED"
        emit(
            f"| {comparison.label} | {comparison.baseline_rate:,.0f} | "
            f"{comparison.current_rate:,.0f} | {comparison.ratio:.2f} | "
            f"{min(ratios):.2f} to {max(ratios):.2f} | {met} |"
        )


def write_results(path: Path, lines: list[str]) -> None:
    """The results between the markers of `path`, or the whole file when it has neither.

    A file with one marker, or with them out of order, is refused: rewriting it whole would
    lose the analysis written around the results.
    """
    block = "\n".join([RESULTS_BEGIN, *lines, RESULTS_END])
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    before, begin, rest = existing.partition(RESULTS_BEGIN)
    _, end, after = rest.partition(RESULTS_END)
    if begin and end:
        path.write_text(before + block + after, encoding="utf-8")
    elif RESULTS_BEGIN in existing or RESULTS_END in existing:
        raise SystemExit(
            f"scripts/bench: {path} has only one of the results markers, or has them out of "
            f"order; put {RESULTS_BEGIN!r} then {RESULTS_END!r} around the results, or "
            "remove both to have the whole file rewritten"
        )
    else:
        path.write_text(block + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    parser.add_argument(
        "--output", type=Path, help="also write the results (markdown) to this file"
    )
    parser.add_argument(
        "--baseline",
        default=versions.BASELINE,
        help="the git commit whose emulator section 5 compares with this one "
        f"(default {versions.BASELINE}, the last before the spec-driven emulator)",
    )
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        help="run one section only: sdk, paging, load (with Prism), versions (this "
        "emulator beside --baseline's), contract, cli, scale or paging-writes (paging "
        "while another client writes)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    lines = run(args.quick, args.baseline, args.only)
    print(f"\n(benchmarks took {time.perf_counter() - start:.0f} s)", file=sys.stderr)
    if args.output is not None:
        write_results(args.output, lines)
        print(f"results written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
