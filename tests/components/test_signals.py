"""Each signal and reading of issue 20, through the webhook, in bodies of the real 4.0 shape.

The bodies are Smartcar's documented ones, inside a delivery shaped like those
real cars sent (`{code, name, group, body, meta, status}` per signal).
"""

from __future__ import annotations

import json
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks.const import DOMAIN, OAUTH2_SCOPES
from custom_components.smartcar_webhooks.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.smartcar_webhooks.smartcar import SIGNALS
from tests.conftest import PostDelivery

VEHICLE = "3f1c2a8e-5b7d-4e21-9a60-0c4d8b2e7f19"
OEM_MS = 1_769_897_392_000  # 2026-01-31T22:09:52Z
VIN = "TESTVIN0000000001"


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


def signal(code: str, body: dict[str, Any] | None, minutes: int = 0) -> dict[str, Any]:
    """One signal as a car sends it; a None body is an ERROR signal."""
    group, name = code.split("-")
    if body is None:
        return {
            "code": code,
            "name": name,
            "group": group,
            "status": {"value": "ERROR", "error": {"type": "SERVER", "code": None}},
        }
    at = OEM_MS + minutes * 60_000
    return {
        "code": code,
        "name": name,
        "group": group,
        "body": body,
        "meta": {"oemUpdatedAt": at, "retrievedAt": at + 500},
        "status": {"value": "SUCCESS"},
    }


def delivery(number: int, *signals: dict[str, Any]) -> dict[str, Any]:
    """A 4.0 VEHICLE_STATE of one car with these signals."""
    return {
        "eventId": f"signals-event-{number}",
        "eventType": "VEHICLE_STATE",
        "data": {
            "user": {"id": "0b5e9a3c-1111-4222-8333-944455556666"},
            "vehicle": {
                "id": VEHICLE,
                "make": "POLESTAR",
                "model": "Polestar 2",
                "year": 2024,
            },
            "signals": list(signals),
        },
        "triggers": [
            {"type": "SIGNAL_UPDATED", "signal": {"code": signals[0]["code"]}}
        ],
        "meta": {
            "deliveryId": f"signals-delivery-{number}",
            "deliveredAt": OEM_MS + 3_600_000 + number,
            "version": "4.0",
            "webhookId": "7ff798f5-0000-4300-a1f4-d553d0fb23b0",
            "webhookName": "Home Assistant",
            "mode": "LIVE",
            "signalCount": len(signals),
        },
    }


def state_of(hass: HomeAssistant, platform: str, key: str) -> State:
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{VEHICLE}_{key}"
    )
    assert entity_id is not None, f"no {platform} {key}"
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state


def device(hass: HomeAssistant) -> dr.DeviceEntry:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    found = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, VEHICLE), entry.entry_id
    )
    assert found is not None
    return found


# code, body, platform, key, state, attributes
NEW_SIGNALS: list[tuple[str, dict[str, Any], str, str, str, dict[str, Any]]] = [
    ("transmission-gearstate", {"value": "DRIVE"}, "sensor", "gear", "drive", {}),
    ("hvac-iscabinhvacactive", {"value": True}, "binary_sensor", "hvac", STATE_ON, {}),
    (
        "hvac-cabintargettemperature",
        {"unit": "celsius", "value": 21.5},
        "sensor",
        "target_temperature",
        "21.5",
        {"unit_of_measurement": "°C"},
    ),
    (
        "hvac-isfrontdefrosteractive",
        {"value": True},
        "binary_sensor",
        "front_defroster",
        STATE_ON,
        {},
    ),
    (
        "hvac-isreardefrosteractive",
        {"value": False},
        "binary_sensor",
        "rear_defroster",
        STATE_OFF,
        {},
    ),
    (
        "hvac-issteeringheateractive",
        {"value": True},
        "binary_sensor",
        "steering_heater",
        STATE_ON,
        {},
    ),
    (
        "diagnostics-mil",
        {"status": "ALERT", "description": "Engine misfire detected"},
        "binary_sensor",
        "check_engine",
        STATE_ON,
        {"device_class": "problem", "description": "Engine misfire detected"},
    ),
    (
        "diagnostics-evhvbattery",
        {"status": "OK"},
        "binary_sensor",
        "ev_battery_alert",
        STATE_OFF,
        {"device_class": "problem", "description": None},
    ),
    (
        "diagnostics-evcharging",
        {"status": "ALERT", "description": "Charging\nsystem fault\u202e"},
        "binary_sensor",
        "ev_charging_alert",
        STATE_ON,
        {"description": "Charging system fault"},  # cleaned text
    ),
    (
        "diagnostics-evdriveunit",
        {"status": "OK", "description": "Normal"},
        "binary_sensor",
        "ev_drive_unit_alert",
        STATE_OFF,
        {"description": "Normal"},
    ),
    (
        "tractionbattery-isheateractive",
        {"value": True},
        "binary_sensor",
        "battery_heater",
        STATE_ON,
        {"device_class": "running"},
    ),
    (
        "connectivitystatus-isdigitalkeypaired",
        {"value": True},
        "binary_sensor",
        "digital_key_paired",
        STATE_ON,
        {},
    ),
    (
        "surveillance-isenabled",
        {"value": True},
        "binary_sensor",
        "surveillance",
        STATE_ON,
        {},
    ),
    (
        "charge-isfastchargerpresent",
        {"value": False},
        "binary_sensor",
        "fast_charger",
        STATE_OFF,
        {"device_class": "plug"},
    ),
    (
        "charge-amperagemax",
        {"value": 18, "unit": "ampere"},
        "sensor",
        "max_charging_current",
        "18.0",
        {"unit_of_measurement": "A"},
    ),
    (
        "charge-ischargingcablelatched",
        {"value": True},
        "binary_sensor",
        "charge_cable_latched",
        STATE_ON,
        {},
    ),
    (
        "charge-ischargingportflapopen",
        {"value": True},
        "binary_sensor",
        "charge_port",
        STATE_ON,
        {"device_class": "opening"},
    ),
    (
        "closure-enginecover",
        {"isOpen": True},
        "binary_sensor",
        "engine_cover",
        STATE_ON,
        {"items": [{"row": None, "column": None, "open": True, "locked": None}]},
    ),
]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("code", "body", "platform", "key", "expected", "attributes"),
    NEW_SIGNALS,
    ids=[case[0] for case in NEW_SIGNALS],
)
async def test_new_signal_is_shown(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    code: str,
    body: dict[str, Any],
    platform: str,
    key: str,
    expected: str,
    attributes: dict[str, Any],
) -> None:
    response = await post_delivery(delivery(1, signal(code, body)))

    assert response.status == 200
    shown = state_of(hass, platform, key)
    assert shown.state == expected
    assert attributes.items() <= shown.attributes.items()


