"""When the spec changes and generated/ is regenerated, the SDK follows it or the change is
refused loudly, naming what moved.

The resources are generated with the client, so a renamed field or parameter reaches the
SDK's methods by itself; what is still hand-written against them (the CLI) fails
`mypy --strict` naming the old name. A rename the spec's own behaviour declaration does
not follow stops the regeneration instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import codegen
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GROUPS = "/koodrive/ose/v1/usergroups"


def mypy_overlays_against(generated: Path, scratch: Path) -> subprocess.CompletedProcess[str]:
    """mypy --strict on overlays/koodrive and the resources, with `generated` as generated/."""
    config = scratch / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\npython_version = 3.11\nexplicit_package_bases = True\n"
        f"mypy_path = {generated}:{ROOT / 'overlays'}\n"
        # openapi-python-client's own code is not held to --strict (as in pyproject.toml).
        "[mypy-koodrive_client.*]\nignore_errors = True\n",
        encoding="utf-8",
    )
    command = [
        sys.executable, "-m", "mypy", "--config-file", str(config),
        "--cache-dir", str(scratch / "mypy-cache"), str(ROOT / "overlays" / "koodrive"),
        str(generated / "koodrive_resources"),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, cwd=scratch, check=False)


def changed_spec(destination: Path, *, follow_in_behaviour: bool) -> Path:
    """The spec with listUserGroups' `nextCursor` field and `groupName` parameter renamed."""
    spec: dict[str, Any] = yaml.safe_load(codegen.SPEC.read_text(encoding="utf-8"))
    page = spec["components"]["schemas"]["ListUserGroupsResponse"]["properties"]
    page["nextPageCursor"] = page.pop("nextCursor")
    operation = spec["paths"][GROUPS]["get"]
    for parameter in operation["parameters"]:
        if parameter.get("name") == "groupName":
            parameter["name"] = "nameContains"
    operation["responses"]["200"].pop("links")  # they name the old field
    if follow_in_behaviour:
        behaviour = operation["x-koodrive-behaviour"]
        behaviour["paging"]["next-cursor"] = "nextPageCursor"
        behaviour["paging"]["bound-to"] = ["sourceType", "nameContains"]
        behaviour["filters"]["nameContains"] = behaviour["filters"].pop("groupName")
    path = destination / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_overlays_and_resources_type_check_against_the_committed_tree(
    tmp_path: Path,
) -> None:
    result = mypy_overlays_against(ROOT / "generated", tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_a_rename_reaches_the_resources_and_the_cli_fails_mypy_naming_it(
    tmp_path: Path,
) -> None:
    generated = tmp_path / "generated"
    codegen.generate(changed_spec(tmp_path, follow_in_behaviour=True), generated)

    resource = (generated / "koodrive_resources" / "user_groups.py").read_text(encoding="utf-8")
    assert "body.next_page_cursor" in resource
    assert "name_contains: str | None = None" in resource
    result = mypy_overlays_against(generated, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r'cli\.py:\d+: error: Unexpected keyword argument "group_name"', output)
    assert not re.search(r"koodrive_resources\S*: error", output)  # it type-checks itself


@pytest.mark.slow
def test_a_rename_the_behaviour_does_not_follow_stops_regeneration_naming_it(
    tmp_path: Path,
) -> None:
    with pytest.raises(codegen.GenerationError, match="'nextCursor'") as raised:
        codegen.generate(changed_spec(tmp_path, follow_in_behaviour=False), tmp_path / "out")

    assert "x-koodrive-behaviour" in str(raised.value)


def test_the_overlays_use_no_any_and_no_casts() -> None:
    """Either would let a renamed field through mypy unnoticed."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "overlays" / "koodrive").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bAny\b|\bcast\(|type: ignore", line)
    ]

    assert offenders == []
