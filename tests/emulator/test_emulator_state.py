"""The state layer and its Python API, without HTTP: fixtures, synthetic data, credentials."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from koodrive_emulator import (
    DEV_APP_SECRET,
    DEV_TOKEN,
    Backend,
    Clock,
    Credentials,
    FixtureError,
    SourceType,
)
from koodrive_emulator.models import format_timestamp

USER = "1395476983395324033"
FIXTURES_YAML = """
users:
  - id: "100"
    devices:
      - {deviceName: Phone, createTime: "2025-01-02T03:04:05.678Z"}
      - {deviceId: "555", deviceName: Tablet, deviceOS: harmonyos, machineCode: "X1"}
    groups:
      - {groupName: Family, sourceType: 1}
      - {id: "900", groupName: Work, ownerId: "101", createdTime: "2024-04-25T06:49:49Z"}
    synthetic: {groups: 4, devices: 1, seed: 2}
  - id: 200
"""


def test_the_default_data_set(tmp_path: Path) -> None:
    backend = Backend.default()
    assert USER in backend.users()
    assert [d.device_name for d in backend.devices(USER)] == ["Magic v3", "Magic-v5"]
    assert len(backend.groups(USER)) == 12
    assert {g.source_type for g in backend.groups(USER)} == {
        SourceType.GROUP,
        SourceType.USER_GROUP,
    }


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_fixtures_files_in_yaml_or_json(tmp_path: Path, suffix: str) -> None:
    import yaml

    path = tmp_path / f"fixtures{suffix}"
    data = yaml.safe_load(FIXTURES_YAML)
    path.write_text(FIXTURES_YAML if suffix == ".yaml" else json.dumps(data), encoding="utf-8")
    backend = Backend.from_fixtures(path)
    # The owner of "Work", 101, is a member of it, and so a user the tenant knows.
    assert backend.users() == ["100", "200", "101"]
    phone, tablet, _generated = backend.devices("100")
    assert format_timestamp(phone.create_time) == "2025-01-02T03:04:05.678Z"
    assert phone.machine_code == "20250102"
    assert (tablet.device_id, tablet.device_os, tablet.machine_code) == ("555", "harmonyos", "X1")
    family, work, *generated = backend.groups("100")
    assert (family.source_type, family.owner_id) == (SourceType.USER_GROUP, "100")
    assert (work.id, work.owner_id, work.updated_time) == ("900", "101", work.created_time)
    assert len(generated) == 4
    assert backend.groups("200") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: {}", "'users' must be a list"),
        ("people: []", "one key, 'users'"),
        ("users: [{devices: []}]", r"users\[0\].id is required"),
        ("users: [{id: abc}]", r"users\[0\].id must be a string of 1 to 32 digits"),
        ("users: [{id: '1', groups: [{sourceType: 1}]}]", r"groups\[0\].groupName is required"),
        ("users: [{id: '1', groups: [{groupName: a, sourceType: 2}]}]", r"sourceType must be 0"),
        ("users: [{id: '1', groups: [{groupName: a, colour: red}]}]", r"unknown keys \['colour'\]"),
        ("users: [{id: '1', devices: [{deviceName: a, createTime: soon}]}]", "createTime must be"),
        ("users: [{id: '1', synthetic: {groups: -1}}]", r"synthetic.groups must be a whole"),
        (
            "users: [{id: '1', groups: [{id: '5', groupName: a}, {id: '5', groupName: b}]}]",
            "already has a group with id 5",
        ),
        ("users: [", "not valid YAML or JSON"),
    ],
)
def test_fixture_errors_name_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FixtureError, match=message):
        Backend.from_fixtures(path)


def test_a_missing_fixtures_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="cannot read fixtures file"):
        Backend.from_fixtures(tmp_path / "absent.yaml")


def test_synthetic_data_is_deterministic_and_well_formed() -> None:
    first, second = Backend(), Backend()
    for backend in (first, second):
        backend.seed_synthetic(USER, groups=300, devices=7, seed=5)
    assert first.groups(USER) == second.groups(USER)
    assert first.devices(USER) == second.devices(USER)
    groups = first.groups(USER)
    assert len({g.id for g in groups}) == 300
    assert all(g.id.isdigit() and len(g.id) >= 19 for g in groups)
    assert sum(g.source_type == SourceType.USER_GROUP for g in groups) == 100
    assert all(format_timestamp(g.created_time).endswith("Z") for g in groups)
    added = first.add_group(USER, group_name="after")
    assert added.id not in {g.id for g in groups}


def test_groups_filter_and_remove() -> None:
    backend = Backend()
    backend.add_group(USER, group_name="Alpha Team")
    beta = backend.add_group(USER, group_name="beta", source_type=SourceType.USER_GROUP)
    backend.add_group(USER, group_name="TEAM gamma")
    assert [g.group_name for g in backend.groups(USER, group_name="team")] == [
        "Alpha Team",
        "TEAM gamma",
    ]
    assert backend.groups(USER, source_type=1) == [beta]
    backend.remove_group(USER, beta.id)
    assert backend.groups(USER, source_type=1) == []
    with pytest.raises(KeyError):
        backend.remove_group(USER, beta.id)


@pytest.mark.parametrize("bad", ["", "abc", "1" * 33, "١٢"])
def test_user_ids_must_be_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="user_id"):
        Backend().add_group(bad, group_name="x")


def test_credentials_never_show_secrets() -> None:
    credentials = Credentials(token="tok-123456", app_secret="sec-654321")
    credentials.add_app("other", "other-secret")
    text = repr(credentials) + repr(credentials.app("other"))
    for secret in ("tok-123456", "sec-654321", "other-secret"):
        assert secret not in text


def test_development_credentials_are_the_documented_ones() -> None:
    credentials = Credentials.development()
    assert (credentials.user_id, credentials.token, credentials.app_id, credentials.app_secret) == (
        "1395476983395324033",
        DEV_TOKEN,
        "koodrive-dev-app",
        DEV_APP_SECRET,
    )
    assert credentials.is_development
    assert credentials.user_for_token("koodrive-dev-token") == USER
    assert credentials.user_for_token("koodrive-dev-token-") is None


def test_the_clock_freezes_and_advances() -> None:
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    clock = Clock(moment)
    clock.advance(90)
    assert clock.now() == datetime(2025, 1, 1, 0, 1, 30, tzinfo=UTC)
    clock.unfreeze()
    assert clock.now().year >= 2025
    with pytest.raises(ValueError, match="aware"):
        clock.freeze(datetime(2025, 1, 1))
