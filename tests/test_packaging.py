"""Packaging: manifest, HACS metadata, translations and brand images agree."""

from __future__ import annotations

import json
from pathlib import Path

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "smartcar_webhooks"
ROOT = INTEGRATION.parent.parent


def test_manifest_has_domain_and_name_first_then_sorted_keys() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    keys = list(manifest)

    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "smartcar_webhooks"
    assert manifest["iot_class"] == "cloud_push"
    assert manifest["after_dependencies"] == ["cloud"]
    assert {"webhook", "application_credentials"} <= set(manifest["dependencies"])


def test_hacs_json_keys_are_known_to_hacs() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())

    assert hacs["name"]
    assert set(hacs) <= {
        "name",
        "homeassistant",
        "hacs",
        "zip_release",
        "filename",
        "content_in_root",
        "hide_default_branch",
        "country",
        "persistent_directory",
    }