async def test_gear_is_an_enum_of_the_four_positions(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(delivery(1, signal("transmission-gearstate", {"value": "P"})))

    entry = er.async_get(hass).async_get(
        er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{VEHICLE}_gear")
        or ""
    )
    assert entry is not None
    assert entry.capabilities == {"options": ["park", "drive", "reverse", "neutral"]}


@pytest.mark.parametrize(
    ("key", "platform", "enabled"),
    [
        ("gear", "sensor", False),
        ("front_defroster", "binary_sensor", False),
        ("digital_key_paired", "binary_sensor", False),
        ("check_engine", "binary_sensor", True),
        ("hvac", "binary_sensor", True),
        ("engine_cover", "binary_sensor", True),
    ],
)
async def test_noise_for_most_owners_is_disabled_by_default(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    key: str,
    platform: str,
    enabled: bool,
) -> None:
    await post_delivery(
        delivery(
            1,
            signal("transmission-gearstate", {"value": "PARK"}),
            signal("hvac-isfrontdefrosteractive", {"value": False}),
            signal("connectivitystatus-isdigitalkeypaired", {"value": True}),
            signal("diagnostics-mil", {"status": "OK"}),
            signal("hvac-iscabinhvacactive", {"value": False}),
            signal("closure-enginecover", {"isOpen": False}),
        )
    )

    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{VEHICLE}_{key}"
    )
    assert entity_id is not None
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert (entry.disabled_by is None) is enabled


