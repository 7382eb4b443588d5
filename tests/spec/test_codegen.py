"""generated/ is reproducible from the spec, and the drift check catches a stale tree.

These run the real generator (openapi-python-client), a few seconds per run.
"""

from __future__ import annotations

import filecmp
import re
import subprocess
import sys
from pathlib import Path

import codegen
import pytest
import yaml

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_regeneration_is_deterministic_and_matches_the_committed_tree(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    codegen.generate(codegen.SPEC, first)
    codegen.generate(codegen.SPEC, second)
    assert _tree(first) == _tree(second)
    assert _tree(first) == _tree(codegen.GENERATED)
    assert not filecmp.dircmp(first, codegen.GENERATED).diff_files


def test_check_generated_passes_on_the_committed_tree() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "check-generated")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches" in result.stdout


def test_check_generated_names_the_stale_files_after_a_spec_edit(tmp_path: Path) -> None:
    edited = tmp_path / "openapi.yaml"
    edited.write_text(
        codegen.SPEC.read_text(encoding="utf-8").replace("deviceName", "deviceLabel"),
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(ROOT / "scripts" / "check-generated"), "--spec", str(edited)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "generated/koodrive_client/models/bound_device_entity.py" in result.stdout
    assert "scripts/regenerate" in result.stdout


def test_check_generated_names_a_file_added_by_hand(tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    codegen.generate(codegen.SPEC, copy)
    (copy / "koodrive_client" / "models" / "hand_written.py").write_text("X = 1\n", "utf-8")
    assert codegen.stale_files(codegen.SPEC, copy) == [
        "generated/koodrive_client/models/hand_written.py"
    ]


def test_check_generated_names_a_resource_edited_by_hand(tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    codegen.generate(codegen.SPEC, copy)
    with (copy / "koodrive_resources" / "devices.py").open("a", encoding="utf-8") as edited:
        edited.write("# a hand edit\n")
    assert codegen.stale_files(codegen.SPEC, copy) == ["generated/koodrive_resources/devices.py"]


def test_a_method_renamed_in_the_spec_renames_the_resources_method(tmp_path: Path) -> None:
    edited = tmp_path / "openapi.yaml"
    text = codegen.SPEC.read_text(encoding="utf-8")
    edited.write_text(
        text.replace("{resource: devices, method: list}", "{resource: devices, method: bound}"),
        encoding="utf-8",
    )
    codegen.generate(edited, tmp_path / "generated")
    resource = (tmp_path / "generated" / "koodrive_resources" / "devices.py").read_text("utf-8")
    assert "def bound(" in resource
    assert "def list(" not in resource
    assert '"devices.bound()"' in resource


@pytest.mark.parametrize(
    ("declared", "told"),
    [
        (
            "{resource: devices, method: List}",
            "x-koodrive-sdk.method must be snake_case, not starting with _",
        ),
        ("{resource: 2devices, method: list}", "must be a Python identifier"),
        ("{resource: user_groups, method: list}", "both declare user_groups.list()"),
    ],
)
def test_a_facade_name_that_cannot_work_stops_the_regeneration_naming_it(
    tmp_path: Path, declared: str, told: str
) -> None:
    edited = tmp_path / "openapi.yaml"
    text = codegen.SPEC.read_text(encoding="utf-8")
    edited.write_text(text.replace("{resource: devices, method: list}", declared), "utf-8")
    with pytest.raises(codegen.GenerationError, match=re.escape(told)):
        codegen.generate(edited, tmp_path / "generated")


def test_a_spec_the_generator_rejects_is_reported_not_crashed(tmp_path: Path) -> None:
    broken = tmp_path / "openapi.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: 7\n", encoding="utf-8")
    with pytest.raises(codegen.GenerationError, match="openapi-python-client failed"):
        codegen.generate(broken, tmp_path / "out")


def _with_groups_parameter(tmp_path: Path, parameter: dict[str, object]) -> Path:
    spec = yaml.safe_load(codegen.SPEC.read_text(encoding="utf-8"))
    spec["paths"]["/koodrive/ose/v1/usergroups"]["get"]["parameters"].append(parameter)
    edited = tmp_path / "openapi.yaml"
    edited.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    return edited


@pytest.mark.parametrize("name", ["timeout", "cursor", "trace_id", "max_retries"])
def test_a_parameter_named_as_a_methods_own_argument_stops_the_regeneration(
    tmp_path: Path, name: str
) -> None:
    edited = _with_groups_parameter(
        tmp_path, {"name": name, "in": "query", "schema": {"type": "string"}}
    )
    with pytest.raises(codegen.GenerationError, match=f"would be the argument '{name}'"):
        codegen.generate(edited, tmp_path / "generated")


def test_a_parameter_named_as_a_methods_local_still_reaches_the_request(tmp_path: Path) -> None:
    """The methods' own locals start with _, so a parameter called `context` or `body` is
    sent as given, not replaced by the SDK's objects."""
    edited = _with_groups_parameter(
        tmp_path, {"name": "context", "in": "query", "schema": {"type": "string"}}
    )
    codegen.generate(edited, tmp_path / "generated")
    resource = (tmp_path / "generated" / "koodrive_resources" / "user_groups.py").read_text("utf-8")
    assert "context: str | None = None" in resource
    assert "context=omitted(context)," in resource


def test_a_date_time_parameter_gets_its_import(tmp_path: Path) -> None:
    edited = _with_groups_parameter(
        tmp_path,
        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    )
    codegen.generate(edited, tmp_path / "generated")
    resource = (tmp_path / "generated" / "koodrive_resources" / "user_groups.py").read_text("utf-8")
    assert "import datetime" in resource
    assert "since: datetime.datetime | None = None" in resource


def test_a_request_body_is_refused_until_the_facade_supports_it(tmp_path: Path) -> None:
    spec = yaml.safe_load(codegen.SPEC.read_text(encoding="utf-8"))
    operation = spec["paths"]["/koodrive/ose/v1/usergroups"]["get"]
    spec["paths"]["/koodrive/ose/v1/usergroups"]["post"] = {
        **operation,
        "operationId": "createUserGroup",
        "x-koodrive-sdk": {"resource": "user_groups", "method": "create"},
        "requestBody": {
            "content": {"application/json": {"schema": {"type": "object", "properties": {}}}}
        },
    }
    edited = tmp_path / "openapi.yaml"
    edited.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(codegen.GenerationError, match="createUserGroup: request bodies"):
        codegen.generate(edited, tmp_path / "generated")


def test_the_reserved_resource_names_are_every_name_the_clients_have() -> None:
    import facade
    from koodrive import AsyncKooDrive, KooDrive

    own = {
        name
        for client in (KooDrive, AsyncKooDrive)
        for name in dir(client)
        if not name.startswith("_")
    } - {module.name for module in facade.resource_modules(codegen.SPEC, codegen.CONFIG)}
    assert own == facade.RESERVED_RESOURCES


def test_the_resources_package_imports_on_its_own() -> None:
    for module in ("koodrive_resources", "koodrive_resources.user_groups"):
        result = subprocess.run(
            [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr


def test_the_trace_id_rule_of_the_sdk_is_read_from_the_spec(tmp_path: Path) -> None:
    spec = yaml.safe_load(codegen.SPEC.read_text(encoding="utf-8"))
    spec["components"]["schemas"]["TraceId"].update(
        {"minLength": 32, "maxLength": 32, "pattern": "^[0-9a-f]{32}$"}
    )
    edited = tmp_path / "openapi.yaml"
    edited.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    codegen.generate(edited, tmp_path / "generated")
    resource = (tmp_path / "generated" / "koodrive_resources" / "devices.py").read_text("utf-8")
    assert 'pattern="^[0-9a-f]{32}$"' in resource
    assert "length=32" in resource
    assert 'told="exactly 32 characters from [0-9a-f]"' in resource

    spec["components"]["schemas"]["TraceId"]["pattern"] = "^[A-Z]{32}$"
    edited.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(codegen.GenerationError, match="refuses hex digits"):
        codegen.generate(edited, tmp_path / "again")


def test_the_generator_reads_the_spec_without_importing_what_it_generates() -> None:
    """So that a broken or stale generated/ never stops its own regeneration."""
    code = (
        "import sys; sys.path.insert(0, 'scripts/lib'); import codegen; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('koodrive', 'koodrive_resources', 'koodrive_client')); print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
