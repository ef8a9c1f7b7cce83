"""scripts/bump: one version in manifest.json, pyproject.toml and CHANGELOG.md."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scripts import version_bump as vb

REPOSITORY = "https://github.com/o/r"
DAY = dt.date(2027, 1, 2)
HINT = "<!-- Add entries. -->"
CHANGELOG = f"""# Changelog

## [Unreleased]

{HINT}

### Fixed

- A thing.

## [0.2.0] - 2026-11-28

- First.

[Unreleased]: {REPOSITORY}/compare/v0.2.0...HEAD
[0.2.0]: {REPOSITORY}/releases/tag/v0.2.0
"""


@pytest.mark.parametrize(
    ("wanted", "version"),
    [("patch", "0.2.1"), ("minor", "0.3.0"), ("major", "1.0.0"), ("0.10.0", "0.10.0")],
)
def test_next_version(wanted: str, version: str) -> None:
    assert vb.next_version("0.2.0", wanted) == version


@pytest.mark.parametrize(
    "wanted", ["0.2.0", "0.1.9", "1.0", "v1.0.0", "1.0.0b1", "next"]
)
def test_next_version_refuses_what_is_not_a_newer_release(wanted: str) -> None:
    with pytest.raises(vb.BumpError):
        vb.next_version("0.2.0", wanted)


def test_release_moves_unreleased_entries_under_the_new_heading() -> None:
    text = vb.release_changelog(CHANGELOG, "0.2.0", "0.3.0", DAY, REPOSITORY)

    assert (
        f"## [Unreleased]\n\n{HINT}\n\n## [0.3.0] - 2027-01-02\n\n### Fixed\n\n- A thing.\n\n## [0.2.0]"
        in text
    )
    assert text.endswith(
        f"[Unreleased]: {REPOSITORY}/compare/v0.3.0...HEAD\n"
        f"[0.3.0]: {REPOSITORY}/compare/v0.2.0...v0.3.0\n"
        f"[0.2.0]: {REPOSITORY}/releases/tag/v0.2.0\n"
    )


def test_first_release_links_its_tag() -> None:
    text = vb.release_changelog(
        "## [Unreleased]\n\n- New.\n", None, "0.1.0", DAY, REPOSITORY
    )

    assert text == (
        "## [Unreleased]\n\n## [0.1.0] - 2027-01-02\n\n- New.\n\n"
        f"[Unreleased]: {REPOSITORY}/compare/v0.1.0...HEAD\n"
        f"[0.1.0]: {REPOSITORY}/releases/tag/v0.1.0\n"
    )


def test_an_empty_unreleased_section_is_not_released() -> None:
    with pytest.raises(vb.BumpError, match="nothing to release"):
        vb.release_changelog(
            f"## [Unreleased]\n\n{HINT}\n\n## [0.2.0]\n",
            "0.2.0",
            "0.3.0",
            DAY,
            REPOSITORY,
        )


def test_disagreeing_versions_are_reported() -> None:
    versions = vb.read_versions(
        '{"version": "0.2.0"}', 'version = "0.1.0"\n', CHANGELOG
    )

    with pytest.raises(vb.BumpError, match="disagree"):
        versions.agreed()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copies of the three files the script edits."""
    manifest = {"domain": "d", "documentation": REPOSITORY, "version": "0.2.0"}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0.2.0"\n'
    )
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG)
    for name in ("MANIFEST", "PYPROJECT", "CHANGELOG"):
        path = getattr(vb, name)
        monkeypatch.setattr(vb, name, tmp_path / path.name)
    return tmp_path


def test_bump_writes_all_three_files(project: Path) -> None:
    assert vb.main(["minor", "--date", "2027-01-02"]) == 0

    assert json.loads((project / "manifest.json").read_text())["version"] == "0.3.0"
    assert 'version = "0.3.0"' in (project / "pyproject.toml").read_text()
    assert "## [0.3.0] - 2027-01-02" in (project / "CHANGELOG.md").read_text()


def test_bump_changes_nothing_when_it_fails(project: Path) -> None:
    (project / "pyproject.toml").write_text('version = "0.1.0"\n')

    assert vb.main(["minor"]) == 1
    assert json.loads((project / "manifest.json").read_text())["version"] == "0.2.0"
    assert (project / "CHANGELOG.md").read_text() == CHANGELOG
