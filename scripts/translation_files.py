"""The integration's translation files: generate English, report what other languages lack.

`strings.json` is the source. `translations/en.json` is generated from it with
Home Assistant's `[%key:...%]` references resolved the way Home Assistant's own
`script/translations/develop.py` resolves them (custom integrations ship resolved
files: Home Assistant reads `translations/<language>.json` as they are). Every
other language is written by hand and must have exactly the keys of
`strings.json`, with the same placeholders.

Standard library only: any Python 3.14 runs it, with or without the project's venv.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
import importlib.util
import json
from pathlib import Path
import re
import subprocess
import sys
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "smartcar_webhooks"
STRINGS = INTEGRATION / "strings.json"
TRANSLATIONS = INTEGRATION / "translations"

# The pattern of Home Assistant's script/translations/develop.py.
REFERENCE = re.compile(r"\[%key:([a-z0-9_]+(?:::(?:[a-z0-9-_])+)+)%\]")
# The frontend formats strings as ICU messages: `{name}` is a placeholder.
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class TranslationError(Exception):
    """A translation file cannot be generated or read."""


def load(path: Path) -> dict[str, Any]:
    """A translation file as a nested dict."""
    try:
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise TranslationError(f"{path}: {err}") from err
    if not isinstance(tree, dict):
        raise TranslationError(f"{path}: not a JSON object")
    return tree


def dump(tree: Mapping[str, Any]) -> str:
    """The committed form of a translation file (as strings.json is written)."""
    return json.dumps(tree, indent=2, ensure_ascii=False) + "\n"


def flatten(tree: Mapping[str, Any], separator: str = ".") -> dict[str, str]:
    """Every string of a nested translation tree by its joined key path."""

    def walk(node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
        for key, value in node.items():
            path = f"{prefix}{separator}{key}" if prefix else key
            if isinstance(value, Mapping):
                yield from walk(value, path)
            else:
                yield path, value

    return dict(walk(tree, ""))


def placeholders(text: str) -> set[str]:
    """The ICU placeholders of a string: `{webhook_url}` -> {"webhook_url"}."""
    return set(PLACEHOLDER.findall(text))


# --- English: strings.json with references resolved --------------------------


def home_assistant_root() -> Path | None:
    """The installed `homeassistant` package, found without importing it."""
    spec = importlib.util.find_spec("homeassistant")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def home_assistant_lookup(root: Path | None) -> Callable[[str], str | None]:
    """Look up `common::...` and `component::<domain>::...` in Home Assistant's strings."""
    cache: dict[str, dict[str, str]] = {}

    def table(name: str, path: Path) -> dict[str, str]:
        if name not in cache:
            cache[name] = flatten(load(path), "::") if path.is_file() else {}
        return cache[name]

    def lookup(key: str) -> str | None:
        if root is None:
            return None
        if key.startswith("component::"):
            _, domain, rest = key.split("::", 2)
            path = root / "components" / domain / "strings.json"
            return table(f"component::{domain}", path).get(rest)
        return table("core", root / "strings.json").get(key)

    return lookup


def resolve(
    strings: dict[str, Any], domain: str, lookup: Callable[[str], str | None]
) -> dict[str, Any]:
    """A copy of `strings` with every `[%key:...%]` reference replaced by its text.

    References to the integration's own strings are resolved from `strings`;
    anything else (`common::...`, other components) through `lookup`.
    """
    own = flatten(strings, "::")
    prefix = f"component::{domain}::"

    def text_of(key: str, seen: tuple[str, ...]) -> str:
        if key in seen:
            raise TranslationError(f"circular reference: {' -> '.join((*seen, key))}")
        value = own.get(key.removeprefix(prefix)) if key.startswith(prefix) else None
        if value is None:
            value = lookup(key)
        if value is None:
            raise TranslationError(f"unknown reference [%key:{key}%]")
        return substitute(value, (*seen, key))

    def substitute(value: str, seen: tuple[str, ...] = ()) -> str:
        return REFERENCE.sub(lambda match: text_of(match.group(1), seen), value)

    def walk(node: Mapping[str, Any]) -> dict[str, Any]:
        return {
            key: walk(value) if isinstance(value, Mapping) else substitute(value)
            for key, value in node.items()
        }

    return walk(strings)


def english(strings: dict[str, Any], domain: str, root: Path | None = None) -> str:
    """The text translations/en.json must have for these strings."""
    return dump(resolve(strings, domain, home_assistant_lookup(root)))


