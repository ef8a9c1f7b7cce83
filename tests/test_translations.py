"""Translations: en.json is generated, every language has every string, hassfest's rules hold."""

from __future__ import annotations

from collections import Counter
import json
from pathlib import Path
import re

import pytest

from scripts import translation_files as tf

DOMAIN = "smartcar_webhooks"
LANGUAGES = ("de", "es", "fr", "nl")
FILES = [tf.STRINGS, *sorted(tf.TRANSLATIONS.glob("*.json"))]

SOURCE = tf.flatten(json.loads(tf.english(tf.load(tf.STRINGS), DOMAIN)))

# hassfest (script/hassfest/translations.py) rejects these in any string.
HTML = re.compile(r"<[a-z/!][^>]*>", re.IGNORECASE)
URL = re.compile(r"https?://|www\.", re.IGNORECASE)
# ICU treats an apostrophe before a brace as a quote: the placeholder would show raw.
QUOTE_BEFORE_PLACEHOLDER = re.compile(r"['\u2019]\{")
COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")

CODE_SPAN = re.compile(r"`[^`]*`")
LIST_ITEM = re.compile(r"^- ", re.MULTILINE)


def markdown_shape(text: str) -> tuple[Counter[str], int, int, int]:
    """What a translation must keep of the Markdown: code, bold, list items, paragraphs."""
    return (
        Counter(CODE_SPAN.findall(text)),
        text.count("**"),
        len(LIST_ITEM.findall(text)),
        text.count("\n\n"),
    )


def test_english_translation_is_generated_from_strings_json() -> None:
    english = (tf.TRANSLATIONS / "en.json").read_text(encoding="utf-8")

    assert english == tf.english(tf.load(tf.STRINGS), DOMAIN, tf.home_assistant_root())


