"""Device triggers and conditions, as the automation editor and automations use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.components import automation
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.device_automation import (
    DeviceAutomationType,
    async_get_device_automations as get_automations,
)
from homeassistant.const import CONF_PLATFORM
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.smartcar_webhooks.const import CONF_LOW_BATTERY, DOMAIN
from custom_components.smartcar_webhooks.device_condition import CONDITION_FIELDS
from custom_components.smartcar_webhooks.device_trigger import TRIGGER_TYPES
from tests.components.deliveries import CHARGING, STATUS, V1, V4, v2_event, v4_state
from tests.components.flow_helpers import (
    AUTH_DOMAIN,
    CLIENT_ID,
    CLIENT_SECRET,
    KIA,
    SMARTCAR_WEBHOOK_ID,
    connect_entry_data,
)
from tests.conftest import PostDelivery

STRINGS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "strings.json"


@pytest.fixture(autouse=True)
async def components(hass: HomeAssistant) -> None:
    """Webhook (for `post_delivery`) and the device automation editor's backend."""
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(hass, "device_automation", {})


@pytest.fixture
def calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Calls of the action the test automations run."""
    return async_mock_service(hass, "test", "automation")


def _device_id(hass: HomeAssistant, vehicle_id: str = V4) -> str:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, vehicle_id), entry.entry_id
    )
    assert device is not None
    return device.id


def _trigger(device_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "trigger": "device",
        "domain": DOMAIN,
        "device_id": device_id,
        "type": kind,
        **extra,
    }


def _condition(device_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "condition": "device",
        "domain": DOMAIN,
        "device_id": device_id,
        "type": kind,
        **extra,
    }


async def _automate(
    hass: HomeAssistant,
    trigger: dict[str, Any],
    conditions: list[dict[str, Any]] | None = None,
) -> None:
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": [trigger],
                "conditions": conditions or [],
                "actions": {
                    "action": "test.automation",
                    "data": {
                        "type": "{{ trigger.type }}",
                        "battery": "{{ trigger.battery_level }}",
                    },
                },
            }
        },
    )


# --- what the editor offers -------------------------------------------------------------


async def test_editor_offers_every_trigger_for_an_electric_car(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(v4_state(1, 0))
    device_id = _device_id(hass)

    triggers = (await get_automations(hass, DeviceAutomationType.TRIGGER, [device_id]))[
        device_id
    ]

    ours = [t["type"] for t in triggers if t["domain"] == DOMAIN]
    assert ours == TRIGGER_TYPES
    assert all(t[CONF_PLATFORM] == "device" for t in triggers)


async def test_editor_offers_what_a_car_without_charging_reports(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = v4_state(1, 0)
    document["data"]["signals"] = [
        s for s in document["data"]["signals"] if s["code"] not in (CHARGING, STATUS)
    ]
    await post_delivery(document)
    device_id = _device_id(hass)

    triggers = await get_automations(hass, DeviceAutomationType.TRIGGER, [device_id])
    conditions = await get_automations(
        hass, DeviceAutomationType.CONDITION, [device_id]
    )

    assert [t["type"] for t in triggers[device_id] if t["domain"] == DOMAIN] == [
        "plugged_in",
        "unplugged",
        "low_battery",
        "battery_below",
    ]
    assert [c["type"] for c in conditions[device_id] if c["domain"] == DOMAIN] == [
        "is_plugged_in",
        "is_unplugged",
        "battery_below",
    ]


async def test_editor_offers_charging_triggers_for_event_based_cars(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(v2_event("e1", 0, "CHARGING_STARTED"))
    device_id = _device_id(hass, V1)

    triggers = (await get_automations(hass, DeviceAutomationType.TRIGGER, [device_id]))[
        device_id
    ]

    assert [t["type"] for t in triggers if t["domain"] == DOMAIN] == [
        "charging_started",
        "charging_stopped",
        "charging_completed",
    ]


async def test_editor_offers_every_condition(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(v4_state(1, 0))
    device_id = _device_id(hass)

    conditions = (
        await get_automations(hass, DeviceAutomationType.CONDITION, [device_id])
    )[device_id]

    assert [c["type"] for c in conditions if c["domain"] == DOMAIN] == list(
        CONDITION_FIELDS
    )


async def test_editor_offers_everything_while_the_entry_is_not_loaded(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(v2_event("e1", 0, "CHARGING_STARTED"))
    device_id = _device_id(hass, V1)
    assert await hass.config_entries.async_unload(setup_entry.entry_id)

    triggers = await get_automations(hass, DeviceAutomationType.TRIGGER, [device_id])
    conditions = await get_automations(
        hass, DeviceAutomationType.CONDITION, [device_id]
    )

    assert [t["type"] for t in triggers[device_id] if t["domain"] == DOMAIN] == (
        TRIGGER_TYPES
    )
    assert [c["type"] for c in conditions[device_id] if c["domain"] == DOMAIN] == (
        list(CONDITION_FIELDS)
    )


async def test_editor_offers_everything_for_a_connect_car_before_its_first_delivery(
    hass: HomeAssistant,
) -> None:
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SMARTCAR_WEBHOOK_ID,
        data=connect_entry_data({KIA: {"make": "KIA", "model": "EV6", "year": 2023}}),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    device_id = _device_id(hass, KIA)

    triggers = await get_automations(hass, DeviceAutomationType.TRIGGER, [device_id])
    conditions = await get_automations(
        hass, DeviceAutomationType.CONDITION, [device_id]
    )

    assert [t["type"] for t in triggers[device_id] if t["domain"] == DOMAIN] == (
        TRIGGER_TYPES
    )
    assert [c["type"] for c in conditions[device_id] if c["domain"] == DOMAIN] == (
        list(CONDITION_FIELDS)
    )


@pytest.mark.parametrize("kind", ["trigger", "condition"])
async def test_battery_level_defaults_to_the_entry_threshold(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_ws_client: WebSocketGenerator,
    kind: str,
) -> None:
    hass.config_entries.async_update_entry(setup_entry, options={CONF_LOW_BATTERY: 30})
    await post_delivery(v4_state(1, 0))
    client = await hass_ws_client(hass)

    await client.send_json_auto_id(
        {
            "type": f"device_automation/{kind}/capabilities",
            kind: (_trigger if kind == "trigger" else _condition)(
                _device_id(hass), "battery_below"
            ),
        }
    )
    response = await client.receive_json()

    assert response["success"]
    (field,) = response["result"]["extra_fields"]
    assert field["name"] == "below"
    assert field["default"] == 30.0


@pytest.mark.parametrize(
    ("kind", "make"), [("trigger", _trigger), ("condition", _condition)]
)
async def test_other_types_have_no_extra_fields(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_ws_client: WebSocketGenerator,
    kind: str,
    make: Any,
) -> None:
    await post_delivery(v4_state(1, 0))
    client = await hass_ws_client(hass)

    await client.send_json_auto_id(
        {
            "type": f"device_automation/{kind}/capabilities",
            kind: make(
                _device_id(hass),
                "is_plugged_in" if kind == "condition" else "plugged_in",
            ),
        }
    )
    response = await client.receive_json()

    assert response["result"] == {"extra_fields": []}


@pytest.mark.parametrize(
    ("kind", "make"), [("trigger", _trigger), ("condition", _condition)]
)
async def test_battery_level_of_another_integrations_device_is_not_offered(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    kind: str,
    make: Any,
) -> None:
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    client = await hass_ws_client(hass)

    await client.send_json_auto_id(
        {
            "type": f"device_automation/{kind}/capabilities",
            kind: make(device.id, "battery_below"),
        }
    )
    response = await client.receive_json()

    assert response["result"] == {}


def test_every_trigger_and_condition_is_translated() -> None:
    strings = json.loads(STRINGS.read_text())["device_automation"]

    assert set(strings["trigger_type"]) == set(TRIGGER_TYPES)
    assert set(strings["condition_type"]) == set(CONDITION_FIELDS)


# --- triggers run automations ----------------------------------------------------------


async def test_plugged_in_trigger_runs_the_automation_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, plugged=False, soc=48))
    await _automate(hass, _trigger(_device_id(hass), "plugged_in"))

    await post_delivery(v4_state(2, 10, plugged=True, soc=47))
    await post_delivery(v4_state(2, 10, plugged=True, soc=47))

    assert [call.data for call in calls] == [{"type": "plugged_in", "battery": 47.0}]


async def test_event_trigger_ignores_other_events(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, plugged=True))
    await _automate(hass, _trigger(_device_id(hass), "plugged_in"))

    await post_delivery(v4_state(2, 10, plugged=False))

    assert calls == []


async def test_charging_completed_trigger_runs_for_an_event_based_event(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v2_event("e1", 0, "CHARGING_STARTED"))
    await _automate(hass, _trigger(_device_id(hass, V1), "charging_completed"))

    await post_delivery(v2_event("e2", 90, "CHARGING_COMPLETED"))

    assert [call.data["type"] for call in calls] == ["charging_completed"]


async def test_trigger_keeps_working_after_a_reload(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, plugged=False))
    await _automate(hass, _trigger(_device_id(hass), "plugged_in"))
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()

    await post_delivery(v4_state(2, 10, plugged=True))

    assert len(calls) == 1


async def test_battery_below_fires_when_the_level_is_crossed(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, soc=55))
    await _automate(hass, _trigger(_device_id(hass), "battery_below", below=50))

    for number, soc in enumerate((52, 49, 45, 60, 40), start=2):
        await post_delivery(v4_state(number, number * 10, soc=soc))

    assert [call.data["battery"] for call in calls] == [49.0, 40.0]


async def test_battery_below_without_a_level_uses_the_entry_threshold(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, soc=40))
    await _automate(hass, _trigger(_device_id(hass), "battery_below"))
    hass.config_entries.async_update_entry(setup_entry, options={CONF_LOW_BATTERY: 35})

    await post_delivery(v4_state(2, 10, soc=30))

    assert len(calls) == 1


async def test_trigger_on_a_device_of_another_integration_is_refused(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    calls: list[ServiceCall],
    caplog: pytest.LogCaptureFixture,
) -> None:
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )

    await _automate(hass, _trigger(device.id, "plugged_in"))

    assert "The device is not a Smartcar vehicle" in caplog.text


# --- conditions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "kind", "extra", "met"),
    [
        ({"plugged": True}, "is_plugged_in", {}, True),
        ({"plugged": False}, "is_plugged_in", {}, False),
        ({"plugged": False}, "is_unplugged", {}, True),
        ({"plugged": True}, "is_unplugged", {}, False),
        ({"charging": True}, "is_charging", {}, True),
        ({"charging": False}, "is_charging", {}, False),
        ({"soc": 15}, "battery_below", {}, True),
        ({"soc": 20}, "battery_below", {}, False),
        ({"soc": 39}, "battery_below", {"below": 40}, True),
    ],
)
async def test_condition_checks_the_car_state(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
    state: dict[str, Any],
    kind: str,
    extra: dict[str, Any],
    met: bool,
) -> None:
    await post_delivery(v4_state(1, 0, **state))
    await _automate(
        hass,
        {"trigger": "event", "event_type": "check"},
        [_condition(_device_id(hass), kind, **extra)],
    )

    hass.bus.async_fire("check")
    await hass.async_block_till_done()

    assert len(calls) == int(met)


async def test_condition_is_not_met_once_the_car_is_removed(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, plugged=True))
    device_id = _device_id(hass)
    await _automate(
        hass,
        {"trigger": "event", "event_type": "check"},
        [_condition(device_id, "is_plugged_in")],
    )
    dr.async_get(hass).async_remove_device(device_id)

    hass.bus.async_fire("check")
    await hass.async_block_till_done()

    assert calls == []


async def test_condition_is_not_met_while_the_entry_is_unloaded(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    await post_delivery(v4_state(1, 0, plugged=True))
    await _automate(
        hass,
        {"trigger": "event", "event_type": "check"},
        [_condition(_device_id(hass), "is_plugged_in")],
    )
    assert await hass.config_entries.async_unload(setup_entry.entry_id)

    hass.bus.async_fire("check")
    await hass.async_block_till_done()

    assert calls == []


async def test_a_trigger_is_described_by_its_translated_name(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    calls: list[ServiceCall],
) -> None:
    """Traces and the logbook say "Plugged in", never the raw key `plugged_in`."""
    await post_delivery(v4_state(1, 0, plugged=False, soc=48))
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "triggers": [_trigger(_device_id(hass), kind, **extra)],
                    "actions": {
                        "action": "test.automation",
                        "data": {"description": "{{ trigger.description }}"},
                    },
                }
                for kind, extra in (
                    ("plugged_in", {}),
                    ("battery_below", {"below": 30}),
                )
            ]
        },
    )

    await post_delivery(v4_state(2, 10, plugged=True, soc=25))

    assert sorted(call.data["description"] for call in calls) == [
        "Battery dropped below a level (30 %)",
        "Plugged in",
    ]
