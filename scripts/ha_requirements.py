"""Print the Python requirements Home Assistant installs at start for a configuration.

Run with the Python of the Home Assistant in question:

    .venv/bin/python -m scripts.ha_requirements config/configuration.yaml

It follows what Home Assistant sets up (its default integrations, the
configuration's top-level integrations and the custom integration) and,
as Home Assistant does, their dependencies and after-dependencies, and
prints each one's pinned requirements, plus those of the default multi-factor auth module. Installing
the result before the first start means Home Assistant never downloads
anything while it starts (and does not fall into recovery mode for a missing
frontend).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys

import homeassistant
from homeassistant import bootstrap
from homeassistant.auth.mfa_modules import totp
from homeassistant.requirements import DISCOVERY_INTEGRATIONS

COMPONENTS = Path(homeassistant.__file__).parent / "components"
CUSTOM = Path(__file__).resolve().parent.parent / "custom_components"
# Set up only when configured, although bootstrap names them early.
ONLY_WHEN_CONFIGURED = {"isal", "sentry", "debugpy"}


def _manifest(domain: str) -> dict[str, object] | None:
    for folder in (CUSTOM, COMPONENTS):
        path = folder / domain / "manifest.json"
        if path.exists():
            manifest: dict[str, object] = json.loads(path.read_text())
            return manifest
    return None


def top_level_keys(configuration: Path) -> set[str]:
    """The integrations a configuration.yaml sets up (its unindented keys)."""
    keys = set()
    for line in configuration.read_text().splitlines():
        if match := re.match(r"^([a-z0-9_]+):", line):
            keys.add(match.group(1))
    return keys - {"homeassistant"}


def requirements(configuration: Path) -> list[str]:
    """Every pinned requirement of what Home Assistant sets up, sorted."""
    start = (
        set(bootstrap.CORE_INTEGRATIONS)
        | set(bootstrap.DEFAULT_INTEGRATIONS)
        | set(bootstrap.FRONTEND_INTEGRATIONS)
        | (set(bootstrap.LOGGING_AND_HTTP_DEPS_INTEGRATIONS) - ONLY_WHEN_CONFIGURED)
        | {"recorder", "smartcar_webhooks"}
        | top_level_keys(configuration)
    )
    todo, seen = list(start), set()
    found: set[str] = set(totp.REQUIREMENTS)
    while todo:
        domain = todo.pop()
        if domain in seen or (manifest := _manifest(domain)) is None:
            continue
        seen.add(domain)
        # As homeassistant.requirements does: the requirements of dependencies
        # and after-dependencies (set up or not), and of the discovery
        # integrations a manifest has matchers for.
        todo += list(manifest.get("dependencies", []))  # type: ignore[call-overload]
        todo += list(manifest.get("after_dependencies", []))  # type: ignore[call-overload]
        todo += [
            discovery
            for discovery, keys in DISCOVERY_INTEGRATIONS.items()
            if any(key in manifest for key in keys)
        ]
        found |= set(manifest.get("requirements", []))  # type: ignore[call-overload]
    return sorted(found, key=str.lower)


if __name__ == "__main__":
    for requirement in requirements(Path(sys.argv[1])):
        print(requirement)