def test_the_languages_are_german_spanish_french_and_dutch() -> None:
    assert tf.languages() == list(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_has_exactly_the_keys_of_strings_json(language: str) -> None:
    translated = tf.flatten(tf.load(tf.TRANSLATIONS / f"{language}.json"))

    report = tf.compare(language, SOURCE, translated)

    assert (report.missing, report.stale) == ([], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_keeps_every_placeholder(language: str) -> None:
    translated = tf.flatten(tf.load(tf.TRANSLATIONS / f"{language}.json"))

    assert tf.compare(language, SOURCE, translated).placeholders == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_keeps_the_markdown(language: str) -> None:
    translated = tf.flatten(tf.load(tf.TRANSLATIONS / f"{language}.json"))

    changed = [
        key
        for key, text in SOURCE.items()
        if key in translated and markdown_shape(translated[key]) != markdown_shape(text)
    ]

    assert changed == []


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_strings_pass_the_hassfest_rules(path: Path) -> None:
    broken = {
        key: text
        for key, text in tf.flatten(tf.load(path)).items()
        if not isinstance(text, str)
        or not text
        or text != text.strip()
        or HTML.search(text)
        or URL.search(text)
        or QUOTE_BEFORE_PLACEHOLDER.search(text)
        or COMBINED_REFERENCE.search(text)
    }

    assert broken == {}


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_entity_keys_are_valid_translation_keys(path: Path) -> None:
    entity = tf.load(path).get("entity", {})
    keys = [key for platform in entity.values() for key in platform]

    assert [key for key in keys if not TRANSLATION_KEY.match(key)] == []


# --- the script ----------------------------------------------------------------


def no_lookup(key: str) -> str | None:
    return None


def test_references_to_own_strings_are_resolved() -> None:
    strings = {
        "config": {
            "abort": {
                "gone": "The car is gone.",
                "again": "[%key:component::smartcar_webhooks::config::abort::gone%] Retry.",
            }
        }
    }

    resolved = tf.resolve(strings, DOMAIN, no_lookup)

    assert resolved["config"]["abort"]["again"] == "The car is gone. Retry."


def test_references_outside_the_integration_are_looked_up() -> None:
    strings = {"config": {"abort": {"done": "[%key:common::config_flow::abort::x%]"}}}
    common = {"common::config_flow::abort::x": "Done"}

    assert tf.resolve(strings, DOMAIN, common.get)["config"]["abort"]["done"] == "Done"


def test_common_strings_come_from_home_assistant() -> None:
    lookup = tf.home_assistant_lookup(tf.home_assistant_root())

    assert lookup("common::config_flow::error::cannot_connect") == "Failed to connect"


def test_an_unknown_reference_fails() -> None:
    strings = {"title": "[%key:common::nothing::here%]"}

    with pytest.raises(tf.TranslationError, match="unknown reference"):
        tf.resolve(strings, DOMAIN, no_lookup)


def test_a_circular_reference_fails() -> None:
    own = "component::smartcar_webhooks::"
    strings = {"a": f"[%key:{own}b%]", "b": f"[%key:{own}a%]"}

    with pytest.raises(tf.TranslationError, match="circular"):
        tf.resolve(strings, DOMAIN, no_lookup)


def test_compare_lists_missing_stale_and_placeholder_mismatches() -> None:
    source = {"a": "A {x}", "b": "B", "c": "C"}
    translated = {"a": "Ä", "c": "Ç", "old": "Alt"}

    report = tf.compare("de", source, translated)

    assert (report.missing, report.stale, report.placeholders) == (
        ["b"],
        ["old"],
        ["a"],
    )
    assert not report.complete


def test_compare_lists_keys_whose_english_changed_since_translated() -> None:
    report = tf.compare(
        "de",
        {"a": "New", "b": "Same"},
        {"a": "Alt", "b": "Gleich"},
        {"a": "Old", "b": "Same"},
    )

    assert report.outdated == ["a"]
    assert report.complete


@pytest.fixture
def integration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the integration's translation files the script works on."""
    (tmp_path / "translations").mkdir()
    (tmp_path / "manifest.json").write_text(json.dumps({"domain": DOMAIN}))
    (tmp_path / "strings.json").write_text(tf.dump({"title": "Car {name}"}))
    (tmp_path / "translations" / "de.json").write_text(
        tf.dump({"title": "Auto {name}"})
    )
    monkeypatch.setattr(tf, "INTEGRATION", tmp_path)
    monkeypatch.setattr(tf, "STRINGS", tmp_path / "strings.json")
    monkeypatch.setattr(tf, "TRANSLATIONS", tmp_path / "translations")
    monkeypatch.setattr(tf, "english_last_seen", lambda path, domain: None)
    return tmp_path


def test_the_script_writes_english(integration: Path) -> None:
    assert tf.main([]) == 0

    assert tf.load(integration / "translations" / "en.json") == {"title": "Car {name}"}


def test_check_fails_while_english_is_out_of_date(integration: Path) -> None:
    assert tf.main(["--check"]) == 1
    tf.main([])
    assert tf.main(["--check"]) == 0


def test_missing_fails_for_an_incomplete_language(
    integration: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tf.main(["--missing"]) == 0
    (integration / "strings.json").write_text(tf.dump({"title": "Car", "new": "New"}))

    assert tf.main(["--missing"]) == 1
    assert "missing      new: 'New'" in capsys.readouterr().out


def _fields_without_description(tree: object, path: str = "") -> list[str]:
    if not isinstance(tree, dict):
        return []
    missing = [
        f"{path}.{field}"
        for field in tree.get("data", {})
        if field not in tree.get("data_description", {})
    ]
    for key, value in tree.items():
        missing += _fields_without_description(value, f"{path}.{key}".lstrip("."))
    return missing


def test_every_flow_field_says_what_it_is_for() -> None:
    """config-flow rule: every field of every form has a `data_description`."""
    strings = json.loads(tf.STRINGS.read_text(encoding="utf-8"))

    assert _fields_without_description(strings) == []


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_no_two_entities_share_a_name(language: str) -> None:
    """A car's device page lists each entity once by its name: every name differs."""
    entity = tf.load(tf.TRANSLATIONS / f"{language}.json")["entity"]
    names = Counter(
        item["name"]
        for platform in entity.values()
        for item in platform.values()
        if "name" in item
    )

    assert [name for name, count in names.items() if count > 1] == []
