"""Packaging: manifest, HACS metadata, version, code owners and CI agree with the rules.

Pure checks of the files (no Home Assistant instance), mirroring what hassfest
and the HACS action check for a custom integration, so a mistake shows up in
`scripts/test` before CI.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant import components, const
from homeassistant.const import Platform
from homeassistant.loader import Manifest
import pytest
import yaml

from scripts import version_bump

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "smartcar_webhooks"
ROOT = INTEGRATION.parent.parent
HA_COMPONENTS = Path(components.__path__[0])
MANIFEST: dict[str, Any] = json.loads((INTEGRATION / "manifest.json").read_text())
HACS: dict[str, Any] = json.loads((ROOT / "hacs.json").read_text())
REPOSITORY = "https://github.com/smartcar-webhooks/ha-smartcar-webhooks"

# hassfest's choices (script/hassfest/manifest.py).
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
}
# HACS's hacs.json schema (custom_components/hacs/utils/validate.py): key -> type.
HACS_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "content_in_root": bool,
    "country": (str, list),
    "filename": str,
    "hacs": str,
    "hide_default_branch": bool,
    "homeassistant": str,
    "persistent_directory": str,
    "render_readme": bool,
    "zip_release": bool,
}
# Components hassfest lets any integration import (script/hassfest/dependencies.py).
ALWAYS_IMPORTABLE = {
    *(platform.value for platform in Platform),
    "alert",
    "automation",
    "conversation",
    "default_config",
    "device_automation",
    "frontend",
    "group",
    "homeassistant",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "media_source",
    "onboarding",
    "panel_custom",
    "persistent_notification",
    "person",
    "script",
    "shopping_list",
    "sun",
    "system_health",
    "system_log",
    "timer",
    "webhook",
    "websocket_api",
    "zone",
}
GITHUB_HANDLE = re.compile(
    r"^@(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:/(?P<team>[A-Za-z0-9_.-]+))?$"
)


def version_tuple(version: str) -> tuple[int, ...]:
    """`2026.10` and `2026.10.0` alike, for comparing release numbers."""
    parts = [int(part) for part in re.findall(r"\d+", version)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


# --- manifest.json -----------------------------------------------------------------


def test_manifest_has_domain_and_name_first_then_sorted_keys() -> None:
    keys = list(MANIFEST)

    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_keys_are_known_to_home_assistant() -> None:
    assert set(MANIFEST) <= set(Manifest.__annotations__)


def test_manifest_has_what_a_custom_integration_needs() -> None:
    assert MANIFEST["domain"] == INTEGRATION.name == "smartcar_webhooks"
    assert MANIFEST["name"] == HACS["name"]
    assert MANIFEST["iot_class"] in IOT_CLASSES
    assert MANIFEST.get("integration_type", "hub") in INTEGRATION_TYPES
    assert MANIFEST["config_flow"] is True
    assert (
        MANIFEST["requirements"] == []
    )  # the Smartcar library ships inside the package
    assert MANIFEST["codeowners"]


def test_manifest_version_is_a_semver_release() -> None:
    version = MANIFEST["version"]

    assert version_bump.SEMVER.match(version)
    assert AwesomeVersion(version, ensure_strategy=AwesomeVersionStrategy.SEMVER)


def test_manifest_pyproject_and_changelog_state_the_same_version() -> None:
    versions = version_bump.read_versions(
        (INTEGRATION / "manifest.json").read_text(),
        (ROOT / "pyproject.toml").read_text(),
        (ROOT / "CHANGELOG.md").read_text(),
    )

    assert versions.changelog == versions.agreed() == MANIFEST["version"]


def test_changelog_keeps_an_unreleased_section_on_top() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()

    assert changelog.index(version_bump.UNRELEASED) < changelog.index(
        f"## [{MANIFEST['version']}]"
    )


def test_documentation_and_issue_tracker_point_at_the_repository() -> None:
    assert MANIFEST["documentation"] == REPOSITORY
    assert MANIFEST["issue_tracker"] == f"{REPOSITORY}/issues"


def test_code_owners_are_handles_of_the_repositorys_owner() -> None:
    owner = REPOSITORY.split("/")[3]

    for handle in MANIFEST["codeowners"]:
        match = GITHUB_HANDLE.match(handle)
        assert match, f"{handle} is not a GitHub user or @org/team"
        if match["team"]:
            assert match["owner"] == owner
        else:
            assert match["owner"] != owner, "an organisation itself cannot own code"


def test_github_codeowners_file_names_the_manifests_code_owners() -> None:
    lines = (ROOT / ".github" / "CODEOWNERS").read_text().splitlines()
    rules = [
        line.split() for line in lines if line.strip() and not line.startswith("#")
    ]

    assert rules == [["*", *MANIFEST["codeowners"]]]


def test_dependencies_are_home_assistant_components_listed_once_and_sorted() -> None:
    dependencies = MANIFEST.get("dependencies", [])
    after = MANIFEST.get("after_dependencies", [])

    assert dependencies == sorted(dependencies)
    assert after == sorted(after)
    assert not set(dependencies) & set(after)
    for domain in (*dependencies, *after):
        assert (HA_COMPONENTS / domain / "manifest.json").is_file(), domain


def imported_components(source: str) -> set[str]:
    """The `homeassistant.components.<x>` a module imports, outside TYPE_CHECKING."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("homeassistant.components."):
                found.add(node.module.split(".")[2])
            elif node.module == "homeassistant.components":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith("homeassistant.components.")
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_every_component_the_code_imports_is_a_dependency() -> None:
    allowed = (
        ALWAYS_IMPORTABLE
        | set(MANIFEST.get("dependencies", []))
        | set(MANIFEST.get("after_dependencies", []))
    )
    used = {
        component
        for path in INTEGRATION.rglob("*.py")
        for component in imported_components(path.read_text())
    }
    # A platform file of ours (diagnostics.py, repairs.py) may import its component.
    platforms = {path.stem for path in INTEGRATION.glob("*.py")} | {
        path.name for path in INTEGRATION.iterdir() if path.is_dir()
    }

    assert sorted(used - allowed - platforms) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from homeassistant.components.cloud import x", {"cloud"}),
        ("from homeassistant.components import webhook, http", {"webhook", "http"}),
        ("import homeassistant.components.recorder.util", {"recorder"}),
        ("if TYPE_CHECKING:\n    from homeassistant.components.http import v", set()),
        ("from homeassistant.helpers import entity", set()),
    ],
)
def test_imported_components_are_found(source: str, found: set[str]) -> None:
    assert imported_components(source) == found


