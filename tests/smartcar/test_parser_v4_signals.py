"""More of what cars send (issue 9.7), units they get wrong (9.1), signals in use (9.6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
import logging
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar import (
    USED_SIGNALS,
    Closure,
    Closures,
    Delivery,
    DroppedField,
    Field,
    FieldError,
    Location,
    LocationType,
    fields_of_signal,
)
from tests.smartcar.helpers import data_delivery, field_values, readings_by_field

type Parse = Callable[[Any], Delivery]
type LoadJson = Callable[[str], Any]

VEHICLE_ID = "4f8a2c1e-9b7d-4e3a-8c6f-2d1b0a9e7c54"
OEM_UPDATED = datetime(2025, 12, 14, 8, 0, tzinfo=UTC)
TIRES = (
    Field.TIRE_PRESSURE_FRONT_LEFT,
    Field.TIRE_PRESSURE_FRONT_RIGHT,
    Field.TIRE_PRESSURE_BACK_LEFT,
    Field.TIRE_PRESSURE_BACK_RIGHT,
)


def _signal(code: str, body: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Name",
        "group": "Group",
        "body": body,
        "meta": {"oemUpdatedAt": 1765699200000, "retrievedAt": 1765699560000},
        "status": {"value": "SUCCESS"},
    }


def _v4(*signals: Any) -> dict[str, Any]:
    return {
        "eventId": "5b0f2a44-6d8e-4f1c-9a53-0c7e8d2b1f90",
        "eventType": "VEHICLE_STATE",
        "data": {"vehicle": {"id": VEHICLE_ID}, "signals": list(signals)},
        "meta": {"deliveredAt": 1765699565000},
    }


def _dropped(delivery: Delivery) -> tuple[DroppedField, ...]:
    return data_delivery(delivery).dropped


# --- a charging car with everything it reports ---------------------------------------


def test_charging_car_fixture_values(fixture_json: LoadJson, parse: Parse) -> None:
    values = field_values(parse(fixture_json("v4_vehicle_state_charging.json")))
    assert values == {
        Field.CHARGING: True,
        Field.CHARGING_POWER: 7210,
        Field.CHARGING_CURRENT: 10.5,
        Field.CHARGING_VOLTAGE: 229,
        Field.ENERGY_ADDED: 12.4,
        Field.TIME_TO_FULL: 95,
        Field.CHARGE_RATE: 42,
        Field.LOW_VOLTAGE_BATTERY: 88,
        Field.CABIN_TEMPERATURE: 18.5,
        Field.OUTSIDE_TEMPERATURE: 6,
        Field.DOORS: Closures(
            (
                Closure(0, 0, False, True),
                Closure(0, 1, False, True),
                Closure(1, 0, True, False),
                Closure(1, 1, False, True),
            )
        ),
        Field.WINDOWS: Closures(
            (
                Closure(0, 0, False),
                Closure(0, 1, False),
                Closure(1, 0, False),
                Closure(1, 1, False),
            )
        ),
        Field.TRUNK: Closures((Closure(None, None, False, True),)),
        Field.FRUNK: Closures((Closure(None, None, False, None),)),
        Field.ONLINE: True,
        Field.ASLEEP: False,
        Field.FIRMWARE_VERSION: "3.1.7",
        Field.LOCATION: Location(59.3293, 18.0686, 12.5, LocationType.CURRENT),
        # Labelled "bar", sent in kPa: read as kPa; 699.9 is no tire pressure.
        Field.TIRE_PRESSURE_FRONT_LEFT: 262,
        Field.TIRE_PRESSURE_FRONT_RIGHT: 262,
        Field.TIRE_PRESSURE_BACK_LEFT: 258,
        # A unitless fraction of a tank.
        Field.FUEL_LEVEL: 35,
    }


def test_charging_car_fixture_drops_what_cannot_be_read(
    fixture_json: LoadJson, parse: Parse
) -> None:
    delivery = parse(fixture_json("v4_vehicle_state_charging.json"))
    assert _dropped(delivery) == (
        DroppedField(VEHICLE_ID, "closure-sunroof", "no open state"),
        DroppedField(
            VEHICLE_ID, "wheel-tires.tire_pressure_back_right", "implausible value"
        ),
    )


def test_charging_car_fixture_readings_carry_the_cars_time(
    fixture_json: LoadJson, parse: Parse
) -> None:
    readings = readings_by_field(parse(fixture_json("v4_vehicle_state_charging.json")))
    assert {reading.recorded_at for reading in readings.values()} == {OEM_UPDATED}


def test_implausible_value_is_logged_without_the_value(
    parse: Parse, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tires = {
        "values": [{"row": 1, "column": 1, "tirePressure": 699.9}],
        "unit": "bar",
    }
    parse(_v4(_signal("wheel-tires", tires)))
    (message,) = [r.getMessage() for r in caplog.records if "Dropped" in r.getMessage()]
    assert message == "Dropped a tire_pressure_back_right reading: implausible value"


# --- units the car gets wrong (9.1) -------------------------------------------------------


@pytest.mark.parametrize(
    ("pressures", "unit", "expected", "dropped"),
    [
        ((258, 258, 258, 699.9), "bar", (258, 258, 258, None), ("implausible value",)),
        ((2.6, 2.6, 2.5, 2.5), "bar", (260, 260, 250, 250), ()),
        (
            (38, 38, 36, 36),
            "psi",
            tuple(p * 6.894757293168361 for p in (38, 38, 36, 36)),
            (),
        ),
        ((250, 50, 250, 250), "kPa", (250, 50, 250, 250), ()),
        ((250, 50, 250, 250), "bar", (250, None, 250, 250), ("ambiguous unit",)),
    ],
    ids=["kpa-labelled-bar", "bar", "psi", "flat-tire-in-kpa", "ambiguous"],
)
def test_tire_pressures_are_read_in_the_unit_they_are_plausible_in(
    pressures: tuple[float, ...],
    unit: str,
    expected: tuple[float | None, ...],
    dropped: tuple[str, ...],
    parse: Parse,
) -> None:
    body = {
        "values": [
            {"row": row, "column": column, "tirePressure": pressure}
            for (row, column), pressure in zip(
                [(0, 0), (0, 1), (1, 0), (1, 1)], pressures, strict=True
            )
        ],
        "unit": unit,
    }
    delivery = parse(_v4(_signal("wheel-tires", body)))
    values = field_values(delivery)
    assert {
        field: pytest.approx(value)
        for field, value in zip(TIRES, expected, strict=True)
        if value is not None
    } == values
    assert tuple(d.reason for d in _dropped(delivery)) == dropped


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"value": 0.77}, 77),
        ({"value": 77}, 77),
        ({"value": 0.77, "unit": "percent"}, 0.77),
        ({"value": 1}, 100),
    ],
    ids=["unitless-fraction", "unitless-percent", "percent", "unitless-one"],
)
def test_fuel_level_without_a_unit_is_a_fraction_when_it_can_only_be_one(
    body: dict[str, Any], expected: float, parse: Parse
) -> None:
    delivery = parse(_v4(_signal("internalcombustionengine-fuellevel", body)))
    assert field_values(delivery) == {Field.FUEL_LEVEL: pytest.approx(expected)}


@pytest.mark.parametrize(
    ("code", "body", "field", "expected"),
    [
        ("charge-wattage", {"value": 11, "unit": "kW"}, Field.CHARGING_POWER, 11_000),
        ("charge-wattage", {"value": 7400, "unit": "kW"}, Field.CHARGING_POWER, 7400),
        ("charge-amperage", {"value": 32, "unit": "amps"}, Field.CHARGING_CURRENT, 32),
        (
            "charge-energyadded",
            {"value": 12_400, "unit": "Wh"},
            Field.ENERGY_ADDED,
            12.4,
        ),
        (
            "charge-timetocomplete",
            {"value": 2, "unit": "hours"},
            Field.TIME_TO_FULL,
            120,
        ),
        ("charge-timetocomplete", {"value": 45, "unit": "min"}, Field.TIME_TO_FULL, 45),
        (
            "charge-chargerate",
            {"value": 25, "unit": "miles_per_hour"},
            Field.CHARGE_RATE,
            25 * 1.609344,
        ),
        (
            "climate-externaltemperature",
            {"value": 23, "unit": "fahrenheit"},
            Field.OUTSIDE_TEMPERATURE,
            -5,
        ),
        (
            "tractionbattery-nominalcapacity",
            {"capacity": 73.5, "unit": "kWhr"},
            Field.BATTERY_CAPACITY,
            73.5,
        ),
    ],
)
def test_new_quantities_are_converted(
    code: str, body: dict[str, Any], field: Field, expected: float, parse: Parse
) -> None:
    assert field_values(parse(_v4(_signal(code, body)))) == {
        field: pytest.approx(expected)
    }


@pytest.mark.parametrize(
    ("code", "body", "source", "reason"),
    [
        ("charge-timetocomplete", {"value": -1}, "value", "implausible value"),
        ("charge-timetocomplete", {"value": 65535}, "value", "implausible value"),
        (
            "charge-voltage",
            {"value": 230_000, "unit": "volts"},
            "value",
            "implausible value",
        ),
        ("charge-amperage", {"value": 32, "unit": "furlongs"}, "value", "unknown unit"),
        (
            "climate-internaltemperature",
            {"value": 180, "unit": "celsius"},
            "value",
            "implausible value",
        ),
        (
            "lowvoltagebattery-stateofcharge",
            {"value": 12.6, "unit": "volts"},
            "value",
            "unknown unit",
        ),
        ("charge-wattage", {"value": "7kW"}, "value", "not a finite number"),
        ("connectivitystatus-isonline", {"value": "true"}, "value", "not a boolean"),
    ],
)
def test_implausible_new_values_are_dropped(
    code: str, body: dict[str, Any], source: str, reason: str, parse: Parse
) -> None:
    delivery = parse(_v4(_signal(code, body)))
    assert field_values(delivery) == {}
    assert _dropped(delivery) == (DroppedField(VEHICLE_ID, f"{code}.{source}", reason),)


# --- closures -----------------------------------------------------------------------------


def _doors(*items: Any) -> dict[str, Any]:
    return {"values": list(items), "rowCount": 2, "columnCount": 2}


def test_closures_are_open_when_any_one_is() -> None:
    assert Closures((Closure(0, 0, False), Closure(0, 1, True))).is_open
    assert not Closures((Closure(0, 0, False), Closure(0, 1, None))).is_open


def test_doors_keep_what_each_door_says(parse: Parse) -> None:
    body = _doors(
        {"row": 0, "column": 0, "isOpen": None, "isLocked": True},
        {"row": 0, "column": 1, "isOpen": False},
        {"row": 99, "column": True, "isOpen": True, "isLocked": None},
    )
    assert field_values(parse(_v4(_signal("closure-doors", body)))) == {
        Field.DOORS: Closures(
            (
                Closure(0, 0, None, True),
                Closure(0, 1, False, None),
                Closure(None, None, True, None),
            )
        )
    }


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_doors({"row": 0, "column": 0, "isOpen": None}), "no open state"),
        (_doors(), "no open state"),
        (_doors({"row": 0, "column": 0, "isOpen": "no"}), "not a boolean"),
        (
            _doors({"row": 0, "column": 0, "isOpen": False, "isLocked": 1}),
            "not a boolean",
        ),
        (_doors("front-left"), "not a closure"),
        ({"rowCount": 2, "columnCount": 2}, "values is not a list"),
        ({"doors": {"row": 0}}, "values is not a list"),
        (
            _doors(*[{"row": 0, "column": i, "isOpen": False} for i in range(17)]),
            "too many items",
        ),
    ],
    ids=[
        "unknown",
        "empty",
        "open-text",
        "locked-number",
        "string-item",
        "no-values",
        "doors-not-a-list",
        "too-many",
    ],
)
def test_doors_that_cannot_be_read_are_dropped(
    body: dict[str, Any], reason: str, parse: Parse
) -> None:
    delivery = parse(_v4(_signal("closure-doors", body)))
    assert field_values(delivery) == {}
    assert _dropped(delivery) == (DroppedField(VEHICLE_ID, "closure-doors", reason),)


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("closure-reartrunk", Field.TRUNK),
        ("closure-fronttrunk", Field.FRUNK),
        ("closure-sunroof", Field.SUNROOF),
    ],
)
def test_single_closures(code: str, field: Field, parse: Parse) -> None:
    delivery = parse(_v4(_signal(code, {"isOpen": True, "isLocked": False})))
    assert field_values(delivery) == {
        field: Closures((Closure(None, None, True, False),))
    }


def test_sunroof_the_car_knows_nothing_about_is_dropped(parse: Parse) -> None:
    delivery = parse(_v4(_signal("closure-sunroof", {"isOpen": None})))
    assert field_values(delivery) == {}
    assert _dropped(delivery) == (
        DroppedField(VEHICLE_ID, "closure-sunroof", "no open state"),
    )


def test_closure_signal_in_error_marks_its_field(parse: Parse) -> None:
    signal = {
        "code": "closure-doors",
        "status": {"value": "ERROR", "error": {"type": "PERMISSION", "code": None}},
    }
    reading = readings_by_field(parse(_v4(signal)))[Field.DOORS]
    assert (reading.value, reading.error) == (None, FieldError("PERMISSION"))


# --- firmware and location type ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4.2.13", "4.2.13"),
        ("  P3.1 build 7\n", "P3.1 build 7"),
        ("4.2\ud800.13", "4.2.13"),
        ("v" * 200, "v" * 64),
    ],
)
def test_firmware_version_is_clean_text(
    value: str, expected: str, parse: Parse
) -> None:
    body = {"value": value}
    delivery = parse(_v4(_signal("connectivitysoftware-currentfirmwareversion", body)))
    assert field_values(delivery) == {Field.FIRMWARE_VERSION: expected}


@pytest.mark.parametrize("value", [42, "", "\x00\n", None, ["4.2"]], ids=repr)
def test_firmware_version_that_is_not_text_is_dropped(value: Any, parse: Parse) -> None:
    code = "connectivitysoftware-currentfirmwareversion"
    delivery = parse(_v4(_signal(code, {"value": value})))
    assert _dropped(delivery) == (
        DroppedField(VEHICLE_ID, f"{code}.value", "not text"),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CURRENT", LocationType.CURRENT),
        ("LAST_PARKED", LocationType.LAST_PARKED),
        ("last_parked", LocationType.LAST_PARKED),
        ("PARKED", None),
        (7, None),
        (None, None),
    ],
)
def test_location_type(raw: Any, expected: LocationType | None, parse: Parse) -> None:
    body = {"latitude": 1.5, "longitude": 2.5, "locationType": raw}
    delivery = parse(_v4(_signal("location-preciselocation", body)))
    assert field_values(delivery) == {
        Field.LOCATION: Location(1.5, 2.5, None, expected)
    }


# --- signals in use (9.6) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "fields"),
    [
        ("tractionbattery-stateofcharge", (Field.BATTERY_LEVEL,)),
        ("TractionBattery.StateOfCharge", (Field.BATTERY_LEVEL,)),
        ("closure-islocked", (Field.LOCKED,)),
        ("wheel-tires", TIRES),
        ("Wheel.Tires", TIRES),
        ("charge-timetocomplete", (Field.TIME_TO_FULL,)),
        ("vehicleuseraccount-permissions", ()),
        ("VehicleUserAccount.Role", ()),
        ("charge-chargetimers", ()),
        ("not a signal", ()),
        ("", ()),
    ],
)
def test_fields_of_signal(signal: str, fields: tuple[Field, ...]) -> None:
    assert fields_of_signal(signal) == fields


def test_every_used_signal_gives_a_field_and_every_field_has_a_signal() -> None:
    assert "vehicleuseraccount-permissions" not in USED_SIGNALS
    assert "tractionbattery-stateofcharge" in USED_SIGNALS
    assert all(fields_of_signal(code) for code in USED_SIGNALS)
    assert {field for code in USED_SIGNALS for field in fields_of_signal(code)} == set(
        Field
    )
