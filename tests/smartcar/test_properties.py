"""Properties: `parse_delivery` is total and never lets an impossible value through."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
import json
import math
from pathlib import Path
from typing import Any
import unicodedata

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.smartcar_webhooks.smartcar import (
    SIGNALS,
    Alert,
    ChargingEvent,
    ChargingState,
    Closures,
    DataDelivery,
    Delivery,
    ErrorDelivery,
    Field,
    Gear,
    InvalidDeliveryError,
    Kind,
    Location,
    Reading,
    TroubleCodes,
    Unit,
    VerifyRequest,
    parse_delivery,
    sign_body,
    verify_signature,
)

RECEIVED_AT = datetime(2026, 1, 1, tzinfo=UTC)
FIXTURES = Path(__file__).parent.parent / "fixtures"
VALID_FIXTURES = (
    "v2_verify.json",
    "v2_dynamic.json",
    "v2_scheduled_imperial.json",
    "v2_event_based.json",
    "v4_verify.json",
    "v4_vehicle_state.json",
    "v4_vehicle_state_charging.json",
    "v4_vehicle_error.json",
)
DATA_FIXTURES = (
    "v2_dynamic.json",
    "v2_scheduled_imperial.json",
    "v4_vehicle_state.json",
    "v4_vehicle_state_charging.json",
)
DOCUMENTS = {
    name: json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    for name in VALID_FIXTURES
}

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_TIRES = (
    Field.TIRE_PRESSURE_FRONT_LEFT,
    Field.TIRE_PRESSURE_FRONT_RIGHT,
    Field.TIRE_PRESSURE_BACK_LEFT,
    Field.TIRE_PRESSURE_BACK_RIGHT,
)
# What a car can physically report, written out apart from the library's table.
PHYSICAL_RANGES: dict[Field, tuple[Unit, float, float]] = {
    **dict.fromkeys(
        (
            Field.BATTERY_LEVEL,
            Field.CHARGE_LIMIT,
            Field.FUEL_LEVEL,
            Field.OIL_LIFE,
            Field.LOW_VOLTAGE_BATTERY,
        ),
        (Unit.PERCENT, 0, 100),
    ),
    Field.RANGE: (Unit.KILOMETERS, 0, 3_000),
    Field.FUEL_RANGE: (Unit.KILOMETERS, 0, 3_000),
    Field.ODOMETER: (Unit.KILOMETERS, 0, 10_000_000),
    Field.FUEL_AMOUNT: (Unit.LITERS, 0, 500),
    Field.BATTERY_CAPACITY: (Unit.KILOWATT_HOURS, 0, 500),
    Field.ENERGY_ADDED: (Unit.KILOWATT_HOURS, 0, 500),
    **dict.fromkeys(_TIRES, (Unit.KILOPASCAL, 0, 600)),
    Field.CHARGING_POWER: (Unit.WATT, -1_500_000, 1_500_000),
    Field.CHARGING_CURRENT: (Unit.AMPERE, -1_500, 1_500),
    Field.CHARGING_VOLTAGE: (Unit.VOLT, 0, 1_500),
    Field.TIME_TO_FULL: (Unit.MINUTES, 0, 7 * 24 * 60),
    Field.CHARGE_RATE: (Unit.KILOMETERS_PER_HOUR, 0, 5_000),
    Field.CABIN_TEMPERATURE: (Unit.CELSIUS, -70, 100),
    Field.OUTSIDE_TEMPERATURE: (Unit.CELSIUS, -70, 100),
    Field.TARGET_TEMPERATURE: (Unit.CELSIUS, -70, 100),
    Field.MAX_CHARGING_CURRENT: (Unit.AMPERE, -1_500, 1_500),
}
COUNT_FIELDS = {Field.TROUBLE_CODE_COUNT}
# Each kind of the signal registry has one invariant below.
BOOL_FIELDS = {row.field for row in SIGNALS if row.kind is Kind.BOOLEAN}
CLOSURE_FIELDS = {row.field for row in SIGNALS if row.kind is Kind.CLOSURES}
ALERT_FIELDS = {row.field for row in SIGNALS if row.kind is Kind.ALERT}
TEXT_FIELDS = {row.field for row in SIGNALS if row.kind is Kind.TEXT}

# Keys and values Smartcar uses, so random documents reach past the first checks.
KNOWN_KEYS = sorted(
    {
        "eventType",
        "eventName",
        "eventId",
        "data",
        "payload",
        "meta",
        "vehicle",
        "vehicles",
        "vehicleId",
        "requestId",
        "id",
        "signals",
        "errors",
        "code",
        "body",
        "status",
        "value",
        "unit",
        "path",
        "headers",
        "challenge",
        "latitude",
        "longitude",
        "heading",
        "values",
        "row",
        "column",
        "tirePressure",
        "oemUpdatedAt",
        "retrievedAt",
        "deliveredAt",
        "sc-data-age",
        "sc-unit-system",
        "percentRemaining",
        "range",
        "state",
        "type",
        "isOpen",
        "isLocked",
        "capacity",
        "activeLimit",
        "locationType",
    }
)
KNOWN_TEXT = [
    "VERIFY",
    "VEHICLE_STATE",
    "VEHICLE_ERROR",
    "verify",
    "dynamic",
    "scheduled",
    "eventBased",
    "CHARGING_STARTED",
    "ERROR",
    "RESOLVED",
    "CHARGING",
    "imperial",
    "/battery",
    "/charge",
    "/location",
    "/tires/pressure",
    "/fuel",
    "tractionbattery-stateofcharge",
    "tractionbattery-range",
    "odometer-traveleddistance",
    "location-preciselocation",
    "wheel-tires",
    "charge-chargelimits",
    "charge-wattage",
    "charge-timetocomplete",
    "climate-externaltemperature",
    "closure-doors",
    "closure-sunroof",
    "connectivitysoftware-currentfirmwareversion",
    "LAST_PARKED",
    "watts",
    "kW",
    "Wh",
    "fahrenheit",
    "hours",
    "km",
    "miles",
    "psi",
    "bar",
    "gallons",
    "percent",
    "2025-12-14T08:00:00Z",
    "2030-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-12:00",
    "0001-01-01T00:00:00+14:00",
    "\ud800",
]
EDGE_NUMBERS = [
    0,
    -0.0,
    -1,
    0.5,
    1,
    100,
    101,
    90,
    91,
    -181,
    180,
    1e-320,
    1e307,
    1.7e308,
    -1.7e308,
    math.nan,
    math.inf,
    -math.inf,
    10**400,
    -(10**400),
    1765699200000,
    253402300800000,
]

# An AMT is typed into a form: any text that UTF-8 can encode.
UTF8 = st.characters(codec="utf-8")
# What a JSON string can hold: every code point, lone surrogates and controls too.
ANY_CHARACTER = st.characters(exclude_categories=())
NASTY_TEXT = st.text(ANY_CHARACTER, max_size=20) | st.sampled_from(
    ["\ud800", "POL\ud800STAR", "/x\nERROR forged line", "\x1b[31m", "\u202e", "a\x00b"]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | NASTY_TEXT
    | st.sampled_from(EDGE_NUMBERS)
    | st.sampled_from(KNOWN_TEXT)
)
numbers = (
    st.floats()
    | st.integers()
    | st.sampled_from(EDGE_NUMBERS)
    | st.floats(min_value=1e306, allow_nan=False, allow_infinity=False)
)
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)


def _parse(body: str | bytes) -> Delivery | None:
    """Parse at the fixed clock; None when the body is refused."""
    try:
        return parse_delivery(body, received_at=RECEIVED_AT)
    except InvalidDeliveryError as err:
        # The webhook logs this message: it must be ours, never request text.
        message = str(err)
        assert message.isascii() and message.isprintable() and len(message) < 64
        return None


def _check_time(time: datetime | None) -> None:
    """A time from the body is None or an aware instant no later than the arrival."""
    if time is not None:
        assert time.tzinfo is not None
        assert time <= RECEIVED_AT


def _check_reading(reading: Reading) -> None:
    _check_time(reading.recorded_at)
    assert isinstance(reading.vehicle_id, str)
    assert reading.vehicle_id
    if reading.error is not None:
        assert reading.value is None
        assert reading.unit is None
        assert reading.recorded_at is None
        assert isinstance(reading.error.type, str)
        assert reading.error.type
        return
    value = reading.value
    if reading.field in PHYSICAL_RANGES:
        unit, low, high = PHYSICAL_RANGES[reading.field]
        assert isinstance(value, float)
        assert math.isfinite(value), f"{reading.field} is {value}"
        assert low <= value <= high, f"{reading.field} is {value}"
        assert reading.unit is unit
        return
    assert reading.unit is None
    if reading.field in BOOL_FIELDS:
        assert isinstance(value, bool)
    elif reading.field in COUNT_FIELDS:
        assert isinstance(value, float)
        assert 0 <= value <= 10_000
    elif reading.field is Field.CHARGING_STATE:
        assert isinstance(value, ChargingState)
    elif reading.field is Field.GEAR:
        assert isinstance(value, Gear)
    elif reading.field in ALERT_FIELDS:
        assert isinstance(value, Alert)
        assert value.description is None or 0 < len(value.description) <= 256
    elif reading.field is Field.TROUBLE_CODES:
        assert isinstance(value, TroubleCodes)
        assert len(value.codes) <= 64
        assert all(code.isprintable() and " " not in code for code in value.codes)
    elif reading.field in CLOSURE_FIELDS:
        assert isinstance(value, Closures)
        assert 0 < len(value.items) <= 16
        assert any(item.is_open is not None for item in value.items)
        for item in value.items:
            for position in (item.row, item.column):
                assert position is None or (type(position) is int and position >= 0)
    elif reading.field in TEXT_FIELDS:
        assert isinstance(value, str)
        assert 0 < len(value) <= 64
    else:
        assert reading.field is Field.LOCATION
        assert isinstance(value, Location)
        assert math.isfinite(value.latitude)
        assert math.isfinite(value.longitude)
        assert -90 <= value.latitude <= 90
        assert -180 <= value.longitude <= 180
        if value.heading is not None:
            assert math.isfinite(value.heading)
            assert 0 <= value.heading < 360


def test_every_field_has_an_invariant() -> None:
    covered = set(PHYSICAL_RANGES) | BOOL_FIELDS | CLOSURE_FIELDS | ALERT_FIELDS
    covered |= COUNT_FIELDS | TEXT_FIELDS
    covered |= {Field.CHARGING_STATE, Field.GEAR, Field.TROUBLE_CODES, Field.LOCATION}
    assert covered == set(Field)


def _strings(node: Any) -> list[str]:
    """Every string inside a parsed delivery (dataclasses, tuples, enums)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, tuple):
        return [text for item in node for text in _strings(item)]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return [
            text
            for field in dataclasses.fields(node)
            for text in _strings(getattr(node, field.name))
        ]
    return []


