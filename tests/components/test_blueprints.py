"""The blueprints load with Home Assistant's schema, import from their URL, and work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch
from urllib.parse import quote

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import importer
from homeassistant.components.blueprint.models import Blueprint, DomainBlueprints
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.const import CONF_LOW_BATTERY, DOMAIN
from tests.components.deliveries import V4, v4_state
from tests.conftest import PostDelivery

ROOT = Path(__file__).parents[2]
BLUEPRINTS = ROOT / "blueprints" / "automation" / DOMAIN
RAW = "https://raw.githubusercontent.com/smartcar-webhooks/ha-smartcar-webhooks/main"
REMINDER = "plug_in_reminder.yaml"
FINISHED = "charging_finished.yaml"
NAMES = sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))


def _raw_url(name: str) -> str:
    return f"{RAW}/blueprints/automation/{DOMAIN}/{name}"


@pytest.fixture(autouse=True)
async def components(hass: HomeAssistant) -> None:
    """Webhook (for `post_delivery`) and zones (for "home")."""
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(hass, "zone", {})


@pytest.fixture
def blueprint_folder(tmp_path: Path) -> Iterator[Path]:
    """A Home Assistant blueprint folder holding this repository's blueprints."""
    shutil.copytree(BLUEPRINTS, tmp_path / "automation" / DOMAIN)
    with patch.object(
        DomainBlueprints,
        "blueprint_folder",
        property(lambda self: tmp_path / self.domain),
    ):
        yield tmp_path


@pytest.fixture
def notify(hass: HomeAssistant) -> list[ServiceCall]:
    """Calls of notify.notify, the blueprints' default action."""
    return async_mock_service(hass, "notify", "notify")


def _device_id(hass: HomeAssistant) -> str:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, V4), entry.entry_id
    )
    assert device is not None
    return device.id


async def _use(hass: HomeAssistant, name: str, **inputs: Any) -> None:
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "use_blueprint": {
                    "path": f"{DOMAIN}/{name}",
                    "input": {"car": _device_id(hass), **inputs},
                }
            }
        },
    )
    await hass.async_block_till_done()


def _home(hass: HomeAssistant) -> tuple[float, float]:
    return hass.config.latitude, hass.config.longitude


# --- the files ------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_blueprint_loads_with_the_automation_blueprint_schema(name: str) -> None:
    blueprint = Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )

    assert blueprint.metadata["source_url"] == _raw_url(name)
    assert "car" in blueprint.inputs


def test_both_blueprints_are_shipped() -> None:
    assert NAMES == [FINISHED, REMINDER]


@pytest.mark.parametrize("name", NAMES)
async def test_blueprint_imports_from_its_raw_url(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, name: str
) -> None:
    aioclient_mock.get(_raw_url(name), text=(BLUEPRINTS / name).read_text())

    imported = await importer.fetch_blueprint_from_url(hass, _raw_url(name))

    assert imported.blueprint.domain == "automation"
    assert imported.blueprint.metadata["source_url"] == _raw_url(name)


@pytest.mark.parametrize("name", NAMES)
def test_readme_links_the_one_click_import_and_the_raw_url(name: str) -> None:
    readme = (ROOT / "README.md").read_text()

    assert _raw_url(name) in readme
    assert (
        "https://my.home-assistant.io/redirect/blueprint_import/"
        f"?blueprint_url={quote(_raw_url(name), safe='')}"
    ) in readme


# --- plug-in reminder -------------------------------------------------------------------


async def _at_nine_pm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    now = dt_util.now()
    nine = now.replace(hour=21, minute=0, second=0, microsecond=0)
    if nine <= now:
        nine += timedelta(days=1)
    freezer.move_to(nine)
    async_fire_time_changed(hass, nine)
    await hass.async_block_till_done()


@pytest.fixture
def evening(freezer: FrozenDateTimeFactory) -> datetime:
    """A quarter to nine in the evening, local time."""
    evening = dt_util.now().replace(hour=20, minute=45, second=0, microsecond=0)
    freezer.move_to(evening)
    return evening


@pytest.mark.usefixtures("blueprint_folder", "evening")
async def test_reminder_notifies_when_low_at_home_and_unplugged(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    await post_delivery(v4_state(1, 0, plugged=False, soc=15, location=_home(hass)))
    await _use(hass, REMINDER)

    await _at_nine_pm(hass, freezer)

    (call,) = notify
    assert call.data == {
        "title": "Kia EV6",
        "message": "The car is at 15 % and not plugged in.",
    }


@pytest.mark.parametrize(
    "state",
    [
        {"plugged": True, "soc": 15},
        {"plugged": False, "soc": 25},
        {"plugged": False, "soc": 15, "location": (52.5163, 13.3777)},
    ],
    ids=["plugged-in", "battery-high", "away"],
)
@pytest.mark.usefixtures("blueprint_folder", "evening")
async def test_reminder_stays_quiet(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
    state: dict[str, Any],
) -> None:
    await post_delivery(v4_state(1, 0, **{"location": _home(hass), **state}))
    await _use(hass, REMINDER)

    await _at_nine_pm(hass, freezer)

    assert notify == []


@pytest.mark.usefixtures("blueprint_folder", "evening")
async def test_reminder_without_a_level_uses_the_entry_threshold(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.config_entries.async_update_entry(setup_entry, options={CONF_LOW_BATTERY: 40})
    await post_delivery(v4_state(1, 0, plugged=False, soc=35, location=_home(hass)))
    await _use(hass, REMINDER)

    await _at_nine_pm(hass, freezer)

    assert len(notify) == 1


@pytest.mark.usefixtures("blueprint_folder", "evening")
async def test_reminder_with_a_level_and_its_own_action(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    await post_delivery(v4_state(1, 0, plugged=False, soc=35, location=_home(hass)))
    await _use(hass, REMINDER, below=40, notify_action="notify.mobile_app_phone")

    await _at_nine_pm(hass, freezer)

    assert len(phone) == 1


# --- charging finished -------------------------------------------------------------------


@pytest.mark.usefixtures("blueprint_folder")
async def test_finished_charging_notifies_with_the_battery_level(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, charging=True, status="CHARGING", soc=79))
    await _use(hass, FINISHED)

    await post_delivery(v4_state(2, 30, status="FULLY_CHARGED", soc=80))

    (call,) = notify
    assert call.data == {"title": "Kia EV6", "message": "Charging finished at 80 %."}


@pytest.mark.usefixtures("blueprint_folder")
async def test_charging_stopped_early_is_only_told_when_asked(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, charging=True, status="CHARGING", soc=50))
    await _use(hass, FINISHED)

    await post_delivery(v4_state(2, 30, status="NOT_CHARGING", soc=55))

    assert notify == []


@pytest.mark.usefixtures("blueprint_folder")
async def test_charging_stopped_early_notifies_when_asked(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, charging=True, status="CHARGING", soc=50))
    await _use(hass, FINISHED, when_stopped=True)

    await post_delivery(v4_state(2, 30, status="NOT_CHARGING", soc=55))

    assert [call.data["message"] for call in notify] == ["Charging stopped at 55 %."]
