"""scripts/bench --output keeps the analysis written around a run's results."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import (
    RESULTS_BEGIN,
    RESULTS_END,
    Figure,
    Run,
    runs_report,
    summary,
    write_results,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_new_file_holds_the_results_between_markers(tmp_path: Path) -> None:
    target = tmp_path / "BENCHMARKS.md"

    write_results(target, ["| a | 1 |"])

    assert target.read_text() == f"{RESULTS_BEGIN}\n| a | 1 |\n{RESULTS_END}\n"


def test_the_text_around_the_markers_survives_a_new_run(tmp_path: Path) -> None:
    target = tmp_path / "BENCHMARKS.md"
    target.write_text(f"# Analysis\n\n{RESULTS_BEGIN}\nold\n{RESULTS_END}\n\n## Reasons\nkept\n")

    write_results(target, ["new", "lines"])

    assert target.read_text() == (
        f"# Analysis\n\n{RESULTS_BEGIN}\nnew\nlines\n{RESULTS_END}\n\n## Reasons\nkept\n"
    )


def test_a_file_without_markers_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "results.md"
    target.write_text("stale results\n")

    write_results(target, ["fresh"])

    assert target.read_text() == f"{RESULTS_BEGIN}\nfresh\n{RESULTS_END}\n"


@pytest.mark.parametrize(
    "text",
    [f"# Analysis\n{RESULTS_BEGIN}\nold\n", f"{RESULTS_END}\nold\n{RESULTS_BEGIN}\n"],
    ids=["one marker", "out of order"],
)
def test_a_file_with_broken_markers_is_left_as_it_was(tmp_path: Path, text: str) -> None:
    target = tmp_path / "BENCHMARKS.md"
    target.write_text(text)

    with pytest.raises(SystemExit, match="results markers"):
        write_results(target, ["new"])

    assert target.read_text() == text


def test_a_baseline_missing_from_the_history_is_named() -> None:
    from benchmarks import versions

    with (
        pytest.raises(versions.MissingBaseline, match="0000000 is not in this clone's history"),
        versions.checked_out("0000000"),
    ):
        pass


def test_the_baseline_tree_holds_what_its_emulator_imports() -> None:
    from benchmarks import versions

    try:
        with versions.checked_out(versions.BASELINE) as tree:
            assert (tree / "emulator" / "koodrive_emulator" / "cli.py").is_file()
            assert (tree / "openapi.yaml").is_file()
    except versions.MissingBaseline as error:  # a shallow clone has no history to take
        pytest.skip(str(error))


@pytest.mark.parametrize(
    ("goal", "value", "met"),
    [
        (">=", 3.0, True),
        (">=", 2.99, False),
        ("<=", 1.25, True),
        ("<=", 1.26, False),
        ("<", 89.9, True),
        ("<", 90.0, False),
    ],
)
def test_a_figure_meets_its_goal_at_the_boundary_as_the_goal_says(
    goal: str, value: float, met: bool
) -> None:
    target = {">=": 3.0, "<=": 1.25, "<": 90.0}[goal]

    assert Figure("x", value, target, goal).met() is met


def test_a_figure_without_a_goal_is_neither_met_nor_missed() -> None:
    assert Figure("writes / reads", 0.8).met() is None
    with pytest.raises(ValueError, match="a goal needs a target"):
        Figure("x", 1.0, 3.0)
    with pytest.raises(ValueError, match="a goal needs a target"):
        Figure("x", 1.0, 3.0, "==")


def _row(lines: list[str], name: str) -> list[str]:
    return next(line for line in lines if line.startswith(f"| {name} |")).split(" | ")


def test_the_summary_gives_the_median_of_runs_the_spread_and_the_runs_that_met() -> None:
    runs = [
        [Figure("emulator / Prism", 2.9, 3.0, ">="), Figure("writes / reads", 0.7)],
        [Figure("emulator / Prism", 3.4, 3.0, ">="), Figure("writes / reads", 0.9)],
        [Figure("emulator / Prism", 3.1, 3.0, ">="), Figure("writes / reads", 0.8)],
        [Figure("contract", 80.0, 90, "<", 1, " s")],  # one run measured it alone
    ]

    lines = summary(runs)

    assert lines[0].startswith("### Summary of 4 runs")
    prism = _row(lines, "emulator / Prism")
    assert prism[1:6] == ["3.10", "2.90 to 3.40", ">= 3.00", "met", "2 of 3 (measured in 3 of 4) |"]
    writes = _row(lines, "writes / reads")
    assert writes[1:6] == ["0.80", "0.70 to 0.90", "", "", "(measured in 3 of 4) |"]
    contract = _row(lines, "contract")
    assert contract[1:6] == [
        "80.0 s",
        "80.0 s to 80.0 s",
        "< 90.0 s",
        "met",
        "1 of 1 (measured in 1 of 4) |",
    ]


def test_the_median_of_an_even_number_of_runs_may_miss_where_most_runs_met() -> None:
    runs = [[Figure("share", value, 0.35, ">=")] for value in (0.30, 0.36, 0.37, 0.20)]

    share = _row(summary(runs), "share")

    assert share[1:6] == ["0.33", "0.20 to 0.37", ">= 0.35", "MISSED", "2 of 4 |"]


def test_the_runs_report_holds_the_summary_then_each_run_a_level_down() -> None:
    runs = [
        Run(["- Mode: full", "", "### 1. SDK", "| a |"], [Figure("a", 1.0)]),
        Run(["- Mode: full", "", "### 1. SDK", "| b |"], [Figure("a", 2.0)]),
    ]

    lines = runs_report(runs, seconds=[600.0, 660.0])

    assert lines[0].startswith("### Summary of 2 runs")
    assert _row(lines, "a")[1:3] == ["1.50", "1.00 to 2.00"]
    first = lines.index("### Run 1 of 2 (10 min)")
    second = lines.index("### Run 2 of 2 (11 min)")
    assert lines[first + 2 : second - 1] == ["- Mode: full", "", "#### 1. SDK", "| a |"]
    assert lines[second + 2 :] == ["- Mode: full", "", "#### 1. SDK", "| b |"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quick", "--output", "x.md"], "--quick is a smoke test"),
        (["--quick", "--runs", "2"], "--quick is a smoke test"),
        (["--runs", "0"], "--runs must be 1 or more"),
    ],
)
def test_a_smoke_test_is_never_written_as_results(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
        timeout=60,
    )

    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x.md").exists()


def test_the_help_says_quick_is_no_measurement() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )

    assert "not a measurement" in " ".join(result.stdout.split())
    assert "--runs N" in result.stdout