def _check_text(delivery: Delivery) -> None:
    """Every string can be stored: strict UTF-8, no control characters.

    The VERIFY challenge is exempt: it is answered byte for byte, never kept,
    and the webhook refuses one that is not safe printable ASCII.
    """
    if isinstance(delivery, VerifyRequest):
        delivery = dataclasses.replace(delivery, challenge="")
    for text in _strings(delivery):
        text.encode("utf-8")
        assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in text), text


def _check_delivery(delivery: Delivery | None) -> None:
    """Every invariant a returned delivery must hold."""
    if delivery is not None:
        _check_text(delivery)
    match delivery:
        case None:
            return
        case VerifyRequest():
            assert isinstance(delivery.challenge, str)
            assert delivery.challenge
            assert delivery.version in {"2.0", "4.0"}
        case DataDelivery():
            _check_time(delivery.delivered_at)
            assert delivery.received_at == RECEIVED_AT
            for report in delivery.vehicles:
                assert report.vehicle.vehicle_id
                for reading in report.readings:
                    assert reading.vehicle_id == report.vehicle.vehicle_id
                    assert reading.delivery_id == report.delivery_id
                    _check_reading(reading)
        case ChargingEvent():
            assert delivery.vehicle_id
            _check_time(delivery.event_time)
            assert delivery.received_at == RECEIVED_AT
        case ErrorDelivery():
            assert delivery.vehicle.vehicle_id
            _check_time(delivery.delivered_at)
            assert delivery.received_at == RECEIVED_AT
            for error in delivery.errors:
                assert error.type
                assert all(isinstance(s, str) for s in error.signals)
        case _:
            raise AssertionError(f"unexpected result {delivery!r}")


