"""The values a vehicle field holds, their units and ranges, and their JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Any

from .text import MAX_NAME_LENGTH, clean_text
from .units import (
    CHARGE_RATE,
    CURRENT,
    DISTANCE,
    DURATION,
    ENERGY,
    ODOMETER,
    PERCENT,
    POWER,
    TEMPERATURE,
    TIRE_PRESSURE,
    VOLTAGE,
    VOLUME,
    Quantity,
    Unit,
)


class Field(StrEnum):
    """A vehicle field; the value is the entity key used by the integration."""

    BATTERY_LEVEL = "battery_level"
    RANGE = "range"
    PLUGGED_IN = "plugged_in"
    CHARGING_STATE = "charging_state"
    CHARGING = "charging"
    LOCATION = "location"
    ODOMETER = "odometer"
    CHARGE_LIMIT = "charge_limit"
    BATTERY_CAPACITY = "battery_capacity"
    FUEL_LEVEL = "fuel_level"
    FUEL_RANGE = "fuel_range"
    FUEL_AMOUNT = "fuel_amount"
    OIL_LIFE = "oil_life"
    LOCKED = "locked"
    TIRE_PRESSURE_FRONT_LEFT = "tire_pressure_front_left"
    TIRE_PRESSURE_FRONT_RIGHT = "tire_pressure_front_right"
    TIRE_PRESSURE_BACK_LEFT = "tire_pressure_back_left"
    TIRE_PRESSURE_BACK_RIGHT = "tire_pressure_back_right"
    CHARGING_POWER = "charging_power"
    CHARGING_CURRENT = "charging_current"
    CHARGING_VOLTAGE = "charging_voltage"
    ENERGY_ADDED = "energy_added"
    TIME_TO_FULL = "time_to_full"
    CHARGE_RATE = "charge_rate"
    LOW_VOLTAGE_BATTERY = "low_voltage_battery"
    CABIN_TEMPERATURE = "cabin_temperature"
    OUTSIDE_TEMPERATURE = "outside_temperature"
    DOORS = "doors"
    WINDOWS = "windows"
    TRUNK = "trunk"
    FRUNK = "frunk"
    SUNROOF = "sunroof"
    ONLINE = "online"
    ASLEEP = "asleep"
    FIRMWARE_VERSION = "firmware_version"


class ChargingState(StrEnum):
    """Charging state, as the integration shows it."""

    CHARGING = "charging"
    FULLY_CHARGED = "fully_charged"
    NOT_CHARGING = "not_charging"


class LocationType(StrEnum):
    """Whether a position is live or where the car was last parked (4.0)."""

    CURRENT = "current"
    LAST_PARKED = "last_parked"


@dataclass(frozen=True, slots=True)
class Location:
    """A GPS position; heading in degrees (0 to 360) when the car reports it."""

    latitude: float
    longitude: float
    heading: float | None = None
    location_type: LocationType | None = None


MAX_CLOSURE_ITEMS = 16
MAX_GRID_INDEX = 15


@dataclass(frozen=True, slots=True)
class Closure:
    """One door, window, trunk or roof; `row` 0 is the front, `column` 0 the left.

    Row and column are None for a closure the car has only one of (a trunk);
    `is_open` or `is_locked` are None when the car does not say.
    """

    row: int | None
    column: int | None
    is_open: bool | None
    is_locked: bool | None = None


@dataclass(frozen=True, slots=True)
class Closures:
    """The doors (or windows, ...) of a car; at least one says whether it is open."""

    items: tuple[Closure, ...]

    @property
    def is_open(self) -> bool:
        """Whether any of them is open."""
        return any(item.is_open for item in self.items)


type Value = float | bool | str | ChargingState | Location | Closures

# The type of every field's value: the quantity of a number, or a kind below.
FIELD_QUANTITIES: Mapping[Field, Quantity] = {
    Field.BATTERY_LEVEL: PERCENT,
    Field.RANGE: DISTANCE,
    Field.ODOMETER: ODOMETER,
    Field.CHARGE_LIMIT: PERCENT,
    Field.BATTERY_CAPACITY: ENERGY,
    Field.FUEL_LEVEL: PERCENT,
    Field.FUEL_RANGE: DISTANCE,
    Field.FUEL_AMOUNT: VOLUME,
    Field.OIL_LIFE: PERCENT,
    Field.TIRE_PRESSURE_FRONT_LEFT: TIRE_PRESSURE,
    Field.TIRE_PRESSURE_FRONT_RIGHT: TIRE_PRESSURE,
    Field.TIRE_PRESSURE_BACK_LEFT: TIRE_PRESSURE,
    Field.TIRE_PRESSURE_BACK_RIGHT: TIRE_PRESSURE,
    Field.CHARGING_POWER: POWER,
    Field.CHARGING_CURRENT: CURRENT,
    Field.CHARGING_VOLTAGE: VOLTAGE,
    Field.ENERGY_ADDED: ENERGY,
    Field.TIME_TO_FULL: DURATION,
    Field.CHARGE_RATE: CHARGE_RATE,
    Field.LOW_VOLTAGE_BATTERY: PERCENT,
    Field.CABIN_TEMPERATURE: TEMPERATURE,
    Field.OUTSIDE_TEMPERATURE: TEMPERATURE,
}
BOOLEAN_FIELDS = frozenset(
    {Field.PLUGGED_IN, Field.CHARGING, Field.LOCKED, Field.ONLINE, Field.ASLEEP}
)
CLOSURE_FIELDS = frozenset(
    {Field.DOORS, Field.WINDOWS, Field.TRUNK, Field.FRUNK, Field.SUNROOF}
)
TEXT_FIELDS = frozenset({Field.FIRMWARE_VERSION})
MAX_TEXT_LENGTH = MAX_NAME_LENGTH


def native_unit(field: Field) -> Unit | None:
    """The unit a field's value is in; None for a value that is not a quantity."""
    quantity = FIELD_QUANTITIES.get(field)
    return None if quantity is None else quantity.unit


