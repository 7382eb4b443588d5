"""scripts/publish refuses bad input before building anything, and never shows a secret."""

from __future__ import annotations

import pytest
import release

SECRET = "s3cret-value-42"


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINE_USERNAME", "publisher")
    monkeypatch.setenv("TWINE_PASSWORD", SECRET)


def run_publish(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    status = release.main(["publish", *arguments])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.mark.usefixtures("credentials")
def test_a_url_carrying_credentials_is_refused_without_echoing_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, output = run_publish(
        capsys, "--repository-url", f"https://publisher:{SECRET}@pypi.example.com/"
    )

    assert status == 1
    assert output == (
        "scripts/publish: --repository-url must not carry credentials: set TWINE_USERNAME"
        " and TWINE_PASSWORD instead\n"
    )


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("url", ["pypi.example.com", "ftp://pypi.example.com/", "https://"])
def test_a_repository_url_must_be_http(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, output = run_publish(capsys, "--repository-url", url)

    assert status == 1
    assert output == (
        "scripts/publish: --repository-url must be an http(s) URL such as"
        f" https://pypi.example.com/, got {url!r}\n"
    )
    assert "Traceback" not in output


@pytest.mark.usefixtures("credentials")
def test_a_bad_index_url_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = run_publish(
        capsys, "--repository-url", "https://pypi.example.com/", "--index-url", "simple"
    )

    assert status == 1
    assert "--index-url must be an http(s) URL" in output


@pytest.mark.parametrize("missing", ["TWINE_USERNAME", "TWINE_PASSWORD"])
def test_missing_credentials_are_named(
    missing: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWINE_USERNAME", "publisher")
    monkeypatch.setenv("TWINE_PASSWORD", SECRET)
    monkeypatch.delenv(missing)

    status, output = run_publish(capsys, "--repository-url", "https://pypi.example.com/")

    assert status == 1
    assert "set TWINE_USERNAME and TWINE_PASSWORD" in output
    assert SECRET not in output


def test_the_repository_url_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        release.main(["publish"])

    assert exit_info.value.code == 2
    assert "the following arguments are required: --repository-url" in capsys.readouterr().err


def test_mask_hides_every_occurrence_of_each_secret() -> None:
    text = f"401 for {SECRET}; body echoed {SECRET}; user publisher"

    assert release.mask(text, [SECRET, ""]) == (
        "401 for ********; body echoed ********; user publisher"
    )