def _locations(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) to a value nested in `node`."""
    children: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    found: list[tuple[Any, ...]] = []
    for key, child in children:
        found.append((*prefix, key))
        found.extend(_locations(child, (*prefix, key)))
    return found


def _at(document: Any, location: tuple[Any, ...]) -> Any:
    node = document
    for key in location:
        node = node[key]
    return node


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@st.composite
def damaged_documents(draw: st.DrawFn) -> Any:
    """A valid fixture with random values replaced and random keys deleted."""
    document = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(VALID_FIXTURES))])
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        locations = _locations(document)
        if not locations:
            break
        location = draw(st.sampled_from(locations))
        parent = _at(document, location[:-1])
        last = location[-1]
        action = draw(st.sampled_from(["replace", "edge", "delete"]))
        if action == "replace":
            parent[last] = draw(json_values)
        elif action == "edge":
            parent[last] = draw(st.sampled_from(EDGE_NUMBERS + KNOWN_TEXT))
        elif isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    return document


@st.composite
def poisoned_documents(draw: st.DrawFn) -> Any:
    """A valid fixture with some of its strings replaced by any text at all."""
    document = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(VALID_FIXTURES))])
    textual = [
        location
        for location in _locations(document)
        if isinstance(_at(document, location), str)
    ]
    for location in draw(st.lists(st.sampled_from(textual), min_size=1, max_size=6)):
        parent = _at(document, location[:-1])
        original = parent[location[-1]]
        poison = draw(NASTY_TEXT)
        parent[location[-1]] = draw(
            st.sampled_from([poison, original + poison, poison + original])
        )
    return document


@st.composite
def renumbered_documents(draw: st.DrawFn) -> Any:
    """A valid data delivery with some of its numbers replaced by any number."""
    document = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(DATA_FIXTURES))])
    numeric = [
        location
        for location in _locations(document)
        if _is_number(_at(document, location))
    ]
    for location in draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=4)):
        parent = _at(document, location[:-1])
        parent[location[-1]] = draw(numbers)
    return document


@PROPERTY_SETTINGS
@given(json_values)
def test_any_json_value_parses_or_is_refused(value: Any) -> None:
    _check_delivery(_parse(json.dumps(value)))


@PROPERTY_SETTINGS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "eventType": st.sampled_from(["VERIFY", "VEHICLE_STATE", "VEHICLE_ERROR"]),
            "eventName": st.sampled_from(
                ["verify", "dynamic", "scheduled", "eventBased"]
            ),
            "eventId": json_values,
            "data": json_values,
            "payload": json_values,
            "meta": json_values,
            "mode": json_values,
        },
    )
)
def test_any_delivery_shaped_object_parses_or_is_refused(document: Any) -> None:
    _check_delivery(_parse(json.dumps(document)))


@PROPERTY_SETTINGS
@given(st.binary(max_size=512))
def test_any_bytes_parse_or_are_refused(body: bytes) -> None:
    _check_delivery(_parse(body))


@PROPERTY_SETTINGS
@given(st.text(max_size=256))
def test_any_text_parses_or_is_refused(body: str) -> None:
    _check_delivery(_parse(body))


@PROPERTY_SETTINGS
@given(damaged_documents())
def test_damaged_valid_delivery_parses_or_is_refused_and_stays_in_range(
    document: Any,
) -> None:
    _check_delivery(_parse(json.dumps(document)))


@PROPERTY_SETTINGS
@given(renumbered_documents())
def test_any_number_in_a_valid_delivery_is_kept_in_range_or_dropped(
    document: Any,
) -> None:
    delivery = _parse(json.dumps(document))
    assert isinstance(delivery, DataDelivery)
    _check_delivery(delivery)


@PROPERTY_SETTINGS
@given(poisoned_documents())
def test_every_string_of_a_delivery_with_poisoned_text_can_be_stored(
    document: Any,
) -> None:
    _check_delivery(_parse(json.dumps(document)))


@PROPERTY_SETTINGS
@given(damaged_documents())
def test_damaged_valid_delivery_as_bytes_behaves_like_text(document: Any) -> None:
    text = json.dumps(document)
    first, second = _parse(text), _parse(text.encode())
    assert first == second


def test_valid_fixtures_pass_the_invariants() -> None:
    for name, document in DOCUMENTS.items():
        delivery = _parse(json.dumps(document))
        assert delivery is not None, name
        _check_delivery(delivery)


@PROPERTY_SETTINGS
@given(amt=st.text(UTF8, max_size=64), body=st.binary(max_size=256))
def test_a_body_verifies_with_its_own_signature(amt: str, body: bytes) -> None:
    assert verify_signature(amt, body, sign_body(amt, body))


@PROPERTY_SETTINGS
@given(
    amt=st.text(UTF8, min_size=1, max_size=64),
    body=st.binary(max_size=256),
    other=st.text(max_size=80),
)
def test_no_other_text_verifies(amt: str, body: bytes, other: str) -> None:
    good = sign_body(amt, body)
    if other.strip().lower() != good:
        assert not verify_signature(amt, body, other)