# --- HACS --------------------------------------------------------------------------


def test_hacs_json_keys_are_known_to_hacs() -> None:
    assert HACS["name"]
    assert set(HACS) <= set(HACS_KEYS)
    for key, value in HACS.items():
        assert isinstance(value, HACS_KEYS[key]), key
    if HACS.get("zip_release"):
        assert HACS.get("filename")


def test_hacs_minimum_home_assistant_is_the_one_the_readme_states() -> None:
    readme = (ROOT / "README.md").read_text()
    stated = re.search(r"Home Assistant (\d{4}\.\d{1,2}(?:\.\d+)?) or newer", readme)

    assert stated, "the README states no minimum Home Assistant version"
    assert version_tuple(HACS["homeassistant"]) == version_tuple(stated[1])


def test_hacs_minimum_home_assistant_is_not_newer_than_the_tested_one() -> None:
    assert version_tuple(HACS["homeassistant"]) <= version_tuple(const.__version__)


def test_the_repository_holds_one_integration() -> None:
    folders = [
        path.name for path in (ROOT / "custom_components").iterdir() if path.is_dir()
    ]

    assert [name for name in folders if name != "__pycache__"] == [MANIFEST["domain"]]


# --- GitHub ------------------------------------------------------------------------


def workflow_steps() -> list[dict[str, Any]]:
    steps = []
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            steps.extend(job["steps"])
    return steps


def test_ci_runs_hassfest_the_hacs_action_and_the_test_suite() -> None:
    steps = workflow_steps()
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    runs = [step["run"] for step in steps if "run" in step]

    assert "home-assistant/actions/hassfest" in uses
    assert uses["hacs/action"]["with"]["category"] == "integration"
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.14"
    assert runs == ["scripts/setup", "scripts/test", "scripts/lint --check"]


def test_bug_report_asks_for_versions_webhook_format_and_diagnostics() -> None:
    form = yaml.safe_load(
        (ROOT / ".github" / "ISSUE_TEMPLATE" / "bug_report.yml").read_text()
    )
    fields = {field.get("id"): field for field in form["body"]}

    assert {"home_assistant_version", "integration_version", "diagnostics"} <= set(
        fields
    )
    formats = fields["webhook_format"]["attributes"]["options"]
    assert any(option.startswith("2.0") for option in formats)
    assert any(option.startswith("4.0") for option in formats)
