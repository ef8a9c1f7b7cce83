"""The vehicle's event entity: events from every format, each fired once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import ATTR_BATTERY_LEVEL, EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks.const import CONF_LOW_BATTERY, DOMAIN
from tests.components.deliveries import (
    CHARGING,
    PLUGGED,
    T0,
    V4,
    v2_charge as _v2_charge,
    v2_event as _v2_event,
    v4_state as _v4,
)
from tests.conftest import PostDelivery


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


def _event_entity(hass: HomeAssistant, vehicle_id: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, f"{vehicle_id}_charging_event"
    )


@pytest.fixture
def fired(hass: HomeAssistant) -> list[State]:
    """The states of event entities that fired: a new time or type.

    Unavailable while unloaded, then restored as it was, is no event.
    """
    states: list[State] = []
    last: dict[str, tuple[str, Any]] = {}

    # A callback runs in the loop as each state is written; a plain function would
    # run in the executor, where two events of one delivery can swap places.
    @callback
    def collect(event: Event[Any]) -> None:
        entity_id, new = event.data["entity_id"], event.data["new_state"]
        if not entity_id.startswith("event.") or new is None:
            return
        shown = (new.state, new.attributes.get("event_type"))
        if new.state in ("unknown", "unavailable") or last.get(entity_id) == shown:
            return
        states.append(new)
        last[entity_id] = shown

    hass.bus.async_listen(EVENT_STATE_CHANGED, collect)
    return states


def _types(states: list[State]) -> list[str]:
    return [state.attributes["event_type"] for state in states]


# --- derived from 4.0 data ----------------------------------------------------------


async def test_first_reading_of_the_plug_makes_the_entity_and_fires_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False))

    entity_id = _event_entity(hass, V4)
    assert entity_id is not None
    assert hass.states.get(entity_id).state == "unknown"  # type: ignore[union-attr]
    assert fired == []


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"plugged": False}, {"plugged": True}, ["plugged_in"]),
        ({"plugged": True}, {"plugged": False}, ["unplugged"]),
        (
            {"charging": False},
            {"charging": True, "status": "CHARGING"},
            ["charging_started"],
        ),
        (
            {"charging": True, "status": "CHARGING"},
            {"charging": False, "status": "NOT_CHARGING"},
            ["charging_stopped"],
        ),
        (
            {"charging": True, "status": "CHARGING"},
            {"charging": False, "status": "FULLY_CHARGED"},
            ["charging_completed"],
        ),
        ({"soc": 25}, {"soc": 19}, ["low_battery"]),
    ],
)
async def test_v4_transition_fires_its_event(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
    before: dict[str, Any],
    after: dict[str, Any],
    expected: list[str],
) -> None:
    await post_delivery(_v4(1, 0, **before))

    await post_delivery(_v4(2, 10, **after))

    assert _types(fired) == expected


async def test_event_carries_battery_level_and_car_time(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False, soc=42))

    await post_delivery(_v4(2, 10, plugged=True, soc=41))

    (state,) = fired
    assert state.attributes[ATTR_BATTERY_LEVEL] == 41.0
    assert state.attributes["car_time"] == (T0 + timedelta(minutes=10)).isoformat()


def _status_only(document: dict[str, Any]) -> dict[str, Any]:
    """The delivery of a car that sends its charging status but no `charge-ischarging`."""
    signals = document["data"]["signals"]
    signals[:] = [signal for signal in signals if signal["code"] != CHARGING]
    return document


async def test_car_reporting_only_its_charging_status_fires_charging_events(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_status_only(_v4(1, 0, status="NOT_CHARGING")))
    await post_delivery(_status_only(_v4(2, 10, status="CHARGING")))

    await post_delivery(_status_only(_v4(3, 90, status="FULLY_CHARGED")))

    assert _types(fired) == ["charging_started", "charging_completed"]
    charging = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{V4}_charging"
    )
    assert charging is not None
    assert hass.states.get(charging).state == "off"  # type: ignore[union-attr]


async def test_plug_and_charging_start_in_one_delivery_fire_in_that_order(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False))

    await post_delivery(_v4(2, 10, plugged=True, charging=True, status="CHARGING"))

    assert _types(fired) == ["plugged_in", "charging_started"]


async def test_charging_stop_and_unplug_in_one_delivery_fire_in_that_order(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=True, charging=True, status="CHARGING"))

    await post_delivery(_v4(2, 10, plugged=False))

    assert _types(fired) == ["charging_stopped", "unplugged"]


async def test_battery_staying_below_the_threshold_fires_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, soc=21))

    for number, soc in enumerate((19, 15, 12), start=2):
        await post_delivery(_v4(number, number * 10, soc=soc))

    assert _types(fired) == ["low_battery"]


async def test_low_battery_uses_the_entry_threshold(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_LOW_BATTERY: 50})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await post_delivery(_v4(1, 0, soc=55))

    await post_delivery(_v4(2, 10, soc=45))

    assert _types(fired) == ["low_battery"]


async def test_changed_threshold_applies_to_the_next_delivery(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, soc=55))
    hass.config_entries.async_update_entry(setup_entry, options={CONF_LOW_BATTERY: 50})
    await hass.async_block_till_done()

    await post_delivery(_v4(2, 10, soc=45))

    assert _types(fired) == ["low_battery"]


# --- never twice, never late, never a test --------------------------------------------


async def test_same_delivery_again_fires_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False))
    await post_delivery(_v4(2, 10, plugged=True))

    await post_delivery(_v4(2, 10, plugged=True))

    assert _types(fired) == ["plugged_in"]


async def test_same_data_under_a_new_delivery_id_fires_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False))
    await post_delivery(_v4(2, 10, plugged=True))

    await post_delivery(_v4(3, 10, plugged=True))

    assert _types(fired) == ["plugged_in"]


async def test_late_delivery_with_an_older_car_time_fires_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False))
    await post_delivery(_v4(2, 20, plugged=True))

    await post_delivery(_v4(3, 10, plugged=False))

    assert _types(fired) == ["plugged_in"]


async def test_test_delivery_fires_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False))

    await post_delivery(_v4(2, 10, plugged=True, mode="TEST"))

    assert fired == []


async def test_error_in_between_is_no_transition(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=True))
    asleep = _v4(2, 10)
    signal = next(s for s in asleep["data"]["signals"] if s["code"] == PLUGGED)
    signal["status"] = {"value": "ERROR", "error": {"type": "VEHICLE_STATE"}}
    del signal["body"], signal["meta"]
    await post_delivery(asleep)

    await post_delivery(_v4(3, 20, plugged=True))

    assert fired == []


async def test_reload_fires_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v4(1, 0, plugged=False))
    await post_delivery(_v4(2, 10, plugged=True))

    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()

    assert _types(fired) == ["plugged_in"]
    entity_id = _event_entity(hass, V4)
    assert hass.states.get(entity_id).attributes["event_type"] == "plugged_in"  # type: ignore[arg-type,union-attr]


# --- 2.0 formats ----------------------------------------------------------------------


async def test_v2_dynamic_charge_state_fires_charging_started(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_charge("r1", 0, "NOT_CHARGING"))

    await post_delivery(_v2_charge("r2", 30, "CHARGING"))

    assert _types(fired) == ["charging_started"]
    assert fired[0].attributes[ATTR_BATTERY_LEVEL] == 55.0


async def test_v2_dynamic_fully_charged_fires_charging_completed(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_charge("r1", 0, "CHARGING"))

    await post_delivery(_v2_charge("r2", 30, "FULLY_CHARGED"))

    assert _types(fired) == ["charging_completed"]


async def test_v2_event_based_event_creates_the_entity_and_fires(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_event("e1", 0, "CHARGING_STARTED"))

    assert _types(fired) == ["charging_started"]
    assert fired[0].attributes["car_time"] == T0.isoformat()
    assert fired[0].attributes[ATTR_BATTERY_LEVEL] is None
    assert fired[0].attributes["event_types"] == [
        "plugged_in",
        "unplugged",
        "charging_started",
        "charging_stopped",
        "charging_completed",
        "low_battery",
    ]


async def test_v2_event_based_event_carries_the_known_battery_level(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_charge("r1", 0, "NOT_CHARGING"))

    await post_delivery(_v2_event("e1", 5, "CHARGING_STARTED"))

    assert fired[0].attributes[ATTR_BATTERY_LEVEL] == 55.0


async def test_older_v2_event_based_event_fires_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_event("e2", 60, "CHARGING_COMPLETED"))

    await post_delivery(_v2_event("e1", 0, "CHARGING_STARTED"))

    assert _types(fired) == ["charging_completed"]


# --- one event when both sources report a start --------------------------------------


async def test_event_based_start_then_the_data_showing_it_fires_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_charge("r1", 0, "NOT_CHARGING"))
    await post_delivery(_v2_event("e1", 10, "CHARGING_STARTED"))

    await post_delivery(_v2_charge("r2", 35, "CHARGING"))

    assert _types(fired) == ["charging_started"]


async def test_data_showing_a_start_then_the_late_event_based_start_fires_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_charge("r1", 0, "NOT_CHARGING"))
    await post_delivery(_v2_charge("r2", 35, "CHARGING"))

    await post_delivery(_v2_event("e1", 10, "CHARGING_STARTED"))

    assert _types(fired) == ["charging_started"]


async def test_data_showing_a_start_hours_after_an_event_based_one_fires(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fired: list[State],
) -> None:
    await post_delivery(_v2_event("e1", 0, "CHARGING_STARTED"))
    await post_delivery(_v2_charge("r1", 60, "NOT_CHARGING"))

    await post_delivery(_v2_charge("r2", 300, "CHARGING"))

    assert _types(fired) == ["charging_started", "charging_started"]