def value_to_json(value: Value) -> Any:
    """The JSON form of a value, for storage."""
    if isinstance(value, Location):
        location_type = value.location_type
        return [
            value.latitude,
            value.longitude,
            value.heading,
            None if location_type is None else location_type.value,
        ]
    if isinstance(value, Closures):
        return [
            [item.row, item.column, item.is_open, item.is_locked]
            for item in value.items
        ]
    return value


def _finite(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    try:
        number = float(raw)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _optional_bool(raw: Any) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    raise ValueError


def _grid_index(raw: Any) -> int | None:
    if raw is None or (type(raw) is int and 0 <= raw <= MAX_GRID_INDEX):
        return raw
    raise ValueError


def _location_from_json(raw: Any) -> Location | None:
    # Three items: stored before the location type was kept.
    if not isinstance(raw, list) or len(raw) not in (3, 4):
        return None
    latitude, longitude = _finite(raw[0]), _finite(raw[1])
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    heading = _finite(raw[2])
    if heading is not None and not 0 <= heading < 360:
        return None
    location_type: LocationType | None = None
    if len(raw) == 4 and raw[3] is not None:
        try:
            location_type = LocationType(raw[3])
        except ValueError:
            return None
    return Location(latitude, longitude, heading, location_type)


def _closures_from_json(raw: Any) -> Closures | None:
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_CLOSURE_ITEMS:
        return None
    try:
        items = tuple(
            Closure(
                _grid_index(row),
                _grid_index(column),
                _optional_bool(is_open),
                _optional_bool(is_locked),
            )
            for row, column, is_open, is_locked in raw
        )
    except TypeError, ValueError:
        return None
    if all(item.is_open is None for item in items):
        return None
    return Closures(items)


def value_from_json(field: Field, raw: Any) -> Value | None:
    """A field's value from its JSON form; None when the form is not one.

    Numbers must be in their quantity's plausible range, text clean: a stored
    value is held to the same rules as a parsed one.
    """
    if field is Field.LOCATION:
        return _location_from_json(raw)
    if field is Field.CHARGING_STATE:
        try:
            return ChargingState(raw)
        except ValueError:
            return None
    if field in BOOLEAN_FIELDS:
        return raw if isinstance(raw, bool) else None
    if field in CLOSURE_FIELDS:
        return _closures_from_json(raw)
    if field in TEXT_FIELDS:
        text = clean_text(raw, MAX_TEXT_LENGTH)
        return text if text == raw else None
    number = _finite(raw)
    quantity = FIELD_QUANTITIES[field]
    if number is None or not quantity.low <= number <= quantity.high:
        return None
    return number
