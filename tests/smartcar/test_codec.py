"""The JSON form of every value type, as the persisted store keeps it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.smartcar_webhooks.smartcar import (
    SIGNAL_OF,
    Alert,
    Closure,
    Closures,
    Field,
    Kind,
    Location,
    LocationType,
    TroubleCodes,
    Value,
    value_from_json,
    value_to_json,
)
from custom_components.smartcar_webhooks.smartcar.text import clean_text

positions = st.none() | st.integers(0, 15)
closures = st.lists(
    st.builds(
        Closure,
        positions,
        positions,
        st.none() | st.booleans(),
        st.none() | st.booleans(),
    ),
    min_size=1,
    max_size=16,
).filter(lambda items: any(item.is_open is not None for item in items))
locations = st.builds(
    Location,
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.none() | st.floats(0, 360, exclude_max=True),
    st.none() | st.sampled_from(LocationType),
)
firmware = (
    st.text(st.characters(exclude_categories=()), min_size=1, max_size=80)
    .map(lambda text: clean_text(text, 64))
    .filter(lambda text: text is not None)
)


def values_of(field: Field) -> st.SearchStrategy[Any]:
    """Every value the parser can give a field."""
    row = SIGNAL_OF[field]
    match row.kind:
        case Kind.NUMBER:
            assert row.quantity is not None
            return st.floats(row.quantity.low, row.quantity.high)
        case Kind.BOOLEAN:
            return st.booleans()
        case Kind.CLOSURES:
            return closures.map(lambda items: Closures(tuple(items)))
        case Kind.ENUM:
            assert row.options is not None
            return st.sampled_from(sorted(set(row.options.values())))
        case Kind.TEXT:
            return firmware
        case Kind.ALERT:
            return st.builds(Alert, st.booleans(), st.none() | firmware)
        case Kind.CODES:
            return st.lists(st.from_regex(r"[PBCU][0-9]{4}", fullmatch=True)).map(
                lambda codes: TroubleCodes(tuple(dict.fromkeys(codes)))
            )
    assert row.kind is Kind.LOCATION
    return locations


fields_and_values = st.sampled_from(Field).flatmap(
    lambda field: st.tuples(st.just(field), values_of(field))
)


@given(fields_and_values)
def test_every_value_survives_a_json_round_trip(case: tuple[Field, Value]) -> None:
    field, value = case
    stored = json.loads(json.dumps(value_to_json(value), allow_nan=False))
    assert value_from_json(field, stored) == value


junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=()), max_size=10)
    | st.sampled_from([10**400, "last_parked", "charging", [1, 2, 3]]),
    lambda children: st.lists(children, max_size=5),
    max_leaves=20,
)


@given(st.sampled_from(Field), junk)
def test_anything_else_is_none_or_a_valid_value(field: Field, raw: Any) -> None:
    value = value_from_json(field, raw)
    if value is not None:
        stored = json.loads(json.dumps(value_to_json(value), allow_nan=False))
        assert value_from_json(field, stored) == value


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        # Stored before the location type was kept.
        (Field.LOCATION, [52.5, 13.4, None], Location(52.5, 13.4)),
        (
            Field.LOCATION,
            [52.5, 13.4, 90.0, "last_parked"],
            Location(52.5, 13.4, 90.0, LocationType.LAST_PARKED),
        ),
        (Field.DOORS, [[0, 0, True, None]], Closures((Closure(0, 0, True),))),
        (Field.FIRMWARE_VERSION, "4.2.13", "4.2.13"),
        (Field.TIME_TO_FULL, 95, 95.0),
        (Field.OUTSIDE_TEMPERATURE, -12.5, -12.5),
    ],
)
def test_stored_forms(field: Field, raw: Any, expected: Value) -> None:
    assert value_from_json(field, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        (Field.LOCATION, ["52.5", 13.4, None]),
        (Field.LOCATION, [91, 13.4, None]),
        (Field.LOCATION, [52.5, 13.4, 360.0]),
        (Field.LOCATION, [52.5, 13.4, None, "parked"]),
        (Field.LOCATION, [52.5, 13.4]),
        (Field.DOORS, []),
        (Field.DOORS, [[0, 0, None, True]]),
        (Field.DOORS, [[16, 0, True, None]]),
        (Field.DOORS, [[0, 0, "open", None]]),
        (Field.DOORS, [[0, 0, True]]),
        (Field.DOORS, [[0, 0, True, None]] * 17),
        (Field.FIRMWARE_VERSION, "4.2\n13"),
        (Field.FIRMWARE_VERSION, "4.2\ud80013"),
        (Field.FIRMWARE_VERSION, 4.2),
        (Field.BATTERY_LEVEL, 101),
        (Field.TIRE_PRESSURE_FRONT_LEFT, 25_800),
        (Field.ODOMETER, 10**400),
        (Field.ONLINE, 1),
        (Field.CHARGING_STATE, "paused"),
    ],
    ids=repr,
)
def test_stored_forms_that_are_not_values(field: Field, raw: Any) -> None:
    assert value_from_json(field, raw) is None
