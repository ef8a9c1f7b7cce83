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
from homeassistant.helpers import device_registry as dr, entity_registry as er
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
SHIPPED = [
    "charging_finished.yaml",
    "charging_interrupted.yaml",
    "cheap_charging.yaml",
    "evening_summary.yaml",
    "leaving_home_refresh.yaml",
    "left_unlocked.yaml",
    "plug_in_reminder.yaml",
    "range_tomorrow.yaml",
    "solar_surplus_charging.yaml",
]


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
    # The car, or one of its entities, is picked from this integration's.
    assert any(
        f"'integration': '{DOMAIN}'" in str(spec.get("selector"))
        for spec in blueprint.inputs.values()
    )


def test_the_blueprint_library_is_shipped() -> None:
    assert NAMES == SHIPPED


@pytest.mark.parametrize("name", NAMES)
def test_every_input_has_a_name_a_description_and_a_usable_default(name: str) -> None:
    """The frontend cannot render a selector whose default is empty (None)."""
    blueprint = Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )

    for key, spec in blueprint.inputs.items():
        assert spec.get("name"), key
        assert spec.get("description"), key
        if "default" in spec:
            assert spec["default"] is not None, key


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


# --- every blueprint, with every input set -----------------------------------------------


def _key_entity(hass: HomeAssistant, platform: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{V4}_{key}")
    assert entity_id is not None, key
    return entity_id


def _every_input(hass: HomeAssistant, name: str) -> dict[str, Any]:
    """Values for every input of a blueprint, from the test car and helpers."""
    hass.states.async_set("sensor.grid_export", "0", {"device_class": "power"})
    hass.states.async_set("sensor.electricity_price", "0.31")
    hass.states.async_set("person.owner", "home")
    values: dict[str, Any] = {
        "car": _device_id(hass),
        "notify_action": "notify.notify",
        "battery": _key_entity(hass, "sensor", "battery_level"),
        "range": _key_entity(hass, "sensor", "range"),
        "lock": _key_entity(hass, "binary_sensor", "locked"),
        "location": _key_entity(hass, "device_tracker", "location"),
        "charging_switch": "switch.car_charging",
        "surplus": "sensor.grid_export",
        "price": "sensor.electricity_price",
        "person": "person.owner",
        "zone": "zone.home",
        "at": "20:15:00",
        "ready_by": "06:30:00",
        "steady_for": {"minutes": 3},
        "unlocked_for": {"minutes": 5},
        "below": 30,
        "limit": 90,
        "target": 70,
        "trips": 40,
        "reserve": 10,
        "start_above": 1500,
        "stop_below": 100,
        "cheap_below": 0.15,
        "hours_needed": 2,
        "when_stopped": True,
        "lock_it": True,
    }
    blueprint = Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    return {key: values[key] for key in blueprint.inputs}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.usefixtures("blueprint_folder")
async def test_every_blueprint_sets_up_with_every_input_set(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    name: str,
) -> None:
    await post_delivery(v4_state(1, 0, location=_home(hass)))
    inputs = _every_input(hass, name)
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "id": "from_blueprint",
                "use_blueprint": {"path": f"{DOMAIN}/{name}", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()

    (state,) = hass.states.async_all(automation.DOMAIN)
    assert state.state == "on"


# --- the newer blueprints ---------------------------------------------------------------


@pytest.mark.usefixtures("blueprint_folder")
async def test_interrupted_charging_below_the_limit_while_plugged_in_notifies(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, charging=True, status="CHARGING", soc=50))
    await _use(hass, "charging_interrupted.yaml")

    await post_delivery(v4_state(2, 30, status="NOT_CHARGING", soc=55))

    (call,) = notify
    assert call.data["message"] == (
        "Charging stopped at 55 %, below the 80 % limit, and the car is still plugged in."
    )


@pytest.mark.usefixtures("blueprint_folder")
async def test_charging_that_reached_the_limit_is_no_interruption(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, charging=True, status="CHARGING", soc=79))
    await _use(hass, "charging_interrupted.yaml")

    await post_delivery(v4_state(2, 30, status="NOT_CHARGING", soc=80))

    assert notify == []


@pytest.mark.usefixtures("blueprint_folder", "evening")
async def test_evening_summary_tells_battery_range_plug_and_lock(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    await post_delivery(v4_state(1, 0, plugged=True, soc=64))
    await _use(
        hass,
        "evening_summary.yaml",
        at="21:00:00",
        battery=_key_entity(hass, "sensor", "battery_level"),
        range=_key_entity(hass, "sensor", "range"),
    )

    await _at_nine_pm(hass, freezer)

    (call,) = notify
    assert call.data["message"].startswith("Battery 64 %, range ")
    assert call.data["message"].endswith(" km, plugged in, locked.") or call.data[
        "message"
    ].endswith(" km, plugged in, unlocked.")


@pytest.mark.usefixtures("blueprint_folder", "evening")
async def test_range_warning_when_it_will_not_cover_tomorrow(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    await post_delivery(v4_state(1, 0, plugged=False, soc=20))
    range_entity = _key_entity(hass, "sensor", "range")
    needed = float(hass.states.get(range_entity).state) + 1  # type: ignore[union-attr]
    await _use(
        hass,
        "range_tomorrow.yaml",
        at="21:00:00",
        range=range_entity,
        trips=needed,
        reserve=0,
    )

    await _at_nine_pm(hass, freezer)

    (call,) = notify
    assert "Plug it in." in call.data["message"]


@pytest.mark.usefixtures("blueprint_folder", "evening")
async def test_no_range_warning_when_the_range_is_enough(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    notify: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    await post_delivery(v4_state(1, 0, plugged=False, soc=20))
    await _use(
        hass,
        "range_tomorrow.yaml",
        at="21:00:00",
        range=_key_entity(hass, "sensor", "range"),
        trips=0,
        reserve=0,
    )

    await _at_nine_pm(hass, freezer)

    assert notify == []
