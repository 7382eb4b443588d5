"""What scripts/bench reads off a run is read right: the command's rows and first row, the
contract suite's phases, and why Prism was not measured. Real processes on 127.0.0.1."""

from __future__ import annotations

import pytest
from koodrive_emulator import Backend, Credentials

from benchmarks import cli_streaming, contract_time, servers


def test_the_command_run_counts_every_group_and_times_its_first_row_first() -> None:
    seeded = 250
    fixtures = len(Backend.default().groups(Credentials.development().user_id))

    runs = cli_streaming.measure(seeded)

    assert [run.mode for run in runs] == ["table", "json"]
    for run in runs:
        assert run.groups == seeded + fixtures
        assert 0 < run.first_row_seconds <= run.total_seconds
        assert run.peak_rss_mib > 1


def test_the_contract_suite_phases_are_read_from_schemathesis_output() -> None:
    output = (
        " ✅  Examples (in 0.24s)\n ✅  Coverage (in 2.19s)\n"
        " ✅  Fuzzing (in 5.42s)\n ✅  Stateful (in 23.14s)\n"
    )

    phases = dict(contract_time._PHASE.findall(output))

    assert phases == {
        "Examples": "0.24",
        "Coverage": "2.19",
        "Fuzzing": "5.42",
        "Stateful": "23.14",
    }


def test_prism_not_measured_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("benchmarks.servers.shutil.which", lambda name: None)

    command, why = servers.prism()

    assert command is None
    assert why == "Node.js is not installed"