async def test_trouble_codes_are_a_count_with_the_list_as_attribute(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(
        delivery(
            1,
            signal("diagnostics-dtccount", {"unit": "count", "value": 2}),
            signal(
                "diagnostics-dtclist",
                {
                    "values": [
                        {"code": "P0300", "timestamp": "2026-01-31T08:00:00Z"},
                        {"code": "P0171", "timestamp": "2026-01-31T08:00:00Z"},
                    ]
                },
            ),
        )
    )

    codes = state_of(hass, "sensor", "trouble_codes")
    assert codes.state == "2.0"
    assert codes.attributes["codes"] == ["P0300", "P0171"]


async def test_a_changed_code_list_updates_the_count_attribute(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    count = signal("diagnostics-dtccount", {"unit": "count", "value": 1})
    await post_delivery(
        delivery(
            1, count, signal("diagnostics-dtclist", {"values": [{"code": "P0300"}]})
        )
    )
    await post_delivery(
        delivery(
            2,
            count,
            signal("diagnostics-dtclist", {"values": [{"code": "P0171"}]}, minutes=5),
        )
    )

    assert state_of(hass, "sensor", "trouble_codes").attributes["codes"] == ["P0171"]


async def test_vin_is_the_device_serial_number_and_nowhere_else(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(
        delivery(
            1,
            signal("vehicleidentification-vin", {"value": VIN}),
            signal("odometer-traveleddistance", {"value": 42506.3, "unit": "km"}),
        )
    )

    assert device(hass).serial_number == VIN
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    assert VIN not in json.dumps(diagnostics, default=str)
    assert all(VIN not in str(state.as_dict()) for state in hass.states.async_all())


async def test_vin_is_not_in_any_log_line(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    await post_delivery(
        delivery(1, signal("vehicleidentification-vin", {"value": VIN}))
    )

    # The test plugin's stand-in for Home Assistant's storage logs what it
    # "writes"; the real Store does not.
    assert [
        record.name
        for record in caplog.records
        if VIN in record.getMessage()
        and not record.name.startswith("pytest_homeassistant_custom_component")
    ] == []


async def test_nickname_names_the_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(
        delivery(1, signal("vehicleidentification-nickname", {"value": "Blue Thunder"}))
    )

    assert device(hass).name == "Blue Thunder"


async def test_a_name_the_user_gave_the_device_stays(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    odometer = signal("odometer-traveleddistance", {"value": 10, "unit": "km"})
    await post_delivery(delivery(1, odometer))
    dr.async_get(hass).async_update_device(device(hass).id, name_by_user="Family car")

    await post_delivery(
        delivery(2, signal("vehicleidentification-nickname", {"value": "Blue Thunder"}))
    )

    assert device(hass).name_by_user == "Family car"
    assert device(hass).name == "Blue Thunder"  # shown only if the user clears theirs


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"values": [{"row": 0, "column": 0, "tirePressure": 2.6}], "unit": "kPa"},
            "260",
        ),
        ({"values": [{"row": 0, "column": 0, "tirePressure": 2.6}]}, "260"),
        (
            {"values": [{"row": 0, "column": 0, "tirePressure": 258}], "unit": "bar"},
            "258",
        ),
        (
            {"values": [{"row": 0, "column": 0, "tirePressure": 36}], "unit": "psi"},
            "248",
        ),
    ],
    ids=["2.6-kpa-is-bar", "2.6-unlabelled-is-bar", "258-bar-is-kpa", "psi"],
)
async def test_tire_pressure_is_never_absurd(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    body: dict[str, Any],
    expected: str,
) -> None:
    body = {**body, "rowCount": 2, "columnCount": 2}
    await post_delivery(delivery(1, signal("wheel-tires", body)))

    tire = state_of(hass, "sensor", "tire_pressure_front_left")
    assert round(float(tire.state)) == int(expected)
    assert tire.attributes["unit_of_measurement"] == "kPa"


async def test_a_flat_reading_in_no_unit_is_not_shown(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    body = {"values": [{"row": 0, "column": 0, "tirePressure": 0.2}], "unit": "kPa"}
    await post_delivery(
        delivery(
            1,
            signal("wheel-tires", body),
            signal("odometer-traveleddistance", {"value": 10, "unit": "km"}),
        )
    )

    assert (
        er.async_get(hass).async_get_entity_id(
            "sensor", DOMAIN, f"{VEHICLE}_tire_pressure_front_left"
        )
        is None
    )


async def test_charge_limit_comes_from_the_global_limit_when_none_is_active(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    body = {
        "values": [{"type": "GLOBAL", "limit": 80, "condition": None}],
        "activeLimit": None,
        "unit": "percent",
    }
    await post_delivery(delivery(1, signal("charge-chargelimits", body)))

    assert state_of(hass, "sensor", "charge_limit").state == "80.0"


async def test_state_of_charge_as_a_percentage_key_is_read(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(
        delivery(1, signal("tractionbattery-stateofcharge", {"percentage": 75}))
    )

    assert state_of(hass, "sensor", "battery_level").state == "75.0"


async def test_a_fully_charged_car_shows_no_finish_time(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(
        delivery(
            1,
            signal("charge-timetocomplete", {"value": 15}),
            signal("charge-ischarging", {"value": False}),
            signal("charge-detailedchargingstatus", {"value": "FULLY_CHARGED"}),
        )
    )

    assert state_of(hass, "sensor", "time_to_full").state == STATE_UNKNOWN


async def test_the_finish_time_goes_when_charging_stops(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    minutes = signal("charge-timetocomplete", {"value": 15})
    await post_delivery(
        delivery(1, minutes, signal("charge-ischarging", {"value": True}))
    )
    assert state_of(hass, "sensor", "time_to_full").state == "2026-01-31T22:24:52+00:00"

    await post_delivery(
        delivery(2, minutes, signal("charge-ischarging", {"value": False}, minutes=5))
    )

    assert state_of(hass, "sensor", "time_to_full").state == STATE_UNKNOWN


def test_connect_asks_for_every_permission_a_read_signal_needs() -> None:
    assert {row.permission for row in SIGNALS} <= set(OAUTH2_SCOPES)
    assert "read_thermometer" in OAUTH2_SCOPES  # the two climate temperatures


async def test_a_nickname_read_in_error_keeps_the_device_name(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(
        delivery(1, signal("vehicleidentification-nickname", {"value": "Blue Thunder"}))
    )
    await post_delivery(
        delivery(
            2,
            signal("vehicleidentification-nickname", None),
            signal("odometer-traveleddistance", {"value": 10, "unit": "km"}, minutes=5),
        )
    )

    assert device(hass).name == "Blue Thunder"
