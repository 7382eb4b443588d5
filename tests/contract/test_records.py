"""The run marker and the ledger (contract_tests.records): what a run's cleanup relies on."""

from __future__ import annotations

from pathlib import Path

from koodrive_spec import Spec

from contract_tests.records import (
    Entry,
    Ledger,
    Marker,
    WriteSpec,
    marked_by_any_run,
    outstanding,
    valid,
)

KINDS = WriteSpec(Spec.packaged())


def test_every_marked_name_keeps_to_its_fields_schema() -> None:
    marker = Marker("0123abcd")
    for operation in KINDS.writes:
        for field in [*KINDS.marked_fields(operation), KINDS.write(operation).same_record_for]:
            if field is None:
                continue
            schema = KINDS.body_schema(operation, field)
            for given in ("Design Team", "x" * 64, "123"):
                marked = marker.mark(given, schema)
                assert marked is not None, (operation, field, given)
                assert valid(marked, schema)
                assert marker.is_ours(marked)
                assert marked_by_any_run(marked)
            unique = marker.unique(schema)
            assert unique is not None
            assert valid(unique, schema)
            assert unique != marker.unique(schema)


def test_the_marker_is_read_from_the_spec_and_machine_codes_get_the_underscore_form() -> None:
    marker = Marker("0123abcd")

    assert KINDS.marked_fields("createUserGroup") == ["groupName"]
    assert KINDS.marked_fields("updateUserGroup") == ["groupName"]  # sets the marked field
    assert KINDS.records["listUserGroups"].marker_field == "groupName"
    assert (
        marker.mark("Design Team", KINDS.body_schema("createUserGroup", "groupName"))
        == ("kd-0123abcd-Design Team"[:30])
    )
    code = marker.unique(KINDS.body_schema("bindDevice", "machineCode"))
    assert code is not None
    assert code.startswith("kd_0123abcd_")


def test_only_marked_names_count_as_a_runs() -> None:
    assert marked_by_any_run("kd-0123abcd-Design Team")
    assert marked_by_any_run("kd_0123abcd_7")
    assert not marked_by_any_run("kd-team")
    assert not marked_by_any_run("Xkd-0123abcd-")
    assert not marked_by_any_run("kd-0123ABCD-x")
    assert not Marker("0123abcd").is_ours("kd-ffffffff-x")


def test_the_ledger_holds_what_was_created_and_not_removed_even_cut_short(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.jsonl"
    ledger = Ledger(path)
    ledger.start("0123abcd", "http://127.0.0.1:9")
    first, second = Entry("listUserGroups", "1", "7"), Entry("listBoundDevices", "2", "7")
    ledger.created(first)
    ledger.created(second)
    ledger.removed(first)
    with path.open("a") as file:
        file.write('{"created": {"listing": "listUserGr')  # the run was killed mid-line

    assert outstanding(path) == [second]
