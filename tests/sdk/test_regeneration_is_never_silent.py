"""When the spec changes and the client is regenerated, the overlays keep working or fail
`mypy --strict` loudly, naming what moved.

The spec is copied with a response field and a query parameter renamed, the client is
regenerated from it into a temporary directory, and mypy checks the overlays against it.
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


def mypy_overlays_against(client_root: Path, scratch: Path) -> subprocess.CompletedProcess[str]:
    """mypy --strict on overlays/koodrive with `client_root`/koodrive_client as the client."""
    config = scratch / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\npython_version = 3.11\nexplicit_package_bases = True\n"
        f"mypy_path = {client_root}:{ROOT / 'overlays'}\n",
        encoding="utf-8",
    )
    command = [
        sys.executable, "-m", "mypy", "--config-file", str(config),
        "--cache-dir", str(scratch / "mypy-cache"), str(ROOT / "overlays" / "koodrive"),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, cwd=scratch, check=False)


def renamed_spec(destination: Path) -> Path:
    spec: dict[str, Any] = yaml.safe_load(codegen.SPEC.read_text(encoding="utf-8"))
    page = spec["components"]["schemas"]["ListUserGroupsResponse"]["properties"]
    page["nextPageCursor"] = page.pop("nextCursor")
    operation = spec["paths"]["/koodrive/ose/v1/usergroups"]["get"]
    for parameter in operation["parameters"]:
        if parameter.get("name") == "pageCursor":
            parameter["name"] = "cursor"
    operation["responses"]["200"].pop("links")  # they name the old field
    path = destination / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_overlays_type_check_against_the_committed_client(tmp_path: Path) -> None:
    result = mypy_overlays_against(ROOT / "generated", tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_a_renamed_field_and_parameter_fail_mypy_naming_them(tmp_path: Path) -> None:
    client_root = tmp_path / "client"
    codegen.generate(renamed_spec(tmp_path), client_root / codegen.PACKAGE)

    result = mypy_overlays_against(client_root, tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert '"ListUserGroupsResponse" has no attribute "next_cursor"' in output
    assert 'Unexpected keyword argument "page_cursor"' in output


def test_the_overlays_use_no_any_and_no_casts() -> None:
    """Either would let a renamed field through mypy unnoticed."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "overlays" / "koodrive").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bAny\b|\bcast\(|type: ignore", line)
    ]

    assert offenders == []
