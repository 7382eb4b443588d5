"""scripts/spec-diff: each fixture pair reports exactly the changes its head names, the
breaking ones fail the gate unless info.version gets a major bump, and the real script
reads the base from a real git repository."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import spec_diff_command
from specdiff import Severity, compare
from versioning import is_major_bump, next_major, parse_version

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "base.yaml"
BREAKING = sorted((FIXTURES / "breaking").glob("*.yaml"))
COMPATIBLE = sorted((FIXTURES / "compatible").glob("*.yaml"))
SUITE = sorted((FIXTURES / "suite").glob("*.yaml"))


def expected_changes(head: Path) -> set[str]:
    """The `# expect <severity>: <location>: <message>` lines at the top of a fixture."""
    prefix = "# expect "
    lines = head.read_text(encoding="utf-8").splitlines()
    return {
        line.removeprefix(prefix)
        for line in lines
        if line.startswith(prefix) and line != "# expect no change"
    }


def reported_changes(output: str) -> set[str]:
    """The change lines spec-diff printed, as `<severity>: <location>: <message>`."""
    changes = set()
    for line in output.splitlines():
        if line.startswith("  "):
            severity, rest = line.strip().split(None, 1)
            changes.add(f"{severity}: {rest}")
    return changes


def run_spec_diff(
    base: Path, head: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    status = spec_diff_command.main(["--base-file", str(base), "--spec", str(head)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def with_version(source: Path, version: str, destination: Path) -> Path:
    text = source.read_text(encoding="utf-8")
    assert "  version: 1.0.0\n" in text
    destination.write_text(text.replace("  version: 1.0.0\n", f"  version: {version}\n"))
    return destination


def test_there_is_a_fixture_pair_per_kind_of_change() -> None:
    assert len(BREAKING) >= 25
    assert len(COMPATIBLE) >= 15
    assert len(SUITE) >= 2


@pytest.mark.parametrize("head", BREAKING, ids=lambda path: path.stem)
def test_breaking_fixture_fails_the_gate(head: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = expected_changes(head)
    assert any(line.startswith("breaking: ") for line in expected), "fixture names no break"

    status, out, err = run_spec_diff(BASE, head, capsys)

    assert reported_changes(out) == expected
    assert status == 1
    assert "FAILED: breaking changes need a major version bump" in err
    assert "Set it to 2.0.0 or later" in err


@pytest.mark.parametrize("head", COMPATIBLE, ids=lambda path: path.stem)
def test_compatible_fixture_passes_the_gate(head: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = expected_changes(head)
    assert all(line.startswith("compatible: ") for line in expected)

    status, out, err = run_spec_diff(BASE, head, capsys)

    assert reported_changes(out) == expected
    assert status == 0, err
    assert err == ""


@pytest.mark.parametrize("head", SUITE, ids=lambda path: path.stem)
def test_a_change_that_weakens_the_contract_suite_is_reported_without_failing_the_gate(
    head: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = expected_changes(head)
    assert expected
    assert all(line.startswith("suite: ") for line in expected)

    status, out, err = run_spec_diff(BASE, head, capsys)

    assert reported_changes(out) == expected
    assert status == 0, err
    assert "1 weakens the contract suite" in out


def test_a_major_bump_lets_a_breaking_change_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = with_version(FIXTURES / "breaking/removed-operation.yaml", "2.0.0", tmp_path / "h.yaml")

    status, out, _ = run_spec_diff(BASE, head, capsys)

    assert status == 0
    assert "breaking: DELETE /groups/{groupId}: operation removed" in reported_changes(out)
    assert "(1.0.0) ->" in out
    assert "(2.0.0)" in out


def test_a_minor_bump_is_not_enough_from_one_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = with_version(FIXTURES / "breaking/removed-operation.yaml", "1.1.0", tmp_path / "h.yaml")

    status, _, err = run_spec_diff(BASE, head, capsys)

    assert status == 1
    assert "info.version went 1.0.0 -> 1.1.0. Set it to 2.0.0 or later" in err


@pytest.mark.parametrize(
    ("old", "new", "passes"),
    [
        ("0.3.1", "0.4.0", True),  # below 1.0 the minor component is the major one
        ("0.3.1", "1.0.0", True),
        ("0.3.1", "0.3.2", False),
        ("0.0.3", "0.0.4", True),  # every 0.0.z release may break
    ],
)
def test_below_one_a_minor_bump_is_major(
    old: str, new: str, passes: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = with_version(BASE, old, tmp_path / "base.yaml")
    head = with_version(FIXTURES / "breaking/removed-operation.yaml", new, tmp_path / "h.yaml")

    status, _, _ = run_spec_diff(base, head, capsys)

    assert status == (0 if passes else 1)


@pytest.mark.parametrize(
    ("old", "new", "major"),
    [
        ("1.4.2", "2.0.0", True),
        ("1.4.2", "1.5.0", False),
        ("1.4.2", "1.4.3", False),
        ("1.4.2", "3.0.0rc1", True),
        ("0.1.0", "0.2.0", True),
        ("0.1.0", "0.1.1", False),
        ("0.0.1", "0.0.2", True),
        ("2.0.0", "1.9.0", False),
    ],
)
def test_major_bump_rule(old: str, new: str, major: bool) -> None:
    assert is_major_bump(parse_version(old, "old"), parse_version(new, "new")) is major


@pytest.mark.parametrize(
    ("version", "following"), [("1.4.2", "2.0.0"), ("0.1.0", "0.2.0"), ("0.0.7", "0.0.8")]
)
def test_next_major_is_the_smallest_version_that_may_break(version: str, following: str) -> None:
    next_version = next_major(parse_version(version, "spec"))
    assert str(next_version) == following
    assert is_major_bump(parse_version(version, "spec"), next_version)


def test_recursive_schemas_are_compared_without_looping() -> None:
    def tree_spec(extra_field: bool) -> dict[str, Any]:
        node: dict[str, Any] = {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            },
        }
        if extra_field:
            node["properties"]["size"] = {"type": "integer"}
        response = {"description": "A tree.", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Node"}}}}  # fmt: skip
        return {
            "openapi": "3.1.0",
            "info": {"title": "Trees", "version": "1.0.0"},
            "paths": {"/tree": {"get": {"responses": {"200": response}}}},
            "components": {"schemas": {"Node": node}},
        }

    changes = compare(tree_spec(False), tree_spec(True))

    assert [(c.severity, c.location, c.message) for c in changes] == [
        (Severity.COMPATIBLE, "GET /tree response 200 body.size", "field added")
    ]


def test_the_comparison_does_not_change_its_inputs() -> None:
    import yaml

    old = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    new = yaml.safe_load((FIXTURES / "breaking/enum-value-removed.yaml").read_text())
    old_copy, new_copy = copy.deepcopy(old), copy.deepcopy(new)

    compare(old, new)

    assert (old, new) == (old_copy, new_copy)


def test_invalid_yaml_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = tmp_path / "broken.yaml"
    head.write_text("openapi: 3.1.0\ninfo: [unclosed\n")

    status, out, err = run_spec_diff(BASE, head, capsys)

    assert status == 2
    assert err.startswith(f"spec-diff: {head} is not valid YAML")
    assert "Traceback" not in out + err


def test_an_invalid_openapi_document_is_named_with_the_offending_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = tmp_path / "invalid.yaml"
    text = BASE.read_text(encoding="utf-8")
    head.write_text(text.replace("          required: true\n", "          required: maybe\n", 1))

    status, _, err = run_spec_diff(BASE, head, capsys)

    assert status == 2
    assert err == (
        f'spec-diff: {head} is not valid OpenAPI: "maybe" is not of type "boolean"'
        ' (at paths["/groups"].get.parameters[0].required)\n'
    )


def test_a_version_that_is_not_one_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = with_version(BASE, "next", tmp_path / "h.yaml")

    status, _, err = run_spec_diff(BASE, head, capsys)

    assert status == 2
    assert "info.version 'next' is not a version (expected MAJOR.MINOR.PATCH" in err


def git(repository: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *arguments],
        cwd=repository,
        check=True,
        capture_output=True,
    )


def test_the_script_compares_with_a_git_revision(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    repository.mkdir()
    spec = repository / "openapi.yaml"
    git(repository, "init", "--quiet")
    spec.write_text(BASE.read_text(encoding="utf-8"))
    git(repository, "add", "openapi.yaml")
    git(repository, "commit", "--quiet", "-m", "1.0.0")
    spec.write_text((FIXTURES / "breaking/removed-parameter.yaml").read_text(encoding="utf-8"))

    def spec_diff(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [str(ROOT / "scripts/spec-diff"), "--spec", str(spec), *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    unbumped = spec_diff("HEAD")
    assert unbumped.returncode == 1, unbumped.stderr
    assert "openapi.yaml at HEAD (1.0.0) ->" in unbumped.stdout
    assert "breaking    GET /groups query parameter pageCursor: parameter removed" in (
        unbumped.stdout
    )
    assert "need a major version bump" in unbumped.stderr

    with_version(spec, "2.0.0", spec)
    bumped = spec_diff("HEAD")
    assert bumped.returncode == 0, bumped.stderr

    unknown = spec_diff("no-such-revision")
    assert unknown.returncode == 2
    assert "cannot read openapi.yaml at revision 'no-such-revision'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_last_release_compares_with_the_newest_release_tag_or_passes_without_one(
    tmp_path: Path,
) -> None:
    repository = tmp_path / "repo"
    repository.mkdir()
    spec = repository / "openapi.yaml"
    git(repository, "init", "--quiet")
    with_version(BASE, "1.9.0", spec)
    git(repository, "add", "openapi.yaml")
    git(repository, "commit", "--quiet", "-m", "1.9.0")

    def last_release() -> subprocess.CompletedProcess[str]:
        command = [str(ROOT / "scripts/spec-diff"), "--spec", str(spec), "--last-release"]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    untagged = last_release()
    assert untagged.returncode == 0, untagged.stderr
    assert "no release tag (v*) in this repository yet" in untagged.stdout

    git(repository, "tag", "v1.9.0")
    with_version(BASE, "1.10.0", spec)
    git(repository, "commit", "--quiet", "-am", "1.10.0")
    git(repository, "tag", "v1.10.0")
    with_version(FIXTURES / "breaking/removed-parameter.yaml", "1.11.0", spec)

    unbumped = last_release()
    # Newest by version order: sorted as text, v1.9.0 would come after v1.10.0.
    assert unbumped.returncode == 1, unbumped.stdout
    assert "openapi.yaml at v1.10.0 (1.10.0) -> " in unbumped.stdout
    assert "need a major version bump" in unbumped.stderr


def spec_diff_output(
    head: Path, capsys: pytest.CaptureFixture[str], *arguments: str
) -> tuple[int, str, str]:
    status = spec_diff_command.main(["--base-file", str(BASE), "--spec", str(head), *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_markdown_comment_says_what_breaks_for_whom_and_the_bump_required(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = spec_diff_output(
        FIXTURES / "breaking/shared-enum-value-added.yaml", capsys, "--format", "markdown"
    )

    assert status == 1  # the comment is posted and the check still fails
    assert out.startswith("### spec-diff: fails: 2 breaking change(s) without a major version")
    assert "It is 1.0.0: **set it to 2.0.0**." in out
    assert (
        "| `GET /groups response 200 body.groups[].kind` | enum value 2 added (the old SDK raises"
        " ValueError on it) | code that reads this response (the SDK's models among them) |"
    ) in out
    # The compatible change is listed, folded away.
    assert "<details><summary>1 compatible change(s)</summary>" in out
    assert "| `GET /groups query parameter sourceType` | enum value 2 added |" in out
    assert f"`scripts/spec-diff --changelog --base-file {BASE}`" in out


def test_the_markdown_comment_of_a_compatible_change_asks_for_a_minor_release(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = spec_diff_output(
        FIXTURES / "compatible/added-operation.yaml", capsys, "--format", "markdown"
    )

    assert status == 0
    assert out.startswith("### spec-diff: passes: no breaking change")
    assert "need a minor release (compatible additions): `info.version` 1.1.0 or later." in out
    assert "It is 1.0.0: **set it to 1.1.0**." in out
    assert "#### Breaking" not in out


def test_the_markdown_comment_shows_what_weakens_the_contract_suite(
    capsys: pytest.CaptureFixture[str],
) -> None:
    head = FIXTURES / "suite/link-removed.yaml"
    _, out, _ = spec_diff_output(head, capsys, "--format", "markdown")

    assert "#### Weakens the contract suite (1)" in out
    assert "| `GET /groups response 200 link nextPage` | link removed" in out


def test_json_holds_every_change_with_its_class_audience_and_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    head = FIXTURES / "breaking/next-cursor-min-length-removed.yaml"
    status, out, _ = spec_diff_output(head, capsys, "--format", "json")

    document = json.loads(out)
    assert status == 1
    assert document["passes"] is False
    assert document["required_bump"] == "major"
    assert document["least_version"] == "2.0.0"
    assert document["counts"] == {"breaking": 1, "suite": 0, "compatible": 0}
    [change] = document["changes"]
    assert change["severity"] == "breaking"
    assert change["location"] == "GET /groups response 200 body.nextCursor"
    assert change["message"] == "minLength 1 removed (an empty cursor would restart paging forever)"
    assert change["affects"] == "code that reads this response (the SDK's models among them)"
    lines = head.read_text(encoding="utf-8").splitlines()
    assert lines[change["line"] - 1] == "    get:"  # the operation's line in the new spec


def test_github_annotations_point_at_the_operation_and_fail_only_without_the_bump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = FIXTURES / "breaking/request-pattern-narrowed.yaml"
    status, out, _ = spec_diff_output(head, capsys, "--format", "github")

    [annotation] = [line for line in out.splitlines() if line.startswith("::")]
    line = next(
        number
        for number, text in enumerate(head.read_text(encoding="utf-8").splitlines(), 1)
        if text == "    delete:"
    )
    assert status == 1
    assert annotation.startswith(
        f"::error file={spec_diff_command._display(head)},line={line},"
        "title=spec-diff%3A breaking change::DELETE /groups/{groupId} path parameter groupId:"
    )
    assert annotation.endswith("Breaks: callers that send this value")
    assert "spec-diff: 1 breaking, 0 compatible change(s)" in out  # the text report follows

    bumped = with_version(head, "2.0.0", tmp_path / "h.yaml")
    status, out, _ = spec_diff_output(bumped, capsys, "--format", "github")
    assert status == 0
    assert out.startswith("::warning ")


def test_github_annotation_values_are_escaped() -> None:
    from spec_diff_report import _data, _property

    assert _data("50% done\nnext") == "50%25 done%0Anext"
    assert _property("a: b, c") == "a%3A b%2C c"


def test_the_changelog_draft_sorts_changes_into_keep_a_changelog_sections(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import datetime

    import yaml
    from spec_diff_report import Verdict, changelog

    old = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    new = yaml.safe_load((FIXTURES / "breaking/removed-parameter.yaml").read_text())
    new["paths"]["/groups"]["get"]["parameters"].append(
        {"name": "owner", "in": "query", "schema": {"type": "string"}}
    )
    new["paths"]["/groups"]["get"]["summary"] = "List every group"
    verdict = Verdict(
        "base", "head", parse_version("0.3.1", "b"), parse_version("0.3.1", "h"),
        compare(old, new), "openapi.yaml", "",
    )  # fmt: skip

    draft = changelog(verdict, today=datetime.date(2026, 12, 2))

    assert draft == (
        "## [0.4.0] - 2026-12-02\n\n"
        "### Added\n\n"
        "- `GET /groups query parameter owner`: new optional parameter.\n\n"
        "### Removed\n\n"
        "- **Breaking:** `GET /groups query parameter pageCursor`: parameter removed.\n"
    )
    assert "summary" not in draft  # documentation is not a release note


def test_the_changelog_option_prints_the_draft_and_does_not_gate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = spec_diff_output(
        FIXTURES / "breaking/removed-operation.yaml", capsys, "--changelog"
    )

    assert status == 0
    assert err == ""
    assert out.startswith("## [2.0.0] - ")
    assert "- **Breaking:** `DELETE /groups/{groupId}`: operation removed." in out
