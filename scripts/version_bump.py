"""Bump the release version: manifest.json, pyproject.toml and the CHANGELOG heading together.

`scripts/bump minor` (or `major`, `patch`, or an explicit `1.2.3`) writes the
new version into the manifest (what HACS and Home Assistant show) and
pyproject.toml, and turns the CHANGELOG's "Unreleased" section into
"## [1.2.3] - <today>" with a fresh, empty "Unreleased" above it and the
compare links at the bottom updated. It refuses to release an empty
"Unreleased" section, and changes nothing when any of the three disagree.

Standard library only: any Python 3.14 runs it, with or without the project's venv.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import datetime as dt
import json
from pathlib import Path
import re
import sys

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "custom_components" / "smartcar_webhooks" / "manifest.json"
PYPROJECT = ROOT / "pyproject.toml"
CHANGELOG = ROOT / "CHANGELOG.md"

# Releases are plain SemVer: what HACS, AwesomeVersion and PEP 440 all read alike.
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
MANIFEST_VERSION = re.compile(r'("version"\s*:\s*")([^"]*)(")')
PYPROJECT_VERSION = re.compile(r'^(version\s*=\s*")([^"]*)(")', re.MULTILINE)
RELEASE_HEADING = re.compile(r"^## \[(\d[^\]]*)\]", re.MULTILINE)
UNRELEASED = "## [Unreleased]"
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


class BumpError(Exception):
    """The version cannot be bumped as asked."""


@dataclass(frozen=True)
class Versions:
    """The version each file states."""

    manifest: str
    pyproject: str
    changelog: str | None  # the newest release heading

    def agreed(self) -> str:
        """The one version all three state (no release heading yet is fine), or BumpError."""
        stated = {self.manifest, self.pyproject}
        if self.changelog is not None:
            stated.add(self.changelog)
        if len(stated) != 1:
            raise BumpError(
                f"versions disagree: manifest.json {self.manifest}, pyproject.toml "
                f"{self.pyproject}, CHANGELOG.md {self.changelog}"
            )
        return self.manifest


def _match(pattern: re.Pattern[str], text: str, name: str) -> re.Match[str]:
    if (match := pattern.search(text)) is None:
        raise BumpError(f"no version found in {name}")
    return match


def read_versions(manifest: str, pyproject: str, changelog: str) -> Versions:
    """The versions stated by the three files' texts."""
    heading = RELEASE_HEADING.search(changelog)
    return Versions(
        manifest=_match(MANIFEST_VERSION, manifest, "manifest.json").group(2),
        pyproject=_match(PYPROJECT_VERSION, pyproject, "pyproject.toml").group(2),
        changelog=heading.group(1) if heading else None,
    )


def next_version(current: str, wanted: str) -> str:
    """The version after `current`: `major`, `minor`, `patch` or an explicit one."""
    if (parsed := SEMVER.match(current)) is None:
        raise BumpError(f"current version {current!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in parsed.groups())
    match wanted:
        case "major":
            return f"{major + 1}.0.0"
        case "minor":
            return f"{major}.{minor + 1}.0"
        case "patch":
            return f"{major}.{minor}.{patch + 1}"
    if (explicit := SEMVER.match(wanted)) is None:
        raise BumpError(
            f"{wanted!r} is neither major, minor, patch nor MAJOR.MINOR.PATCH"
        )
    if tuple(int(part) for part in explicit.groups()) <= (major, minor, patch):
        raise BumpError(f"{wanted} is not newer than {current}")
    return wanted


def set_version(pattern: re.Pattern[str], text: str, version: str, name: str) -> str:
    """The text with its version replaced."""
    _match(pattern, text, name)
    return pattern.sub(lambda match: f"{match[1]}{version}{match[3]}", text, count=1)


def release_changelog(
    text: str, previous: str | None, version: str, date: dt.date, repository: str
) -> str:
    """Move the Unreleased entries under a heading for `version`; update the links."""
    start = text.find(UNRELEASED)
    if start < 0:
        raise BumpError(f"CHANGELOG.md has no {UNRELEASED!r} section")
    body_start = start + len(UNRELEASED)
    following = re.compile(r"^(## \[|\[[^\]]+\]: )", re.MULTILINE).search(
        text, body_start
    )
    body_end = following.start() if following else len(text)
    body = text[body_start:body_end]
    entries = COMMENT.sub("", body).strip()
    if not entries:
        raise BumpError(
            "nothing to release: the Unreleased section of CHANGELOG.md is empty"
        )
    hints = "\n".join(COMMENT.findall(body))
    unreleased = f"{UNRELEASED}\n\n{hints}\n\n" if hints else f"{UNRELEASED}\n\n"
    released = f"## [{version}] - {date.isoformat()}\n\n{entries}\n\n"
    text = text[:start] + unreleased + released + text[body_end:].lstrip("\n")

    unreleased_link = f"[Unreleased]: {repository}/compare/v{version}...HEAD"
    version_link = (
        f"[{version}]: {repository}/compare/v{previous}...v{version}"
        if previous
        else f"[{version}]: {repository}/releases/tag/v{version}"
    )
    links = re.compile(r"^\[Unreleased\]: .*$", re.MULTILINE)
    if links.search(text):
        return links.sub(f"{unreleased_link}\n{version_link}", text, count=1)
    return f"{text.rstrip()}\n\n{unreleased_link}\n{version_link}\n"


def main(argv: list[str] | None = None) -> int:
    """Bump the version in all three files, or say why not."""
    parser = argparse.ArgumentParser(prog="scripts/bump", description=__doc__)
    parser.add_argument("version", help="major, minor, patch, or MAJOR.MINOR.PATCH")
    parser.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        default=None,
        help="release date (default: today)",
    )
    args = parser.parse_args(argv)

    manifest, pyproject = MANIFEST.read_text(), PYPROJECT.read_text()
    changelog = CHANGELOG.read_text()
    try:
        versions = read_versions(manifest, pyproject, changelog)
        current = versions.agreed()
        version = next_version(current, args.version)
        repository = json.loads(manifest)["documentation"].rstrip("/")
        changelog = release_changelog(
            changelog,
            versions.changelog,
            version,
            args.date or dt.datetime.now(dt.UTC).date(),
            repository,
        )
        manifest = set_version(MANIFEST_VERSION, manifest, version, "manifest.json")
        pyproject = set_version(PYPROJECT_VERSION, pyproject, version, "pyproject.toml")
    except BumpError as err:
        print(f"scripts/bump: {err}", file=sys.stderr)
        return 1
    MANIFEST.write_text(manifest)
    PYPROJECT.write_text(pyproject)
    CHANGELOG.write_text(changelog)
    print(f"scripts/bump: {current} -> {version}; commit, then tag v{version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