# --- other languages -----------------------------------------------------------


@dataclass
class LanguageReport:
    """How one language file differs from strings.json."""

    language: str
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Nothing to translate, remove or fix (outdated keys are only a hint)."""
        return not (self.missing or self.stale or self.placeholders)


def compare(
    language: str,
    source: Mapping[str, str],
    translated: Mapping[str, str],
    previous_source: Mapping[str, str] | None = None,
) -> LanguageReport:
    """Compare flattened trees: missing and stale keys, placeholders that differ.

    With `previous_source` (the English the translator last saw), keys whose
    English changed since then are listed as outdated.
    """
    report = LanguageReport(language)
    report.missing = [key for key in source if key not in translated]
    report.stale = [key for key in translated if key not in source]
    report.placeholders = [
        key
        for key, text in source.items()
        if key in translated and placeholders(text) != placeholders(translated[key])
    ]
    if previous_source is not None:
        report.outdated = [
            key
            for key, text in source.items()
            if key in translated
            and key in previous_source
            and previous_source[key] != text
        ]
    return report


def languages() -> list[str]:
    """The hand-written languages: every translations/*.json but English."""
    return sorted(
        path.stem for path in TRANSLATIONS.glob("*.json") if path.stem != "en"
    )


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        )
    except OSError, subprocess.CalledProcessError:
        return None
    return result.stdout


def english_last_seen(language_file: Path, domain: str) -> dict[str, str] | None:
    """The English (resolved strings.json) as it was when the language file was last committed.

    None when git cannot tell, or when the file has uncommitted edits (the
    translator is working against the current English).
    """
    relative = language_file.relative_to(ROOT).as_posix()
    if _git("diff", "--quiet", "HEAD", "--", relative) is None:
        return None
    commit = (_git("log", "-1", "--format=%H", "--", relative) or "").strip()
    if not commit:
        return None
    text = _git("show", f"{commit}:{STRINGS.relative_to(ROOT).as_posix()}")
    if text is None:
        return None
    try:
        return flatten(
            resolve(
                json.loads(text), domain, home_assistant_lookup(home_assistant_root())
            )
        )
    except ValueError, TranslationError:
        return None


def report_text(report: LanguageReport, source: Mapping[str, str]) -> str:
    """A readable report of one language, English text alongside."""
    counts = (
        f"{len(report.missing)} missing, {len(report.stale)} stale, "
        f"{len(report.placeholders)} placeholder mismatches, "
        f"{len(report.outdated)} outdated"
    )
    lines = [f"{report.language}: {counts}"]
    lines += [f"  missing      {key}: {source[key]!r}" for key in report.missing]
    lines += [f"  stale        {key}" for key in report.stale]
    lines += [
        f"  placeholders {key}: English has {sorted(placeholders(source[key]))}"
        for key in report.placeholders
    ]
    lines += [
        f"  outdated     {key}: English is now {source[key]!r}"
        for key in report.outdated
    ]
    return "\n".join(lines)


# --- command line ----------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Generate translations/en.json, check it, or report what other languages lack."""
    parser = argparse.ArgumentParser(prog="scripts/translations", description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--check",
        action="store_true",
        help="change nothing; fail when translations/en.json is not what strings.json gives",
    )
    action.add_argument(
        "--missing",
        action="store_true",
        help="list missing, stale and outdated keys per language; fail when any is incomplete",
    )
    args = parser.parse_args(argv)

    domain = json.loads((INTEGRATION / "manifest.json").read_text())["domain"]
    try:
        strings = load(STRINGS)
        wanted = english(strings, domain, home_assistant_root())
    except TranslationError as err:
        print(f"scripts/translations: {err}", file=sys.stderr)
        return 1
    target = TRANSLATIONS / "en.json"

    if args.missing:
        source = flatten(json.loads(wanted))
        incomplete = False
        for language in languages():
            path = TRANSLATIONS / f"{language}.json"
            report = compare(
                language, source, flatten(load(path)), english_last_seen(path, domain)
            )
            incomplete |= not report.complete
            print(report_text(report, source))
        return 1 if incomplete else 0

    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if args.check:
        if current != wanted:
            print(
                "scripts/translations: translations/en.json differs from strings.json; "
                "run scripts/translations",
                file=sys.stderr,
            )
            return 1
        return 0
    if current != wanted:
        target.write_text(wanted, encoding="utf-8")
        print("scripts/translations: wrote translations/en.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
