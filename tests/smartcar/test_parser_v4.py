"""Smartcar 4.0 deliveries: VERIFY, VEHICLE_STATE and VEHICLE_ERROR."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar import (
    Alert,
    ChargingState,
    Closure,
    Closures,
    Delivery,
    DroppedField,
    ErrorDelivery,
    ErrorState,
    Field,
    FieldError,
    Gear,
    InvalidDeliveryError,
    Location,
    LocationType,
    Mode,
    TroubleCodes,
    Unit,
    VehicleError,
    VehicleInfo,
    VerifyRequest,
)
from custom_components.smartcar_webhooks.smartcar.signals import USED_SIGNALS
from tests.smartcar.helpers import (
    RAW,
    data_delivery,
    field_values,
    only_report,
    readings_by_field,
    with_raw,
)

type Parse = Callable[[Any], Delivery]
type LoadJson = Callable[[str], Any]

EVENT_ID = "1293fce4-5ab3-4c2a-8968-b24eda759ecd"
DELIVERY_ID = "2e83e12b-9e1e-4ef3-9ef5-63c7540a31c8"
WEBHOOK_ID = "8a326743-4efd-406d-88d6-1c8cb3420e11"
VEHICLE_ID = "9df3e999-f80f-4893-9c42-d3e9f351e174"
ERROR_EVENT_ID = "dfc65a52-1a5d-4f4f-a426-67b336fb085f"

OEM_UPDATED_MS = 1765699200000  # 2025-12-14T08:00:00Z
OEM_UPDATED = datetime(2025, 12, 14, 8, 0, tzinfo=UTC)
RETRIEVED_MS = 1765699560000  # 2025-12-14T08:06:00Z
DELIVERED_MS = 1765699565000  # 2025-12-14T08:06:05Z
DELIVERED = datetime(2025, 12, 14, 8, 6, 5, tzinfo=UTC)
PARKED = datetime(2025, 12, 10, 17, 42, tzinfo=UTC)

MILE_KM = 1.609344
PSI_KPA = 6.894757293168361
GALLON_L = 3.785411784


TIRES = (
    Field.TIRE_PRESSURE_FRONT_LEFT,
    Field.TIRE_PRESSURE_FRONT_RIGHT,
    Field.TIRE_PRESSURE_BACK_LEFT,
    Field.TIRE_PRESSURE_BACK_RIGHT,
)


def _signal(
    code: str,
    body: Any = None,
    *,
    meta: Any = None,
    status: Any = None,
) -> dict[str, Any]:
    signal: dict[str, Any] = {
        "code": code,
        "name": "Name",
        "group": "Group",
        "meta": {"oemUpdatedAt": OEM_UPDATED_MS, "retrievedAt": RETRIEVED_MS}
        if meta is None
        else meta,
        "status": {"value": "SUCCESS"} if status is None else status,
    }
    if body is not None:
        signal["body"] = body
    return signal


def _v4(signals: list[Any]) -> dict[str, Any]:
    return {
        "eventId": EVENT_ID,
        "eventType": "VEHICLE_STATE",
        "data": {
            "user": {"id": "5415f06f-9bb6-474a-abc7-8746a362ef3f"},
            "vehicle": {"id": VEHICLE_ID, "make": "KIA", "model": "EV6", "year": 2023},
            "signals": signals,
        },
        "triggers": [],
        "meta": {
            "deliveryId": DELIVERY_ID,
            "deliveredAt": DELIVERED_MS,
            "version": "4.0",
            "webhookId": WEBHOOK_ID,
            "webhookName": "Home Assistant test",
            "mode": "LIVE",
            "signalCount": len(signals),
        },
    }


def _tires(*pressures: Any, unit: Any = "kPa") -> dict[str, Any]:
    positions = [(0, 0), (0, 1), (1, 0), (1, 1)]
    return {
        "values": [
            {"row": row, "column": column, "tirePressure": pressure}
            for (row, column), pressure in zip(positions, pressures, strict=False)
        ],
        "rowCount": 2,
        "columnCount": 2,
        "unit": unit,
    }


def _dropped(delivery: Delivery) -> tuple[DroppedField, ...]:
    return data_delivery(delivery).dropped


# --- VERIFY ---------------------------------------------------------------------


def test_v4_verify_with_webhook_id(fixture_json: LoadJson, parse: Parse) -> None:
    assert parse(fixture_json("v4_verify.json")) == VerifyRequest(
        challenge="e656678338d8417732296d0faf9370ff",
        webhook_id=WEBHOOK_ID,
        version="4.0",
    )


@pytest.mark.parametrize(
    "meta", [None, {}, {"webhookId": ""}, {"webhookId": 5}, "meta", []], ids=repr
)
def test_v4_verify_without_webhook_id(
    meta: Any, fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v4_verify.json")
    document["meta"] = meta
    assert parse(document) == VerifyRequest(
        "e656678338d8417732296d0faf9370ff", None, "4.0"
    )


def test_v4_verify_without_meta_key(parse: Parse) -> None:
    body = '{"eventType": "VERIFY", "data": {"challenge": "a-challenge"}}'
    assert parse(body) == VerifyRequest("a-challenge", None, "4.0")


@pytest.mark.parametrize("challenge", ["", None, 1234, ["x"]])
def test_v4_verify_without_usable_challenge_is_invalid(
    challenge: Any, fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v4_verify.json")
    document["data"]["challenge"] = challenge
    with pytest.raises(InvalidDeliveryError, match="challenge"):
        parse(document)


@pytest.mark.parametrize("data", [None, [], "challenge", 5])
def test_v4_verify_without_data_object_is_invalid(
    data: Any, fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v4_verify.json")
    document["data"] = data
    with pytest.raises(InvalidDeliveryError, match="data is not an object"):
        parse(document)


# --- VEHICLE_STATE: the fixture --------------------------------------------------


def test_v4_vehicle_state_vehicle_info(fixture_json: LoadJson, parse: Parse) -> None:
    report = only_report(parse(fixture_json("v4_vehicle_state.json")))
    assert report.vehicle == VehicleInfo(VEHICLE_ID, "KIA", "EV6", 2023)


def test_v4_vehicle_state_delivery_identity(
    fixture_json: LoadJson, parse: Parse
) -> None:
    delivery = data_delivery(parse(fixture_json("v4_vehicle_state.json")))
    assert delivery.kind == "vehicle_state"
    assert delivery.webhook_id == WEBHOOK_ID
    assert delivery.mode is Mode.LIVE
    assert delivery.delivered_at == DELIVERED
    assert delivery.dropped == ()
    (report,) = delivery.vehicles
    assert report.delivery_id == EVENT_ID
    assert {r.delivery_id for r in report.readings} == {EVENT_ID}
    assert {r.vehicle_id for r in report.readings} == {VEHICLE_ID}


def test_v4_vehicle_state_fixture_values(fixture_json: LoadJson, parse: Parse) -> None:
    assert field_values(parse(fixture_json("v4_vehicle_state.json"))) == {
        Field.BATTERY_LEVEL: 67,
        Field.RANGE: 301,
        Field.BATTERY_CAPACITY: 77.4,
        Field.PLUGGED_IN: True,
        Field.CHARGING_STATE: ChargingState.CHARGING,
        Field.CHARGING: True,
        Field.CHARGE_LIMIT: 80,
        Field.ODOMETER: 18250.4,
        Field.LOCATION: Location(52.5163, 13.3777, 271.5, LocationType.LAST_PARKED),
        Field.TIRE_PRESSURE_FRONT_LEFT: pytest.approx(36 * PSI_KPA),
        Field.TIRE_PRESSURE_FRONT_RIGHT: pytest.approx(36.5 * PSI_KPA),
        Field.TIRE_PRESSURE_BACK_LEFT: pytest.approx(35 * PSI_KPA),
        Field.TIRE_PRESSURE_BACK_RIGHT: pytest.approx(35.5 * PSI_KPA),
        Field.LOCKED: True,
        Field.FUEL_LEVEL: None,
        Field.CHARGING_POWER: 10850,
    }


def test_v4_vehicle_state_fixture_recorded_times(
    fixture_json: LoadJson, parse: Parse
) -> None:
    recorded = {
        f: r.recorded_at
        for f, r in readings_by_field(
            parse(fixture_json("v4_vehicle_state.json"))
        ).items()
    }
    assert recorded[Field.BATTERY_LEVEL] == OEM_UPDATED
    assert recorded[Field.ODOMETER] == PARKED
    assert recorded[Field.LOCATION] == PARKED
    assert recorded[Field.CHARGE_LIMIT] == datetime(2025, 11, 30, 6, 0, tzinfo=UTC)
    # nominalcapacity has oemUpdatedAt = retrievedAt = 0: no time from the car.
    assert recorded[Field.BATTERY_CAPACITY] is None
    # A signal in ERROR says nothing about when the car recorded anything.
    assert recorded[Field.FUEL_LEVEL] is None


def test_v4_vehicle_state_fixture_error_signal(
    fixture_json: LoadJson, parse: Parse
) -> None:
    reading = readings_by_field(parse(fixture_json("v4_vehicle_state.json")))[
        Field.FUEL_LEVEL
    ]
    assert reading.value is None
    assert reading.unit is None
    assert reading.error == FieldError("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", None)


@pytest.mark.parametrize(
    ("vehicle", "expected"),
    [
        ({"id": VEHICLE_ID}, VehicleInfo(VEHICLE_ID)),
        (
            {"id": VEHICLE_ID, "make": "", "model": 3, "year": "2023"},
            VehicleInfo(VEHICLE_ID),
        ),
        ({"id": VEHICLE_ID, "year": True}, VehicleInfo(VEHICLE_ID)),
        ({"id": VEHICLE_ID, "year": 2021.0}, VehicleInfo(VEHICLE_ID)),
        (
            {"id": VEHICLE_ID, "make": "TESLA", "model": "Model 3", "year": 2019},
            VehicleInfo(VEHICLE_ID, "TESLA", "Model 3", 2019),
        ),
    ],
    ids=["id-only", "wrong-types", "bool-year", "float-year", "complete"],
)
def test_v4_vehicle_info(vehicle: Any, expected: VehicleInfo, parse: Parse) -> None:
    document = _v4([])
    document["data"]["vehicle"] = vehicle
    assert only_report(parse(document)).vehicle == expected


@pytest.mark.parametrize("vehicle_id", [None, "", 42])
def test_v4_vehicle_without_id_is_invalid(vehicle_id: Any, parse: Parse) -> None:
    document = _v4([])
    document["data"]["vehicle"]["id"] = vehicle_id
    with pytest.raises(InvalidDeliveryError, match="vehicle id is missing"):
        parse(document)


@pytest.mark.parametrize("vehicle", [None, [], VEHICLE_ID])
def test_v4_vehicle_that_is_not_an_object_is_invalid(
    vehicle: Any, parse: Parse
) -> None:
    document = _v4([])
    document["data"]["vehicle"] = vehicle
    with pytest.raises(InvalidDeliveryError, match="vehicle is not an object"):
        parse(document)


# --- every signal -------------------------------------------------------------------

V4_SIGNAL_CASES: dict[str, tuple[dict[str, Any], dict[Field, Any]]] = {
    "tractionbattery-stateofcharge": (
        {"value": 67, "unit": "percent"},
        {Field.BATTERY_LEVEL: 67},
    ),
    "tractionbattery-range": (
        {"value": 301, "type": "DEFAULT", "additionalValues": [], "unit": "km"},
        {Field.RANGE: 301},
    ),
    "tractionbattery-nominalcapacity": (
        {
            "capacity": 77.4,
            "source": "SMARTCAR",
            "availableCapacities": [{"capacity": 58.0, "description": "Standard"}],
            "unit": "kWh",
        },
        {Field.BATTERY_CAPACITY: 77.4},
    ),
    "charge-ischargingcableconnected": ({"value": True}, {Field.PLUGGED_IN: True}),
    "charge-detailedchargingstatus": (
        {"value": "FULLY_CHARGED"},
        {Field.CHARGING_STATE: ChargingState.FULLY_CHARGED, Field.CHARGING: False},
    ),
    "charge-ischarging": ({"value": False}, {Field.CHARGING: False}),
    "charge-chargelimits": (
        {
            "values": [{"type": "GLOBAL", "limit": 100, "condition": None}],
            "activeLimit": 80,
            "unit": "percent",
        },
        {Field.CHARGE_LIMIT: 80},
    ),
    "odometer-traveleddistance": (
        {"value": 18250.4, "unit": "km"},
        {Field.ODOMETER: 18250.4},
    ),
    "internalcombustionengine-fuellevel": (
        {"value": 42, "unit": "percent"},
        {Field.FUEL_LEVEL: 42},
    ),
    "internalcombustionengine-range": (
        {"value": 510, "unit": "km"},
        {Field.FUEL_RANGE: 510},
    ),
    "internalcombustionengine-amountremaining": (
        {"value": 31.5, "unit": "liters"},
        {Field.FUEL_AMOUNT: 31.5},
    ),
    "internalcombustionengine-oillife": (
        {"value": 64, "unit": "percent"},
        {Field.OIL_LIFE: 64},
    ),
    "closure-islocked": ({"value": False}, {Field.LOCKED: False}),
    "location-preciselocation": (
        {
            "latitude": -41.2865,
            "longitude": 174.7762,
            "heading": 87.5,
            "locationType": "LAST_PARKED",
        },
        {Field.LOCATION: Location(-41.2865, 174.7762, 87.5, LocationType.LAST_PARKED)},
    ),
    "wheel-tires": (
        _tires(250, 251, 246, 247),
        {
            Field.TIRE_PRESSURE_FRONT_LEFT: 250,
            Field.TIRE_PRESSURE_FRONT_RIGHT: 251,
            Field.TIRE_PRESSURE_BACK_LEFT: 246,
            Field.TIRE_PRESSURE_BACK_RIGHT: 247,
        },
    ),
    "charge-wattage": ({"value": 4683, "unit": "watts"}, {Field.CHARGING_POWER: 4683}),
    "charge-amperage": ({"value": 7, "unit": "ampere"}, {Field.CHARGING_CURRENT: 7}),
    "charge-voltage": ({"value": 223, "unit": "volts"}, {Field.CHARGING_VOLTAGE: 223}),
    "charge-energyadded": ({"value": 25.5, "unit": "kWh"}, {Field.ENERGY_ADDED: 25.5}),
    "charge-timetocomplete": ({"value": 15}, {Field.TIME_TO_FULL: 15}),
    "charge-chargerate": ({"value": 25, "unit": "km/h"}, {Field.CHARGE_RATE: 25}),
    "lowvoltagebattery-stateofcharge": (
        {"value": 95, "unit": "percent"},
        {Field.LOW_VOLTAGE_BATTERY: 95},
    ),
    "climate-internaltemperature": (
        {"value": 21.5, "unit": "celsius"},
        {Field.CABIN_TEMPERATURE: 21.5},
    ),
    "climate-externaltemperature": (
        {"value": -4.5, "unit": "celsius"},
        {Field.OUTSIDE_TEMPERATURE: -4.5},
    ),
    "connectivitystatus-isonline": ({"value": True}, {Field.ONLINE: True}),
    "connectivitystatus-isasleep": ({"value": False}, {Field.ASLEEP: False}),
    "connectivitysoftware-currentfirmwareversion": (
        {"value": "4.2.13"},
        {Field.FIRMWARE_VERSION: "4.2.13"},
    ),
    "closure-doors": (
        {
            "values": [
                {"row": 0, "column": 0, "isOpen": False, "isLocked": True},
                {"row": 0, "column": 1, "isOpen": True, "isLocked": False},
                {"row": 1, "column": 0, "isOpen": False, "isLocked": True},
                {"row": 1, "column": 1, "isOpen": False, "isLocked": True},
            ],
            "rowCount": 2,
            "columnCount": 2,
        },
        {
            Field.DOORS: Closures(
                (
                    Closure(0, 0, False, True),
                    Closure(0, 1, True, False),
                    Closure(1, 0, False, True),
                    Closure(1, 1, False, True),
                )
            )
        },
    ),
    "closure-windows": (
        {
            "values": [
                {"row": 0, "column": 0, "isOpen": False},
                {"row": 0, "column": 1, "isOpen": False},
            ],
            "rowCount": 2,
            "columnCount": 2,
        },
        {Field.WINDOWS: Closures((Closure(0, 0, False), Closure(0, 1, False)))},
    ),
    "closure-reartrunk": (
        {"isOpen": True, "isLocked": False},
        {Field.TRUNK: Closures((Closure(None, None, True, False),))},
    ),
    "closure-fronttrunk": (
        {"isLocked": None, "isOpen": False},
        {Field.FRUNK: Closures((Closure(None, None, False, None),))},
    ),
    "closure-sunroof": (
        {"isOpen": False},
        {Field.SUNROOF: Closures((Closure(None, None, False),))},
    ),
    # Issue 20: the signals other Smartcar integrations show (Smartcar's documented bodies).
    "transmission-gearstate": ({"value": "REVERSE"}, {Field.GEAR: Gear.REVERSE}),
    "hvac-iscabinhvacactive": ({"value": True}, {Field.HVAC: True}),
    "hvac-cabintargettemperature": (
        {"unit": "celsius", "value": 22},
        {Field.TARGET_TEMPERATURE: 22},
    ),
    "hvac-isfrontdefrosteractive": ({"value": False}, {Field.FRONT_DEFROSTER: False}),
    "hvac-isreardefrosteractive": ({"value": True}, {Field.REAR_DEFROSTER: True}),
    "hvac-issteeringheateractive": ({"value": True}, {Field.STEERING_HEATER: True}),
    "diagnostics-mil": (
        {"status": "ALERT", "description": "Emissions system fault"},
        {Field.CHECK_ENGINE: Alert(True, "Emissions system fault")},
    ),
    "diagnostics-dtccount": (
        {"unit": "count", "value": 2},
        {Field.TROUBLE_CODE_COUNT: 2},
    ),
    "diagnostics-dtclist": (
        {
            "values": [
                {"code": "P0300", "timestamp": "2026-11-15T08:00:00Z"},
                {"code": "P0171", "timestamp": "2026-11-15T08:00:00Z"},
            ]
        },
        {Field.TROUBLE_CODES: TroubleCodes(("P0300", "P0171"))},
    ),
    "diagnostics-evhvbattery": (
        {"status": "OK"},
        {Field.EV_BATTERY_ALERT: Alert(False)},
    ),
    "diagnostics-evcharging": (
        {"status": "ALERT", "description": None},
        {Field.EV_CHARGING_ALERT: Alert(True)},
    ),
    "diagnostics-evdriveunit": (
        {"status": "OK", "description": "No fault"},
        {Field.EV_DRIVE_UNIT_ALERT: Alert(False, "No fault")},
    ),
    "tractionbattery-isheateractive": ({"value": True}, {Field.BATTERY_HEATER: True}),
    "connectivitystatus-isdigitalkeypaired": (
        {"value": True},
        {Field.DIGITAL_KEY: True},
    ),
    "surveillance-isenabled": ({"value": False}, {Field.SURVEILLANCE: False}),
    "charge-isfastchargerpresent": ({"value": False}, {Field.FAST_CHARGER: False}),
    "charge-amperagemax": (
        {"value": 18, "unit": "ampere"},
        {Field.MAX_CHARGING_CURRENT: 18},
    ),
    "charge-ischargingcablelatched": ({"value": True}, {Field.CABLE_LATCHED: True}),
    "charge-ischargingportflapopen": ({"value": True}, {Field.CHARGE_PORT: True}),
    "closure-enginecover": (
        {"isOpen": False},
        {Field.ENGINE_COVER: Closures((Closure(None, None, False),))},
    ),
    "vehicleidentification-vin": (
        {"value": "TESTVIN0000000001"},
        {Field.VIN: "TESTVIN0000000001"},
    ),
    "vehicleidentification-nickname": (
        {"value": "Blue Thunder"},
        {Field.NICKNAME: "Blue Thunder"},
    ),
}


def test_every_v4_signal_of_the_parser_has_a_case() -> None:
    assert set(V4_SIGNAL_CASES) == set(USED_SIGNALS)


@pytest.mark.parametrize("code", list(V4_SIGNAL_CASES))
def test_v4_signal_is_read(code: str, parse: Parse) -> None:
    body, expected = V4_SIGNAL_CASES[code]
    delivery = parse(_v4([_signal(code, body)]))
    assert field_values(delivery) == expected
    assert _dropped(delivery) == ()


@pytest.mark.parametrize("code", list(V4_SIGNAL_CASES))
def test_v4_signal_readings_have_native_units_and_oem_time(
    code: str, parse: Parse, native_units: dict[Field, Unit | None]
) -> None:
    body, _ = V4_SIGNAL_CASES[code]
    for field, reading in readings_by_field(parse(_v4([_signal(code, body)]))).items():
        assert reading.unit is native_units[field]
        assert reading.recorded_at == OEM_UPDATED
        assert reading.error is None


def test_v4_unknown_signal_is_skipped_silently(parse: Parse) -> None:
    signals = [
        _signal("charge-chargetimers", {"values": []}),
        _signal("vehicleidentification-exteriorcolor", {"value": "Space"}),
        _signal("vehicleidentification-packages", {"values": ["Plus"]}),
        _signal("odometer-traveleddistance", {"value": 10, "unit": "km"}),
    ]
    delivery = parse(_v4(signals))
    assert field_values(delivery) == {Field.ODOMETER: 10}
    assert _dropped(delivery) == ()


def test_v4_unknown_signal_in_error_is_skipped(parse: Parse) -> None:
    status = {"value": "ERROR", "error": {"type": "PERMISSION", "code": None}}
    delivery = parse(_v4([_signal("charge-chargetimers", status=status)]))
    assert only_report(delivery).readings == ()


def test_v4_empty_signal_list(parse: Parse) -> None:
    delivery = parse(_v4([]))
    assert only_report(delivery).readings == ()
    assert _dropped(delivery) == ()


# --- units ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body", "field", "expected"),
    [
        ("tractionbattery-range", {"value": 300, "unit": "km"}, Field.RANGE, 300),
        (
            "tractionbattery-range",
            {"value": 300, "unit": "kilometers"},
            Field.RANGE,
            300,
        ),
        (
            "tractionbattery-range",
            {"value": 300, "unit": "kilometres"},
            Field.RANGE,
            300,
        ),
        ("tractionbattery-range", {"value": 300, "unit": "KM"}, Field.RANGE, 300),
        ("tractionbattery-range", {"value": 300}, Field.RANGE, 300),
        (
            "tractionbattery-range",
            {"value": 100, "unit": "miles"},
            Field.RANGE,
            160.9344,
        ),
        ("tractionbattery-range", {"value": 100, "unit": "mi"}, Field.RANGE, 160.9344),
        (
            "odometer-traveleddistance",
            {"value": 10000, "unit": "miles"},
            Field.ODOMETER,
            16093.44,
        ),
        (
            "internalcombustionengine-range",
            {"value": 250, "unit": "mi"},
            Field.FUEL_RANGE,
            250 * MILE_KM,
        ),
        (
            "internalcombustionengine-amountremaining",
            {"value": 40, "unit": "liters"},
            Field.FUEL_AMOUNT,
            40,
        ),
        (
            "internalcombustionengine-amountremaining",
            {"value": 40, "unit": "litres"},
            Field.FUEL_AMOUNT,
            40,
        ),
        (
            "internalcombustionengine-amountremaining",
            {"value": 40, "unit": "L"},
            Field.FUEL_AMOUNT,
            40,
        ),
        (
            "internalcombustionengine-amountremaining",
            {"value": 10, "unit": "gallons"},
            Field.FUEL_AMOUNT,
            37.85411784,
        ),
        (
            "internalcombustionengine-amountremaining",
            {"value": 10, "unit": "gal"},
            Field.FUEL_AMOUNT,
            37.85411784,
        ),
        (
            "tractionbattery-stateofcharge",
            {"value": 55.5, "unit": "%"},
            Field.BATTERY_LEVEL,
            55.5,
        ),
        ("tractionbattery-stateofcharge", {"value": 55.5}, Field.BATTERY_LEVEL, 55.5),
        (
            "tractionbattery-nominalcapacity",
            {"capacity": 82, "unit": "KWH"},
            Field.BATTERY_CAPACITY,
            82,
        ),
        (
            "tractionbattery-nominalcapacity",
            {"capacity": 82},
            Field.BATTERY_CAPACITY,
            82,
        ),
    ],
)
def test_v4_units_are_converted(
    code: str, body: dict[str, Any], field: Field, expected: float, parse: Parse
) -> None:
    assert field_values(parse(_v4([_signal(code, body)])))[field] == pytest.approx(
        expected
    )


@pytest.mark.parametrize(
    ("pressure", "unit", "expected"),
    [
        (250, "kPa", 250),
        (250, "KPA", 250),
        (250, None, 250),
        (36, "psi", 36 * PSI_KPA),
        (36, "PSI", 248.2112625540610),
        (2.5, "bar", 250),
    ],
)
def test_v4_tire_pressure_units_are_converted(
    pressure: float, unit: str | None, expected: float, parse: Parse
) -> None:
    body = _tires(pressure, pressure, pressure, pressure, unit=unit)
    if unit is None:
        del body["unit"]
    values = field_values(parse(_v4([_signal("wheel-tires", body)])))
    assert values == dict.fromkeys(TIRES, pytest.approx(expected))


@pytest.mark.parametrize(
    ("code", "body", "source"),
    [
        (
            "tractionbattery-range",
            {"value": 300, "unit": "furlongs"},
            "tractionbattery-range.value",
        ),
        (
            "odometer-traveleddistance",
            {"value": 300, "unit": "meters"},
            "odometer-traveleddistance.value",
        ),
        (
            "tractionbattery-stateofcharge",
            {"value": 0.5, "unit": "ratio"},
            "tractionbattery-stateofcharge.value",
        ),
        (
            "internalcombustionengine-amountremaining",
            {"value": 40, "unit": "kWh"},
            "internalcombustionengine-amountremaining.value",
        ),
        (
            "tractionbattery-nominalcapacity",
            {"capacity": 277, "unit": "MJ"},
            "tractionbattery-nominalcapacity.capacity",
        ),
        (
            "charge-chargelimits",
            {"activeLimit": 80, "unit": "amps"},
            "charge-chargelimits.activeLimit",
        ),
        (
            "tractionbattery-range",
            {"value": 300, "unit": ""},
            "tractionbattery-range.value",
        ),
    ],
)
def test_v4_value_in_unknown_unit_is_dropped(
    code: str, body: dict[str, Any], source: str, parse: Parse
) -> None:
    signals = [_signal(code, body), _signal("closure-islocked", {"value": True})]
    delivery = parse(_v4(signals))
    assert _dropped(delivery) == (DroppedField(VEHICLE_ID, source, "unknown unit"),)
    assert field_values(delivery) == {Field.LOCKED: True}


def test_v4_tires_in_unknown_unit_are_dropped(parse: Parse) -> None:
    delivery = parse(
        _v4([_signal("wheel-tires", _tires(2.4, 2.4, 2.3, 2.3, unit="atm"))])
    )
    assert field_values(delivery) == {}
    assert _dropped(delivery) == tuple(
        DroppedField(VEHICLE_ID, f"wheel-tires.{field.value}", "unknown unit")
        for field in TIRES
    )


@pytest.mark.parametrize(
    ("code", "body", "source"),
    [
        (
            "odometer-traveleddistance",
            {"value": 1.7e308, "unit": "miles"},
            "odometer-traveleddistance.value",
        ),
        (
            "internalcombustionengine-amountremaining",
            {"value": 1e308, "unit": "gallons"},
            "internalcombustionengine-amountremaining.value",
        ),
        (
            "wheel-tires",
            _tires(1e307, unit="bar"),
            "wheel-tires.tire_pressure_front_left",
        ),
        (
            "wheel-tires",
            _tires(1e308, unit="psi"),
            "wheel-tires.tire_pressure_front_left",
        ),
    ],
    ids=["miles", "gallons", "bar", "psi"],
)
def test_v4_value_overflowing_on_unit_conversion_is_dropped(
    code: str, body: dict[str, Any], source: str, parse: Parse
) -> None:
    # A finite JSON number times the unit factor must not become infinity.
    signals = [_signal(code, body), _signal("closure-islocked", {"value": True})]
    delivery = parse(_v4(signals))
    assert field_values(delivery) == {Field.LOCKED: True}
    assert [d.source for d in _dropped(delivery)] == [source]


# --- status ERROR ---------------------------------------------------------------------


@pytest.mark.parametrize("code", list(V4_SIGNAL_CASES))
def test_v4_error_status_marks_every_field_of_its_signal(
    code: str, parse: Parse
) -> None:
    status = {
        "value": "ERROR",
        "error": {
            "type": "VEHICLE_STATE",
            "code": "UNREACHABLE",
            "resolution": {"type": "RETRY_LATER"},
        },
    }
    body, expected = V4_SIGNAL_CASES[code]
    readings = readings_by_field(parse(_v4([_signal(code, body, status=status)])))
    assert set(readings) == set(expected)
    for reading in readings.values():
        assert reading.value is None
        assert reading.unit is None
        assert reading.error == FieldError(
            "VEHICLE_STATE", "UNREACHABLE", "RETRY_LATER"
        )
        # Even next to an oemUpdatedAt: an error is not a value the car recorded.
        assert reading.recorded_at is None


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (
            {"value": "ERROR", "error": {"type": "PERMISSION", "code": None}},
            FieldError("PERMISSION"),
        ),
        (
            {
                "value": "ERROR",
                "error": {"type": "COMPATIBILITY", "code": "SMARTCAR_NOT_CAPABLE"},
            },
            FieldError("COMPATIBILITY", "SMARTCAR_NOT_CAPABLE"),
        ),
        ({"value": "ERROR"}, FieldError("UNKNOWN")),
        ({"value": "ERROR", "error": "boom"}, FieldError("UNKNOWN")),
        ({"value": "ERROR", "error": {"type": 5, "code": []}}, FieldError("UNKNOWN")),
    ],
    ids=["permission", "compatibility", "no-error", "error-string", "wrong-types"],
)
def test_v4_error_status_becomes_field_error(
    status: dict[str, Any], error: FieldError, parse: Parse
) -> None:
    signal = _signal("tractionbattery-range", status=status)
    assert readings_by_field(parse(_v4([signal])))[Field.RANGE].error == error


@pytest.mark.parametrize(
    "status",
    [{"value": "SUCCESS"}, {}, "ERROR", None],
    ids=["success", "empty", "string", "null"],
)
def test_v4_status_other_than_error_reads_the_body(status: Any, parse: Parse) -> None:
    signal = _signal("tractionbattery-range", {"value": 300, "unit": "km"})
    signal["status"] = status
    reading = readings_by_field(parse(_v4([signal])))[Field.RANGE]
    assert (reading.value, reading.error) == (300, None)


def test_v4_error_status_wins_over_a_body(parse: Parse) -> None:
    status = {"value": "ERROR", "error": {"type": "SERVER", "code": "INTERNAL"}}
    signal = _signal(
        "tractionbattery-range", {"value": 300, "unit": "km"}, status=status
    )
    reading = readings_by_field(parse(_v4([signal])))[Field.RANGE]
    assert (reading.value, reading.error) == (None, FieldError("SERVER", "INTERNAL"))


# --- recorded times -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"oemUpdatedAt": OEM_UPDATED_MS, "retrievedAt": RETRIEVED_MS}, OEM_UPDATED),
        ({"oemUpdatedAt": OEM_UPDATED_MS}, OEM_UPDATED),
        ({"oemUpdatedAt": 0, "retrievedAt": RETRIEVED_MS}, None),
        ({"oemUpdatedAt": None, "retrievedAt": RETRIEVED_MS}, None),
        ({"retrievedAt": RETRIEVED_MS}, None),
        ({"oemUpdatedAt": "1765699200000", "retrievedAt": RETRIEVED_MS}, None),
        ({"oemUpdatedAt": True, "retrievedAt": RETRIEVED_MS}, None),
        ({"oemUpdatedAt": -5, "retrievedAt": RETRIEVED_MS}, None),
        ({"oemUpdatedAt": 1e300, "retrievedAt": RETRIEVED_MS}, None),
        ({"oemUpdatedAt": 10**400, "retrievedAt": RETRIEVED_MS}, None),
        ({"oemUpdatedAt": 0, "retrievedAt": 0}, None),
        ({}, None),
        ("meta", None),
        ([], None),
        ({"oemUpdatedAt": OEM_UPDATED_MS + 0.5}, OEM_UPDATED.replace(microsecond=500)),
    ],
    ids=[
        "oem-wins",
        "oem-only",
        "oem-zero",
        "oem-null",
        "retrieved-only",
        "oem-string",
        "oem-bool",
        "oem-negative",
        "oem-overflow",
        "oem-huge-int",
        "both-zero",
        "empty-meta",
        "meta-string",
        "meta-list",
        "fractional-ms",
    ],
)
def test_v4_signal_recorded_time(
    meta: Any, expected: datetime | None, parse: Parse
) -> None:
    signal = _signal("odometer-traveleddistance", {"value": 5, "unit": "km"}, meta=meta)
    reading = readings_by_field(parse(_v4([signal])))[Field.ODOMETER]
    assert (reading.value, reading.recorded_at) == (5, expected)


def test_v4_signal_without_meta_key_has_no_recorded_time(parse: Parse) -> None:
    signal = _signal("odometer-traveleddistance", {"value": 5, "unit": "km"})
    del signal["meta"]
    reading = readings_by_field(parse(_v4([signal])))[Field.ODOMETER]
    assert (reading.value, reading.recorded_at) == (5, None)


def test_v4_signal_recorded_time_in_the_future_is_capped_at_arrival(
    parse: Parse, received_at: datetime
) -> None:
    meta = {"oemUpdatedAt": 1798761600000}  # 2027-01-01, after the arrival
    signal = _signal("odometer-traveleddistance", {"value": 5, "unit": "km"}, meta=meta)
    assert (
        readings_by_field(parse(_v4([signal])))[Field.ODOMETER].recorded_at
        == received_at
    )


def test_v4_signal_recorded_after_delivered_at_is_kept(parse: Parse) -> None:
    # Only the arrival caps a car time; Smartcar's deliveredAt does not.
    meta = {"oemUpdatedAt": DELIVERED_MS + 1000}
    signal = _signal("odometer-traveleddistance", {"value": 5, "unit": "km"}, meta=meta)
    assert readings_by_field(parse(_v4([signal])))[
        Field.ODOMETER
    ].recorded_at == datetime(2025, 12, 14, 8, 6, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    "delivered_at",
    [None, 0, -1, "1765699565000", 10**400],
    ids=["null", "zero", "negative", "string", "huge"],
)
def test_v4_unusable_delivered_at_is_none(
    delivered_at: Any, parse: Parse, received_at: datetime
) -> None:
    document = _v4(
        [_signal("odometer-traveleddistance", {"value": 5, "unit": "km"}, meta={})]
    )
    document["meta"]["deliveredAt"] = delivered_at
    delivery = data_delivery(parse(document))
    assert (delivery.delivered_at, delivery.received_at) == (None, received_at)
    assert readings_by_field(delivery)[Field.ODOMETER].recorded_at is None


def test_v4_delivered_at_in_the_future_is_capped_at_arrival(
    parse: Parse, received_at: datetime
) -> None:
    document = _v4([_signal("odometer-traveleddistance", {"value": 5, "unit": "km"})])
    document["meta"]["deliveredAt"] = 1798761600000  # 2027-01-01
    assert data_delivery(parse(document)).delivered_at == received_at


def test_v4_delivery_without_meta_has_no_delivered_at(
    parse: Parse, received_at: datetime
) -> None:
    document = _v4([_signal("odometer-traveleddistance", {"value": 5, "unit": "km"})])
    del document["meta"]
    delivery = data_delivery(parse(document))
    assert (
        delivery.delivered_at,
        delivery.received_at,
        delivery.webhook_id,
        delivery.mode,
    ) == (None, received_at, None, None)
    assert readings_by_field(delivery)[Field.ODOMETER].recorded_at == OEM_UPDATED


# --- location -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        (271.5, 271.5),
        (0, 0),
        (360, 0),
        (370, 10),
        (-90, 270),
        ("N", None),
        (None, None),
    ],
)
def test_v4_location_heading(
    heading: Any, expected: float | None, parse: Parse
) -> None:
    body = {"latitude": 52.5163, "longitude": 13.3777, "heading": heading}
    location = field_values(parse(_v4([_signal("location-preciselocation", body)])))[
        Field.LOCATION
    ]
    assert location == Location(52.5163, 13.3777, expected)


def test_v4_location_without_heading(parse: Parse) -> None:
    body = {"latitude": 52.5163, "longitude": 13.3777, "locationType": "CURRENT"}
    location = field_values(parse(_v4([_signal("location-preciselocation", body)])))[
        Field.LOCATION
    ]
    assert location == Location(52.5163, 13.3777, None, LocationType.CURRENT)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_v4_non_finite_heading_is_left_out(raw: str, parse: Parse) -> None:
    body = {"latitude": 52.5163, "longitude": 13.3777, "heading": RAW}
    delivery = parse(with_raw(_v4([_signal("location-preciselocation", body)]), raw))
    assert field_values(delivery)[Field.LOCATION] == Location(52.5163, 13.3777, None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"latitude": 91, "longitude": 13.4}, "latitude outside -90..90"),
        ({"latitude": -90.01, "longitude": 13.4}, "latitude outside -90..90"),
        ({"latitude": 52.5, "longitude": -181}, "longitude outside -180..180"),
        ({"latitude": 52.5, "longitude": 181}, "longitude outside -180..180"),
        ({"latitude": "52.5", "longitude": 13.4}, "not a finite number"),
        ({"latitude": 52.5, "longitude": None}, "not a finite number"),
        ({"locationType": "LAST_PARKED"}, "not a finite number"),
    ],
)
def test_v4_bad_location_is_dropped_with_reason(
    body: dict[str, Any], reason: str, parse: Parse
) -> None:
    signals = [
        _signal("location-preciselocation", body),
        _signal("closure-islocked", {"value": False}),
    ]
    delivery = parse(_v4(signals))
    assert _dropped(delivery) == (
        DroppedField(VEHICLE_ID, "location-preciselocation", reason),
    )
    assert field_values(delivery) == {Field.LOCKED: False}


# --- tires ------------------------------------------------------------------------------


def test_v4_tires_map_row_zero_to_front_and_column_zero_to_left(parse: Parse) -> None:
    body = {
        "values": [
            {"row": 1, "column": 1, "tirePressure": 211},
            {"row": 0, "column": 1, "tirePressure": 201},
            {"row": 1, "column": 0, "tirePressure": 210},
            {"row": 0, "column": 0, "tirePressure": 200},
        ],
        "rowCount": 2,
        "columnCount": 2,
        "unit": "kPa",
    }
    assert field_values(parse(_v4([_signal("wheel-tires", body)]))) == {
        Field.TIRE_PRESSURE_FRONT_LEFT: 200,
        Field.TIRE_PRESSURE_FRONT_RIGHT: 201,
        Field.TIRE_PRESSURE_BACK_LEFT: 210,
        Field.TIRE_PRESSURE_BACK_RIGHT: 211,
    }


@pytest.mark.parametrize(
    "tire",
    [
        {"row": 2, "column": 0, "tirePressure": 250},
        {"row": 0, "column": 2, "tirePressure": 250},
        {"row": -1, "column": 0, "tirePressure": 250},
        {"row": "0", "column": 0, "tirePressure": 250},
        {"row": True, "column": False, "tirePressure": 250},
        {"row": 0.0, "column": 0, "tirePressure": 250},
        {"column": 0, "tirePressure": 250},
        {"row": 0, "column": 0},
        {"row": 0, "column": 0, "pressure": 250},
        "front-left",
        None,
        [0, 0, 250],
    ],
    ids=[
        "third-row",
        "third-column",
        "negative-row",
        "string-row",
        "bool-position",
        "float-row",
        "no-row",
        "no-pressure",
        "wrong-key",
        "string",
        "null",
        "list",
    ],
)
def test_v4_tire_outside_the_2x2_layout_is_dropped(tire: Any, parse: Parse) -> None:
    body = _tires(None, 251, 246, 247)
    body["values"][0] = tire
    delivery = parse(_v4([_signal("wheel-tires", body)]))
    assert _dropped(delivery) == (
        DroppedField(VEHICLE_ID, "wheel-tires", "not a tire of a 2x2 layout"),
    )
    assert field_values(delivery) == {
        Field.TIRE_PRESSURE_FRONT_RIGHT: 251,
        Field.TIRE_PRESSURE_BACK_LEFT: 246,
        Field.TIRE_PRESSURE_BACK_RIGHT: 247,
    }


@pytest.mark.parametrize("values", [None, {}, "250,251,246,247", 250])
def test_v4_tires_without_value_list_are_dropped(values: Any, parse: Parse) -> None:
    body = _tires()
    body["values"] = values
    delivery = parse(_v4([_signal("wheel-tires", body)]))
    assert _dropped(delivery) == (
        DroppedField(VEHICLE_ID, "wheel-tires", "values is not a list"),
    )
    assert field_values(delivery) == {}


@pytest.mark.parametrize(
    ("pressure", "reason"),
    [
        ("250", "not a finite number"),
        (None, "not a finite number"),
        (True, "not a finite number"),
        (-1, "implausible value"),
    ],
)
def test_v4_bad_tire_pressure_is_dropped_with_reason(
    pressure: Any, reason: str, parse: Parse
) -> None:
    delivery = parse(_v4([_signal("wheel-tires", _tires(pressure, 251, 246, 247))]))
    assert _dropped(delivery) == (
        DroppedField(VEHICLE_ID, "wheel-tires.tire_pressure_front_left", reason),
    )
    assert set(field_values(delivery)) == set(TIRES[1:])


def test_v4_tire_layout_with_fewer_tires_reports_those_present(parse: Parse) -> None:
    delivery = parse(_v4([_signal("wheel-tires", _tires(250, 251))]))
    assert field_values(delivery) == {
        Field.TIRE_PRESSURE_FRONT_LEFT: 250,
        Field.TIRE_PRESSURE_FRONT_RIGHT: 251,
    }


# --- charge limits and capacity -----------------------------------------------------------


def test_v4_charge_limit_is_the_active_limit_not_the_listed_limits(
    parse: Parse,
) -> None:
    body = {
        "values": [
            {"type": "GLOBAL", "limit": 100, "condition": None},
            {"type": "LOCATION", "limit": 60, "condition": {"name": "Home"}},
        ],
        "activeLimit": 60,
        "unit": "percent",
    }
    assert field_values(parse(_v4([_signal("charge-chargelimits", body)]))) == {
        Field.CHARGE_LIMIT: 60
    }


@pytest.mark.parametrize(
    "body",
    [
        {"values": [{"type": "GLOBAL", "limit": 80}], "unit": "percent"},
        # Smartcar: activeLimit is null "when the vehicle is not plugged in".
        {
            "values": [
                {"type": "LOCATION", "limit": 60, "condition": {"name": "Home"}},
                {"type": "GLOBAL", "limit": 80, "condition": None},
            ],
            "activeLimit": None,
            "unit": "percent",
        },
    ],
    ids=["no-active-limit", "active-limit-null"],
)
def test_v4_charge_limits_without_active_limit_read_the_global_one(
    body: dict[str, Any], parse: Parse
) -> None:
    delivery = parse(_v4([_signal("charge-chargelimits", body)]))
    assert field_values(delivery) == {Field.CHARGE_LIMIT: 80}
    assert _dropped(delivery) == ()


def test_v4_charge_limits_without_any_limit_report_nothing(parse: Parse) -> None:
    body = {"values": [], "activeLimit": None, "unit": "percent"}
    delivery = parse(_v4([_signal("charge-chargelimits", body)]))
    assert field_values(delivery) == {}
    assert _dropped(delivery) == ()


def test_v4_nominal_capacity_reads_capacity_not_available_capacities(
    parse: Parse,
) -> None:
    body = {
        "capacity": 64,
        "value": 99,
        "availableCapacities": [{"capacity": 77.4}, {"capacity": 58}],
        "unit": "kWh",
    }
    assert field_values(
        parse(_v4([_signal("tractionbattery-nominalcapacity", body)]))
    ) == {Field.BATTERY_CAPACITY: 64}


# --- identity: delivery id, mode, triggers -------------------------------------------------


@pytest.mark.parametrize(
    ("event_id", "delivery_id", "expected"),
    [
        (EVENT_ID, DELIVERY_ID, EVENT_ID),
        (None, DELIVERY_ID, DELIVERY_ID),
        ("", DELIVERY_ID, DELIVERY_ID),
        (7, DELIVERY_ID, DELIVERY_ID),
        (None, None, ""),
    ],
    ids=["event-id", "no-event-id", "empty-event-id", "numeric-event-id", "neither"],
)
def test_v4_delivery_id_is_event_id_then_meta_delivery_id(
    event_id: Any, delivery_id: Any, expected: str, parse: Parse
) -> None:
    document = _v4([_signal("closure-islocked", {"value": True})])
    document["eventId"] = event_id
    document["meta"]["deliveryId"] = delivery_id
    report = only_report(parse(document))
    assert report.delivery_id == expected
    assert report.readings[0].delivery_id == expected


@pytest.mark.parametrize(
    ("raw_mode", "mode"),
    [
        ("LIVE", Mode.LIVE),
        ("TEST", Mode.TEST),
        ("SIMULATED", Mode.SIMULATED),
        ("live", Mode.LIVE),
        ("DEMO", None),
        (None, None),
        (1, None),
    ],
)
def test_v4_mode(raw_mode: Any, mode: Mode | None, parse: Parse) -> None:
    document = _v4([])
    document["meta"]["mode"] = raw_mode
    assert data_delivery(parse(document)).mode is mode


@pytest.mark.parametrize(
    "triggers",
    [
        [
            {
                "type": "SIGNAL_UPDATED",
                "signal": {"code": "tractionbattery-stateofcharge"},
            }
        ],
        [
            {
                "code": "tractionbattery-stateofcharge",
                "name": "StateOfCharge",
                "group": "X",
            }
        ],
        [{"code": "FIRST_DELIVERY"}],
        [{"type": "SIGNAL_UPDATED", "signal": "TractionBattery.StateOfCharge"}],
        [],
        None,
        "SIGNAL_UPDATED",
        {"type": "SIGNAL_UPDATED"},
        [None, 5, "x", [1]],
    ],
    ids=[
        "signal-object",
        "flat",
        "first-delivery",
        "signal-string",
        "empty",
        "null",
        "string",
        "object",
        "junk-list",
    ],
)
def test_v4_triggers_shape_does_not_matter(
    triggers: Any, fixture_json: LoadJson, parse: Parse
) -> None:
    baseline = parse(fixture_json("v4_vehicle_state.json"))
    document = fixture_json("v4_vehicle_state.json")
    document["triggers"] = triggers
    assert parse(document) == baseline


def test_v4_delivery_without_triggers_key(fixture_json: LoadJson, parse: Parse) -> None:
    baseline = parse(fixture_json("v4_vehicle_state.json"))
    document = fixture_json("v4_vehicle_state.json")
    del document["triggers"]
    assert parse(document) == baseline


# --- malformed signals and documents --------------------------------------------------------


@pytest.mark.parametrize(
    "signal",
    [
        None,
        "tractionbattery-range",
        5,
        [],
        {"body": {"value": 1}},
        {"code": 5},
        {"code": None},
    ],
    ids=["null", "string", "number", "list", "no-code", "numeric-code", "null-code"],
)
def test_v4_malformed_signal_is_dropped_while_others_count(
    signal: Any, parse: Parse
) -> None:
    delivery = parse(_v4([signal, _signal("closure-islocked", {"value": True})]))
    assert _dropped(delivery) == (DroppedField(VEHICLE_ID, "signals", "not a signal"),)
    assert field_values(delivery) == {Field.LOCKED: True}


@pytest.mark.parametrize(
    "body", [None, [], "67", 67], ids=["missing", "list", "string", "number"]
)
def test_v4_signal_body_that_is_not_an_object_is_dropped(
    body: Any, parse: Parse
) -> None:
    signal = _signal("tractionbattery-stateofcharge")
    if body is not None:
        signal["body"] = body
    delivery = parse(_v4([signal, _signal("closure-islocked", {"value": True})]))
    assert _dropped(delivery) == (
        DroppedField(
            VEHICLE_ID, "tractionbattery-stateofcharge", "body is not an object"
        ),
    )
    assert field_values(delivery) == {Field.LOCKED: True}


@pytest.mark.parametrize("signals", [None, {}, "signals", 3])
def test_v4_vehicle_state_without_signal_list_is_invalid(
    signals: Any, parse: Parse
) -> None:
    document = _v4([])
    document["data"]["signals"] = signals
    with pytest.raises(InvalidDeliveryError, match="signals is not a list"):
        parse(document)


def test_v4_vehicle_state_without_signals_key_is_invalid(parse: Parse) -> None:
    document = _v4([])
    del document["data"]["signals"]
    with pytest.raises(InvalidDeliveryError, match="signals"):
        parse(document)


@pytest.mark.parametrize("key", ["data", "vehicle"])
def test_v4_vehicle_state_without_data_or_vehicle_is_invalid(
    key: str, parse: Parse
) -> None:
    document = _v4([])
    if key == "data":
        del document["data"]
    else:
        del document["data"]["vehicle"]
    with pytest.raises(InvalidDeliveryError, match=f"{key} is not an object"):
        parse(document)


@pytest.mark.parametrize(
    "event_type",
    ["VEHICLE_STATUS", "vehicle_state", "", None, 5, ["VEHICLE_STATE"], {"a": 1}],
)
def test_v4_unknown_event_type_is_invalid(event_type: Any, parse: Parse) -> None:
    document = _v4([])
    document["eventType"] = event_type
    with pytest.raises(InvalidDeliveryError, match=r"unknown 4\.0 eventType"):
        parse(document)


def test_v4_event_type_takes_precedence_over_event_name(parse: Parse) -> None:
    document = _v4([_signal("closure-islocked", {"value": True})])
    document["eventName"] = "verify"
    assert field_values(parse(document)) == {Field.LOCKED: True}


# --- wrong-typed and out-of-range values ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "raw_body", "source", "reason"),
    [
        (
            "tractionbattery-stateofcharge",
            '{"value": "67", "unit": "percent"}',
            "tractionbattery-stateofcharge.value",
            "not a finite number",
        ),
        (
            "tractionbattery-stateofcharge",
            '{"value": true, "unit": "percent"}',
            "tractionbattery-stateofcharge.value",
            "not a finite number",
        ),
        (
            "tractionbattery-stateofcharge",
            '{"value": NaN, "unit": "percent"}',
            "tractionbattery-stateofcharge.value",
            "not a finite number",
        ),
        (
            "tractionbattery-range",
            '{"value": Infinity, "unit": "km"}',
            "tractionbattery-range.value",
            "not a finite number",
        ),
        (
            "tractionbattery-range",
            '{"value": 1e400, "unit": "km"}',
            "tractionbattery-range.value",
            "not a finite number",
        ),
        (
            "odometer-traveleddistance",
            '{"value": 1' + "0" * 400 + ', "unit": "km"}',
            "odometer-traveleddistance.value",
            "not a finite number",
        ),
        (
            "tractionbattery-stateofcharge",
            '{"value": 101, "unit": "percent"}',
            "tractionbattery-stateofcharge.value",
            "implausible value",
        ),
        (
            "tractionbattery-stateofcharge",
            '{"value": -0.5, "unit": "percent"}',
            "tractionbattery-stateofcharge.value",
            "implausible value",
        ),
        (
            "charge-chargelimits",
            '{"activeLimit": 100.5, "unit": "percent"}',
            "charge-chargelimits.activeLimit",
            "implausible value",
        ),
        (
            "internalcombustionengine-oillife",
            '{"value": 250, "unit": "percent"}',
            "internalcombustionengine-oillife.value",
            "implausible value",
        ),
        (
            "tractionbattery-range",
            '{"value": -12, "unit": "km"}',
            "tractionbattery-range.value",
            "implausible value",
        ),
        (
            "odometer-traveleddistance",
            '{"value": -1, "unit": "miles"}',
            "odometer-traveleddistance.value",
            "implausible value",
        ),
        (
            "tractionbattery-nominalcapacity",
            '{"capacity": -77, "unit": "kWh"}',
            "tractionbattery-nominalcapacity.capacity",
            "implausible value",
        ),
        (
            "charge-ischarging",
            '{"value": "yes"}',
            "charge-ischarging.value",
            "not a boolean",
        ),
        (
            "charge-ischargingcableconnected",
            '{"value": 1}',
            "charge-ischargingcableconnected.value",
            "not a boolean",
        ),
        (
            "closure-islocked",
            '{"value": null}',
            "closure-islocked.value",
            "not a boolean",
        ),
        (
            "charge-detailedchargingstatus",
            '{"value": 3}',
            "charge-detailedchargingstatus.value",
            "not a string",
        ),
        (
            "charge-detailedchargingstatus",
            '{"value": "PAUSED"}',
            "charge-detailedchargingstatus.value",
            "unknown charging state",
        ),
    ],
)
def test_v4_bad_value_is_dropped_with_reason(
    code: str, raw_body: str, source: str, reason: str, parse: Parse
) -> None:
    document = _v4(
        [
            _signal(code, RAW),
            _signal("location-preciselocation", {"latitude": 1.5, "longitude": 2.5}),
        ]
    )
    delivery = parse(with_raw(document, raw_body))
    assert _dropped(delivery) == (DroppedField(VEHICLE_ID, source, reason),)
    assert field_values(delivery) == {Field.LOCATION: Location(1.5, 2.5)}


@pytest.mark.parametrize(
    ("raw", "state", "charging"),
    [
        ("CHARGING", ChargingState.CHARGING, True),
        ("FULLY_CHARGED", ChargingState.FULLY_CHARGED, False),
        ("NOT_CHARGING", ChargingState.NOT_CHARGING, False),
        ("Charging", ChargingState.CHARGING, True),
    ],
)
def test_v4_status_alone_also_says_whether_the_car_charges(
    raw: str, state: ChargingState, charging: bool, parse: Parse
) -> None:
    delivery = parse(_v4([_signal("charge-detailedchargingstatus", {"value": raw})]))

    assert field_values(delivery) == {
        Field.CHARGING_STATE: state,
        Field.CHARGING: charging,
    }
    assert readings_by_field(delivery)[Field.CHARGING].recorded_at == OEM_UPDATED


def test_v4_charging_signal_wins_over_the_status_in_one_delivery(
    parse: Parse,
) -> None:
    delivery = parse(
        _v4(
            [
                _signal("charge-detailedchargingstatus", {"value": "CHARGING"}),
                _signal("charge-ischarging", {"value": False}),
            ]
        )
    )

    charging = [
        reading
        for reading in only_report(delivery).readings
        if reading.field is Field.CHARGING
    ]
    assert [reading.value for reading in charging] == [False]


def test_v4_status_error_also_makes_charging_an_error(parse: Parse) -> None:
    error = {"value": "ERROR", "error": {"type": "SERVER", "code": "INTERNAL"}}
    delivery = parse(
        _v4([_signal("charge-detailedchargingstatus", meta={}, status=error)])
    )

    errors = {
        reading.field: reading.error for reading in only_report(delivery).readings
    }
    assert set(errors) == {Field.CHARGING_STATE, Field.CHARGING}
    assert errors[Field.CHARGING] == errors[Field.CHARGING_STATE] is not None


def test_v4_dropped_status_derives_nothing(parse: Parse) -> None:
    delivery = parse(_v4([_signal("charge-detailedchargingstatus", {"value": 3})]))

    assert field_values(delivery) == {}


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (100, 100), (0.77, 0.77)])
def test_v4_percent_boundaries_are_accepted(
    value: float, expected: float, parse: Parse
) -> None:
    body = {"value": value, "unit": "percent"}
    delivery = parse(_v4([_signal("internalcombustionengine-fuellevel", body)]))
    assert field_values(delivery) == {Field.FUEL_LEVEL: expected}


# --- VEHICLE_ERROR ----------------------------------------------------------------------------


def test_v4_vehicle_error_fixture(
    fixture_json: LoadJson, parse: Parse, received_at: datetime
) -> None:
    assert parse(fixture_json("v4_vehicle_error.json")) == ErrorDelivery(
        webhook_id=WEBHOOK_ID,
        mode=Mode.LIVE,
        delivery_id=ERROR_EVENT_ID,
        delivered_at=DELIVERED,
        received_at=received_at,
        vehicle=VehicleInfo(VEHICLE_ID, "KIA", "EV6", 2023),
        errors=(
            VehicleError(
                type="CONNECTED_SERVICES_ACCOUNT",
                code="AUTHENTICATION_FAILED",
                description=(
                    "The vehicle owner's connected services credentials are no longer valid."
                ),
                resolution="REAUTHENTICATE",
                state=ErrorState.ERROR,
                signals=("tractionbattery-stateofcharge", "tractionbattery-range"),
            ),
            VehicleError(
                type="VEHICLE_STATE",
                code="ASLEEP",
                description="The vehicle was asleep.",
                resolution="RETRY_LATER",
                state=ErrorState.RESOLVED,
                signals=("location-preciselocation", "odometer-traveleddistance"),
            ),
            VehicleError(
                type="PERMISSION",
                code=None,
                description="Your application has insufficient permissions for this signal.",
                resolution=None,
                state=ErrorState.ERROR,
                signals=("closure-islocked",),
            ),
        ),
        webhook_name="Home Assistant test",
        user_id="5415f06f-9bb6-474a-abc7-8746a362ef3f",
    )


def _error_document(errors: Any) -> dict[str, Any]:
    document = _v4([])
    del document["data"]["signals"]
    document["eventType"] = "VEHICLE_ERROR"
    document["data"]["errors"] = errors
    return document


def _errors(delivery: Delivery) -> tuple[VehicleError, ...]:
    assert isinstance(delivery, ErrorDelivery)
    return delivery.errors


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("ERROR", ErrorState.ERROR),
        ("RESOLVED", ErrorState.RESOLVED),
        (None, ErrorState.ERROR),
        ("SOMETHING_ELSE", ErrorState.ERROR),
        (True, ErrorState.ERROR),
    ],
)
def test_v4_vehicle_error_state(state: Any, expected: ErrorState, parse: Parse) -> None:
    (error,) = _errors(
        parse(_error_document([{"type": "VEHICLE_STATE", "state": state}]))
    )
    assert error.state is expected


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        ({"type": "REAUTHENTICATE"}, "REAUTHENTICATE"),
        ({"type": "CONTACT_SUPPORT"}, "CONTACT_SUPPORT"),
        ({"type": None}, None),
        ({}, None),
        ("RETRY_LATER", None),
        (None, None),
    ],
)
def test_v4_vehicle_error_resolution_type(
    resolution: Any, expected: str | None, parse: Parse
) -> None:
    raw = {"type": "CONNECTED_SERVICES_ACCOUNT", "resolution": resolution}
    (error,) = _errors(parse(_error_document([raw])))
    assert error.resolution == expected


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        (["TractionBattery.StateOfCharge"], ("tractionbattery-stateofcharge",)),
        (
            [{"name": "IsLocked", "group": "Closure", "code": "closure-islocked"}],
            ("closure-islocked",),
        ),
        (
            ["Odometer.TraveledDistance", {"code": "tractionbattery-range"}],
            ("odometer-traveleddistance", "tractionbattery-range"),
        ),
        (
            [
                None,
                5,
                {"name": "X"},
                {"code": ""},
                {"code": 5},
                [],
                "ok",
                "Closure.IsLocked",
            ],
            ("closure-islocked",),
        ),
        (
            ["TractionBattery.Range", "tractionbattery-range", "TRACTIONBATTERY-RANGE"],
            ("tractionbattery-range",),
        ),
        ("closure-islocked", ()),
        ({"code": "closure-islocked"}, ()),
        (None, ()),
        ([], ()),
    ],
    ids=[
        "strings",
        "objects",
        "mixed",
        "junk-entries",
        "same-signal-thrice",
        "string",
        "object",
        "null",
        "empty",
    ],
)
def test_v4_vehicle_error_signals_are_signal_codes(
    signals: Any, expected: tuple[str, ...], parse: Parse
) -> None:
    (error,) = _errors(
        parse(_error_document([{"type": "PERMISSION", "signals": signals}]))
    )
    assert error.signals == expected


def test_v4_vehicle_error_with_only_a_type(parse: Parse) -> None:
    (error,) = _errors(parse(_error_document([{"type": "COMPATIBILITY"}])))
    assert error == VehicleError(
        type="COMPATIBILITY",
        code=None,
        description=None,
        resolution=None,
        state=ErrorState.ERROR,
        signals=(),
    )


@pytest.mark.parametrize(
    "raw",
    [None, "PERMISSION", 5, [], {}, {"code": "ASLEEP"}, {"type": ""}, {"type": 7}],
    ids=[
        "null",
        "string",
        "number",
        "list",
        "empty",
        "no-type",
        "empty-type",
        "numeric-type",
    ],
)
def test_v4_malformed_vehicle_error_is_skipped(raw: Any, parse: Parse) -> None:
    errors = _errors(parse(_error_document([raw, {"type": "PERMISSION"}])))
    assert [e.type for e in errors] == ["PERMISSION"]


@pytest.mark.parametrize("errors", [None, {}, "errors"])
def test_v4_vehicle_error_without_error_list_is_invalid(
    errors: Any, parse: Parse
) -> None:
    with pytest.raises(InvalidDeliveryError, match="errors is not a list"):
        parse(_error_document(errors))


def test_v4_vehicle_error_with_empty_list(parse: Parse) -> None:
    assert _errors(parse(_error_document([]))) == ()


def test_v4_vehicle_error_delivery_id_falls_back_to_meta(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v4_vehicle_error.json")
    del document["eventId"]
    delivery = parse(document)
    assert isinstance(delivery, ErrorDelivery)
    assert delivery.delivery_id == "f5504a64-845d-4045-af66-43c268b8c72a"


def test_v4_vehicle_error_without_meta(
    fixture_json: LoadJson, parse: Parse, received_at: datetime
) -> None:
    document = fixture_json("v4_vehicle_error.json")
    del document["meta"]
    delivery = parse(document)
    assert isinstance(delivery, ErrorDelivery)
    assert (
        delivery.webhook_id,
        delivery.mode,
        delivery.delivered_at,
        delivery.received_at,
    ) == (None, None, None, received_at)


def test_v4_vehicle_error_without_vehicle_is_invalid(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v4_vehicle_error.json")
    del document["data"]["vehicle"]
    with pytest.raises(InvalidDeliveryError, match="vehicle"):
        parse(document)


def test_v4_tiny_negative_heading_is_zero_not_360(parse: Parse) -> None:
    body = {"latitude": 1.0, "longitude": 2.0, "heading": -1e-20}

    location = field_values(parse(_v4([_signal("location-preciselocation", body)])))[
        Field.LOCATION
    ]

    assert isinstance(location, Location)
    assert location.heading == 0.0


# --- text: lone surrogates and control characters (red team 7.3) ---------------------


def test_v4_make_with_a_lone_surrogate_is_cleaned(parse: Parse) -> None:
    document = _v4([])
    document["data"]["vehicle"]["make"] = RAW
    body = with_raw(document, '"POL\\ud800STAR"')
    assert "\\ud800" in body

    vehicle = only_report(parse(body)).vehicle

    assert vehicle.make == "POLSTAR"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("ID.4\nERROR forged line", "ID.4 ERROR forged line"),
        ("EV6\u202e", "EV6"),
        ("\x00\x01", None),
        ("M" * 500, "M" * 64),
    ],
    ids=["newline", "bidi-override", "only-controls", "too-long"],
)
def test_v4_model_is_cleaned(model: str, expected: str | None, parse: Parse) -> None:
    document = _v4([])
    document["data"]["vehicle"]["model"] = model
    assert only_report(parse(document)).vehicle.model == expected


@pytest.mark.parametrize(
    "vehicle_id",
    ["9df3e999\ud800", "9df3e999\n", "9df3 e999", "x" * 129],
    ids=["surrogate", "newline", "space", "too-long"],
)
def test_v4_vehicle_id_that_is_not_clean_is_invalid(
    vehicle_id: str, parse: Parse
) -> None:
    document = _v4([])
    document["data"]["vehicle"]["id"] = vehicle_id
    with pytest.raises(InvalidDeliveryError, match="vehicle id is invalid"):
        parse(document)


def test_v4_webhook_id_that_is_not_clean_is_absent(parse: Parse) -> None:
    document = _v4([])
    document["meta"]["webhookId"] = "\ud800"
    assert data_delivery(parse(document)).webhook_id is None


def test_v4_verify_webhook_id_that_is_not_clean_is_absent(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v4_verify.json")
    document["meta"]["webhookId"] = "8a326743\ud800"
    request = parse(document)
    assert isinstance(request, VerifyRequest)
    assert request.webhook_id is None


def test_v4_event_id_that_is_not_clean_falls_back_to_delivery_id(
    parse: Parse,
) -> None:
    document = _v4([_signal("closure-islocked", {"value": True})])
    document["eventId"] = "1293fce4\ud800"
    assert only_report(parse(document)).delivery_id == DELIVERY_ID


def test_v4_field_error_codes_that_are_not_clean_are_unknown(parse: Parse) -> None:
    status = {
        "value": "ERROR",
        "error": {
            "type": "PERMISSION\ud800",
            "code": "NO\nPE",
            "resolution": {"type": "REAUTH\u0000"},
        },
    }
    reading = readings_by_field(
        parse(_v4([_signal("tractionbattery-range", status=status)]))
    )[Field.RANGE]
    assert reading.error == FieldError("UNKNOWN", None, None)


def test_v4_vehicle_error_text_is_cleaned(parse: Parse) -> None:
    raw = {
        "type": "COMPATIBILITY",
        "code": "VEHICLE_NOT_CAPABLE\ud800",
        "description": "The vehicle\r\nERROR forged line\ud800 is incapable.",
        "resolution": {"type": "\u202eREAUTHENTICATE"},
        "signals": ["Closure.IsLocked\ud800", "Closure.IsLocked"],
    }
    (error,) = _errors(parse(_error_document([raw])))
    assert error == VehicleError(
        type="COMPATIBILITY",
        code=None,
        description="The vehicle ERROR forged line is incapable.",
        resolution=None,
        state=ErrorState.ERROR,
        signals=("closure-islocked",),
    )


def test_v4_vehicle_error_with_a_type_that_is_not_clean_is_skipped(
    parse: Parse,
) -> None:
    errors = [{"type": "PERMISSION\ud800"}, {"type": "PERMISSION"}]
    assert [e.type for e in _errors(parse(_error_document(errors)))] == ["PERMISSION"]


def test_v4_vehicle_error_description_is_bounded(parse: Parse) -> None:
    raw = {"type": "SERVER", "description": "word " * 1000}
    (error,) = _errors(parse(_error_document([raw])))
    assert error.description is not None
    assert len(error.description) <= 512


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, 2024), (1886, 1886), (2100, 2100), (1885, None), (20240, None), (-1, None)],
)
def test_v4_vehicle_year_is_a_plausible_model_year(
    year: int, expected: int | None, parse: Parse
) -> None:
    document = _v4([])
    document["data"]["vehicle"]["year"] = year
    assert only_report(parse(document)).vehicle.year == expected


def test_v4_doors_under_the_key_of_smartcars_example_are_read(parse: Parse) -> None:
    body = {
        "doors": [{"row": 0, "column": 0, "isOpen": True, "isLocked": False}],
        "rowCount": 2,
        "columnCount": 2,
    }
    delivery = parse(_v4([_signal("closure-doors", body)]))
    assert field_values(delivery) == {
        Field.DOORS: Closures((Closure(0, 0, True, False),))
    }
