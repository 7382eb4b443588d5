"""generated/ is reproducible from the spec, and the drift check catches a stale tree.

These run the real generator (openapi-python-client), a few seconds per run.
"""

from __future__ import annotations

import filecmp
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def _edited(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    spec = yaml.safe_load(codegen.SPEC.read_text(encoding="utf-8"))
    change(spec)
    edited = tmp_path / "openapi.yaml"
    edited.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    return edited


def _resource(tmp_path: Path, name: str) -> str:
    return (tmp_path / "generated" / "koodrive_resources" / f"{name}.py").read_text("utf-8")


def test_a_request_body_becomes_keyword_arguments_and_path_parameters_positional() -> None:
    resource = (codegen.GENERATED / "koodrive_resources" / "user_groups.py").read_text("utf-8")
    update = resource.split("    def update(", 1)[1].split('"""', 1)[0]
    assert update.split("*,")[0].split() == ["self,", "group_id:", "str,"]
    for argument in (
        "group_name: str,",
        "source_type: SourceType | int,",
        "icon_url: str | None = None,",
        "top: UpdateUserGroupRequestTop | str | None = None,",
    ):
        assert argument in update.split("*,")[1]
    assert ") -> None:" in update
    assert "top=omitted(_top)," in resource
    assert "def create(\n        self,\n        *,\n        group_name: str," in resource
    assert ") -> str:" in resource.split("    def create(", 1)[1]
    devices = (codegen.GENERATED / "koodrive_resources" / "devices.py").read_text("utf-8")
    assert ") -> BoundDeviceEntity:" in devices.split("    def bind(", 1)[1]


def test_safe_to_repeat_and_the_write_are_generated_from_the_behaviour(tmp_path: Path) -> None:
    resource = (codegen.GENERATED / "koodrive_resources" / "user_groups.py").read_text("utf-8")
    create = resource.split("_USER_GROUPS_CREATE = Operation(", 1)[1].split("\n)\n", 1)[0]
    assert "safe_to_repeat=False," in create
    assert 'effect="create",' in create
    assert 'listing="user_groups.list()",' in create
    update = resource.split("_USER_GROUPS_UPDATE = Operation(", 1)[1].split("\n)\n", 1)[0]
    assert "safe_to_repeat" not in update  # True, the default

    def repeatable(spec: dict[str, Any]) -> None:
        post = spec["paths"]["/koodrive/ose/v1/usergroups"]["post"]
        post["x-koodrive-behaviour"]["safe-to-repeat"] = True

    codegen.generate(_edited(tmp_path, repeatable), tmp_path / "generated")
    assert (
        "safe_to_repeat" not in _resource(tmp_path, "user_groups").split("_USER_GROUPS_UPDATE")[0]
    )


def test_what_a_method_returns_is_read_from_x_koodrive_sdk(tmp_path: Path) -> None:
    def returns_msg(spec: dict[str, Any]) -> None:
        post = spec["paths"]["/koodrive/ose/v1/usergroups"]["post"]
        post["x-koodrive-sdk"]["returns"] = "msg"

    codegen.generate(_edited(tmp_path, returns_msg), tmp_path / "generated")
    resource = _resource(tmp_path, "user_groups")
    assert "_USER_GROUPS_CREATE, _trace).msg" in resource


@pytest.mark.parametrize(
    ("change", "told"),
    [
        (
            lambda post: post["x-koodrive-sdk"].update(returns="ident"),
            "createUserGroup: x-koodrive-sdk.returns: CreateUserGroupResponse has no field 'ident'",
        ),
        (
            lambda post: post["x-koodrive-sdk"].update(result="id"),
            "createUserGroup: x-koodrive-sdk.result is not a key the generator reads",
        ),
        (
            lambda post: post["requestBody"]["content"].update(
                {
                    "application/x-www-form-urlencoded": post["requestBody"]["content"][
                        "application/json"
                    ]
                }
            ),
            "createUserGroup: the SDK's generated methods send one JSON request body",
        ),
        (
            lambda post: post["parameters"].append(
                {"name": "groupName", "in": "query", "schema": {"type": "string"}}
            ),
            "createUserGroup: body field and parameter would both be the argument 'group_name'",
        ),
        (
            lambda post: post["parameters"].append(
                {"name": "session", "in": "cookie", "schema": {"type": "string"}}
            ),
            "createUserGroup: cookie parameters are not supported",
        ),
    ],
)
def test_a_write_the_facade_cannot_serve_stops_the_regeneration_naming_it(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], told: str
) -> None:
    def edit(spec: dict[str, Any]) -> None:
        change(spec["paths"]["/koodrive/ose/v1/usergroups"]["post"])

    with pytest.raises(codegen.GenerationError, match=re.escape(told)):
        codegen.generate(_edited(tmp_path, edit), tmp_path / "generated")


def test_a_body_field_named_as_a_methods_own_argument_stops_the_regeneration(
    tmp_path: Path,
) -> None:
    def timeout_field(spec: dict[str, Any]) -> None:
        schema = spec["components"]["schemas"]["CreateUserGroupRequest"]
        schema["properties"]["timeout"] = {"type": "integer"}

    with pytest.raises(codegen.GenerationError, match="body field 'timeout' would be the argument"):
        codegen.generate(_edited(tmp_path, timeout_field), tmp_path / "generated")


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
