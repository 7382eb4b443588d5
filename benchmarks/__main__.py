"""scripts/bench: measure and print every benchmark as ratios against same-run baselines.

Each goal a section judges is also recorded as a `Figure`; `--runs N` runs the whole bench
N times and sums the figures up: the median of the runs and their spread (lowest to
highest), which is what the documentation quotes (BENCHMARKS.md, "Summary").
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
TARGET_SHARE_OF_CEILING = 0.35
LONGER_TERM_SHARE_OF_CEILING = 0.50  # shown beside the target, not judged
TARGET_OVER_PRISM = 3.0
TARGET_CONTRACT_SECONDS = 90
TARGET_CLI_FIRST_ROW, TARGET_CLI_SECONDS, TARGET_CLI_MIB = 1.0, 15.0, 100.0
TARGET_FLAT = 1.25  # time per 1,000 groups at scale against the smallest: within noise
# --output replaces only what lies between these lines, so the analysis around a run's
# results survives the next run.
RESULTS_BEGIN = "<!-- scripts/bench results: begin -->"
RESULTS_END = "<!-- scripts/bench results: end -->"
QUICK_NOTICE = (
    "a smoke test that the benchmarks run, not a measurement: smaller sizes, fewer and "
    "shorter rounds, no contract suite; quote no figure from it"
)


@dataclass(frozen=True)
class Figure:
    """One figure of a run, as the summary of several runs lists it: `goal` is how it
    compares with `target` to be met (">=", "<=" or "<"), or None for a figure shown
    without a goal (a write rate beside the reads', a start time)."""

    name: str
    value: float
    target: float | None = None
    goal: str | None = None
    digits: int = 2
    unit: str = ""

    def __post_init__(self) -> None:
        if (self.target is None) != (self.goal is None) or self.goal not in (
            None,
            ">=",
            "<=",
            "<",
        ):
            raise ValueError(f"{self.name}: a goal needs a target and one of >=, <=, <")

    def met(self, value: float | None = None) -> bool | None:
        """Whether `value` (default this figure's) meets the goal; None without one."""
        value = self.value if value is None else value
        if self.target is None:
            return None
        if self.goal == ">=":
            return value >= self.target
        if self.goal == "<=":
            return value <= self.target
        return value < self.target

    def shown(self, value: float) -> str:
        return f"{value:,.{self.digits}f}{self.unit}"

    @property
    def shown_goal(self) -> str:
        if self.target is None:
            return ""
        return f"{self.goal} {self.shown(self.target)}"


@dataclass
class Run:
    """What one run printed, and the figures it recorded."""

    lines: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


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


def run(
    quick: bool,
    baseline: str = versions.BASELINE,
    only: str | None = None,
    *,
    echo: bool = True,
) -> Run:
    result = Run()

    def emit(line: str = "") -> None:
        if echo:
            print(line, flush=True)
        result.lines.append(line)

    record = result.figures.append
    emit(f"- Machine: {machine()}")
    mode = f"QUICK: {QUICK_NOTICE}" if quick else "full"
    emit(f"- Mode: {mode}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    sections: dict[str, Callable[[], None]] = {
        "sdk": lambda: _sdk(emit, record, quick),
        "paging": lambda: _paging(emit, record, quick),
        "load": lambda: _load(emit, record, quick),
        "versions": lambda: _versions(emit, record, quick, baseline),
        "contract": lambda: _contract(emit, record),
        "cli": lambda: _cli(emit, record, quick),
        "scale": lambda: _scale(emit, record, quick),
        "paging-writes": lambda: _paging_writes(emit, record, quick),
    }
    for name in SECTIONS if only is None else (only,):
        if name == "contract" and quick and only is None:
            continue  # the suite alone takes longer than a quick run
        sections[name]()
    return result


Emit = Callable[..., None]
Record = Callable[[Figure], None]


def _met(met: bool | None) -> str:
    return "" if met is None else "met" if met else "MISSED"


def _sdk(emit: Emit, record: Record, quick: bool) -> None:
    emit()
    emit("### 1. SDK per call against raw httpx (same emulator, same HTTP exchange)")
    emit()
    emit(
        "| operation | auth, client | SDK calls/s | raw httpx calls/s | "
        "SDK / raw (median of pairs) | pairs, lowest to highest | "
        f"target >= {TARGET_SDK_RATIO:.2f} |"
    )
    emit("|---|---|---:|---:|---:|---:|---|")
    # Short rounds, many pairs: the two sides of a pair run within a fraction of a second
    # of each other, so the drift of a noisy machine moves both alike.
    rounds, calls = (80, 10) if quick else (400, 10)
    with servers.serving(servers.emulator()) as url:
        for overhead in sdk_overhead.measure(url, rounds=rounds, calls=calls):
            # The operation measured: listBoundDevices, or a write where the module
            # measures one (its Overhead then says which).
            operation = str(getattr(overhead, "operation", "listBoundDevices"))
            figure = Figure(
                f"SDK / raw httpx, {operation}, {overhead.label}",
                overhead.ratio,
                TARGET_SDK_RATIO,
                ">=",
                digits=3,
            )
            record(figure)
            emit(
                f"| {operation} | {overhead.label} | {overhead.sdk_calls_per_second:,.0f} | "
                f"{overhead.raw_calls_per_second:,.0f} | {overhead.ratio:.3f} | "
                f"{min(overhead.pair_ratios):.2f} to {max(overhead.pair_ratios):.2f} | "
                f"{_met(figure.met())} |"
            )


def _paging(emit: Emit, record: Record, quick: bool) -> None:
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
    largest = runs[-1]
    record(
        Figure(
            f"paging {sizes[-1]:,} groups: SDK time / bare httpx loop's",
            largest.ms_per_thousand(largest.sdk) / largest.ms_per_thousand(largest.raw),
        )
    )
    record(
        Figure(
            f"paging {sizes[-1]:,} groups: SDK time per group / at {sizes[0]:,}",
            largest.ms_per_thousand(largest.sdk) / first.ms_per_thousand(first.sdk),
        )
    )


def _load(emit: Emit, record: Record, quick: bool) -> None:
    emit()
    emit(
        "### 3. Emulator under load (wrk, 1 thread, 16 connections; the emulator as shipped, "
        "its access log on) against its stack's ceiling (uvicorn, httptools, uvloop) and "
        "against Prism"
    )
    emit()
    emit(
        "| target | requests/s | share of ceiling (median of rounds) | rounds, lowest to highest"
        f" | p50 ms | p99 ms | target >= {TARGET_SHARE_OF_CEILING:.2f} | "
        f"longer-term goal >= {LONGER_TERM_SHARE_OF_CEILING:.2f} |"
    )
    emit("|---|---:|---:|---:|---:|---:|---|---|")
    rounds, seconds = (2, 1) if quick else (5, 2)
    measured = load.measure(rounds=rounds, seconds=seconds)
    for target in measured.targets:
        shares = target.shares_of_ceiling
        # The goal is the reads'; the writes are set against the reads below.
        verdict, later = "", ""
        if target.label in load.READS:
            figure = Figure(
                f"emulator / ceiling, {target.label}",
                target.share_of_ceiling,
                TARGET_SHARE_OF_CEILING,
                ">=",
            )
            record(figure)
            verdict = _met(figure.met())
            later = (
                "reached" if target.share_of_ceiling >= LONGER_TERM_SHARE_OF_CEILING else "not yet"
            )
        emit(
            f"| {target.label} | {target.requests_per_second:,.0f} | "
            f"{target.share_of_ceiling:.2f} | {min(shares):.2f} to {max(shares):.2f} | "
            f"{target.p50_ms:.2f} | {target.p99_ms:.2f} | {verdict} | {later} |"
        )
    emit()
    if not measured.over_prism:
        emit(f"Prism: not measured ({measured.prism_missing}).")
    else:
        emit(
            "| the emulator's turn | against Prism's turn of the same operation | "
            "emulator / Prism (median of rounds) | rounds, lowest to highest | "
            f"target >= {TARGET_OVER_PRISM:.2f} |"
        )
        emit("|---|---|---:|---:|---|")
        for label, ratios in measured.over_prism.items():
            figure = Figure(
                f"emulator / Prism, {label}",
                statistics.median(ratios),
                TARGET_OVER_PRISM,
                ">=",
            )
            record(figure)
            emit(
                f"| {label} | {load.OVER_PRISM[label]} | {figure.value:.2f} | "
                f"{min(ratios):.2f} to {max(ratios):.2f} | {_met(figure.met())} |"
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
        record(Figure(f"writes / reads, {label}", statistics.median(ratios)))
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


def _contract(emit: Emit, record: Record) -> None:
    emit()
    emit("### 4. The contract suite (scripts/contract, emulator start included)")
    emit()
    contract = contract_time.measure()
    figure = Figure(
        "contract suite, wall time", contract.seconds, TARGET_CONTRACT_SECONDS, "<", 1, " s"
    )
    record(figure)
    emit(
        f"{contract.seconds:.1f} s wall time over {contract.operations} operations "
        f"(of {contract.operations_in_spec} in the spec; "
        f"{contract.seconds_per_operation:.1f} s each) for {contract.test_cases} test cases "
        f"({contract.cases_per_second:.0f} per second); target < {TARGET_CONTRACT_SECONDS} s: "
        f"{_met(figure.met())}. Where it goes: "
        + ", ".join(f"{name} {took:.1f} s" for name, took in contract.phases.items())
        + f", and {contract.outside_phases:.1f} s starting up and summing up."
    )


def _cli(emit: Emit, record: Record, quick: bool) -> None:
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
        figures = [
            Figure(
                f"koodrive groups ({cli.mode}), first row",
                cli.first_row_seconds,
                TARGET_CLI_FIRST_ROW,
                "<",
                unit=" s",
            ),
            Figure(
                f"koodrive groups ({cli.mode}), whole run",
                cli.total_seconds,
                TARGET_CLI_SECONDS,
                "<",
                1,
                " s",
            ),
            Figure(
                f"koodrive groups ({cli.mode}), peak RSS",
                cli.peak_rss_mib,
                TARGET_CLI_MIB,
                "<",
                0,
                " MiB",
            ),
        ]
        for figure in figures:
            record(figure)
        emit(
            f"| {cli.mode} | {cli.groups:,} | {cli.first_row_seconds:.2f} | "
            f"{cli.total_seconds:.1f} | {cli.peak_rss_mib:.0f} | "
            f"{_met(all(figure.met() for figure in figures))} |"
        )


def _scale(emit: Emit, record: Record, quick: bool) -> None:
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
        flat = Figure(
            f"{run_.groups:,} groups: SDK time per 1,000 / at the smallest",
            run_.ms_per_thousand / runs[0].ms_per_thousand,
            TARGET_FLAT,
            "<=",
        )
        emit(
            f"| {run_.groups:,} | {run_.start_seconds:.1f} | {run_.rss_started_mib:.0f} | "
            f"{run_.rss_paged_mib:.0f} | {run_.passes} | {run_.ms_per_thousand:.1f} | "
            f"{flat.value:.2f} | {_met(flat.met())} |"
        )
    largest = runs[-1]
    record(Figure(f"--groups {sizes[-1]:,}: emulator start", largest.start_seconds, unit=" s"))
    record(
        Figure(
            f"--groups {sizes[-1]:,}: emulator RSS, started",
            largest.rss_started_mib,
            digits=0,
            unit=" MiB",
        )
    )
    record(
        Figure(
            f"--groups {sizes[-1]:,}: emulator RSS, after paging",
            largest.rss_paged_mib,
            digits=0,
            unit=" MiB",
        )
    )
    record(flat)
    emit()
    emit(
        f"{sizes[-1]:,} memberships: the emulator started with only generated data, "
        f"`--groups {sizes[-1] // scale.GROUP_CAPACITY} --members "
        f"{sizes[-1] - sizes[-1] // scale.GROUP_CAPACITY}` (groups of "
        f"{scale.GROUP_CAPACITY} members, the owner included), and the SDK paging the members "
        f"of {scale.SAMPLED} of its groups (offset scheme, 100 a page):"
    )
    emit()
    emit(
        "| memberships | emulator start s | emulator RSS MiB, started | after paging | "
        f"members paged per pass | passes | SDK ms per 1,000 members | against the smallest | "
        f"flat: <= {TARGET_FLAT} |"
    )
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    members = scale.measure_members(sizes)
    for member_run in members:
        flat = Figure(
            f"{member_run.memberships:,} memberships: SDK time per 1,000 members / at the smallest",
            member_run.ms_per_thousand / members[0].ms_per_thousand,
            TARGET_FLAT,
            "<=",
        )
        emit(
            f"| {member_run.memberships:,} | {member_run.start_seconds:.1f} | "
            f"{member_run.rss_started_mib:.0f} | {member_run.rss_paged_mib:.0f} | "
            f"{member_run.paged:,} | {member_run.passes} | {member_run.ms_per_thousand:.1f} | "
            f"{flat.value:.2f} | {_met(flat.met())} |"
        )
    most = members[-1]
    record(Figure(f"{sizes[-1]:,} memberships: emulator start", most.start_seconds, unit=" s"))
    record(
        Figure(
            f"{sizes[-1]:,} memberships: emulator RSS, started",
            most.rss_started_mib,
            digits=0,
            unit=" MiB",
        )
    )
    record(flat)


def _paging_writes(emit: Emit, record: Record, quick: bool) -> None:
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
    correct = Figure(
        f"paging {groups:,} groups under writes: groups repeated, skipped or foreign",
        len(walk.problems),
        0,
        "<=",
        0,
    )
    record(correct)
    record(Figure(f"paging {groups:,} groups: walk with writes / without", walk.slowdown))
    emit(
        f"| {walk.groups:,} | {walk.listed:,} | {walk.writes:,} | {walk.shared_deleted} | "
        f"{walk.seconds:.2f} | {walk.quiet_seconds:.2f} | {walk.slowdown:.2f} | "
        f"{_met(correct.met())} |"
    )
    if walk.problems:
        emit()
    for problem in walk.problems:
        emit(f"MISSED: {problem}.")


def _versions(emit: Emit, record: Record, quick: bool, baseline: str) -> None:
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
        figure = Figure(
            f"this emulator / at {baseline}, {comparison.label}", comparison.ratio, 1.0, ">="
        )
        record(figure)
        emit(
            f"| {comparison.label} | {comparison.baseline_rate:,.0f} | "
            f"{comparison.current_rate:,.0f} | {comparison.ratio:.2f} | "
            f"{min(ratios):.2f} to {max(ratios):.2f} | {_met(figure.met())} |"
        )


def summary(runs: Sequence[Sequence[Figure]]) -> list[str]:
    """A table of every figure the runs recorded (in the order first recorded): the median
    over the runs, the lowest and highest, the goal, and whether the median meets it and in
    how many runs it was met. A figure some runs lack (Prism not installed, a section
    skipped) is summed up over the runs that have it, and says so."""
    by_name: dict[str, list[Figure]] = {}
    for figures in runs:
        for figure in figures:
            by_name.setdefault(figure.name, []).append(figure)
    lines = [
        f"### Summary of {len(runs)} run{'s' if len(runs) != 1 else ''}: the median of the "
        "runs, and their spread",
        "",
        "| figure | median of runs | runs, lowest to highest | goal | median | met in runs |",
        "|---|---:|---:|---|---|---:|",
    ]
    for name, figures in by_name.items():
        values = [figure.value for figure in figures]
        first = figures[0]
        median = statistics.median(values)
        met_in = sum(bool(figure.met()) for figure in figures)
        counted = "" if first.target is None else f"{met_in} of {len(figures)}"
        if len(figures) != len(runs):
            counted = f"{counted} (measured in {len(figures)} of {len(runs)})".lstrip()
        lines.append(
            f"| {name} | {first.shown(median)} | {first.shown(min(values))} to "
            f"{first.shown(max(values))} | {first.shown_goal} | {_met(first.met(median))} | "
            f"{counted} |"
        )
    return lines


def runs_report(runs: Sequence[Run], *, seconds: Sequence[float] | None = None) -> list[str]:
    """What --runs N writes: the summary first, then each run as it printed, its headings
    one level down."""
    lines = [*summary([run_.figures for run_ in runs])]
    for number, run_ in enumerate(runs, 1):
        took = "" if seconds is None else f" ({seconds[number - 1] / 60:.0f} min)"
        lines += ["", f"### Run {number} of {len(runs)}{took}", ""]
        lines += [f"#{line}" if line.startswith("### ") else line for line in run_.lines]
    return lines


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
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=__doc__,
        epilog="The figures to quote: `scripts/bench --runs 3 --output BENCHMARKS.md` on an "
        "idle machine (BENCHMARKS.md says how long it takes). --quick is a smoke test, not a "
        "measurement.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_NOTICE} (a few minutes); refused with --output and --runs",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        metavar="N",
        help="run the whole bench (or --only's section) N times; the results hold a summary "
        "of every figure (the median of the runs, lowest to highest) and then each run",
    )
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
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    if args.quick and (args.output is not None or args.runs > 1):
        parser.error(f"--quick is {QUICK_NOTICE}: it writes no results and sums up no runs")
    if args.quick:
        print(f"==> --quick: {QUICK_NOTICE}", file=sys.stderr)
    runs, seconds = [], []
    for number in range(1, args.runs + 1):
        if args.runs > 1:
            print(f"\n## Run {number} of {args.runs}\n", flush=True)
        start = time.perf_counter()
        runs.append(run(args.quick, args.baseline, args.only))
        seconds.append(time.perf_counter() - start)
        print(f"\n(run {number} took {seconds[-1]:.0f} s)", file=sys.stderr)
    lines = runs_report(runs, seconds=seconds)
    print("\n" + "\n".join(summary([run_.figures for run_ in runs])), flush=True)
    if args.output is not None:
        write_results(args.output, lines)
        print(f"results written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
