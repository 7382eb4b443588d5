"""scripts/bench --output keeps the analysis written around a run's results."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.__main__ import RESULTS_BEGIN, RESULTS_END, write_results


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
