"""Typed, immutable results of parsing Smartcar webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import math
from typing import Any


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


class Unit(StrEnum):
    """The declared native unit of a reading's value."""

    PERCENT = "%"
    KILOMETERS = "km"
    KILOPASCAL = "kPa"
    LITERS = "L"
    KILOWATT_HOURS = "kWh"


class ChargingState(StrEnum):
    """Charging state, as the integration shows it."""

    CHARGING = "charging"
    FULLY_CHARGED = "fully_charged"
    NOT_CHARGING = "not_charging"


class ChargingEventType(StrEnum):
    """A 2.0 eventBased charging event."""

    CHARGING_STARTED = "charging_started"
    CHARGING_STOPPED = "charging_stopped"
    CHARGING_COMPLETED = "charging_completed"


class Mode(StrEnum):
    """The mode a webhook delivery was sent in."""

    LIVE = "live"
    TEST = "test"
    SIMULATED = "simulated"


class ErrorState(StrEnum):
    """Whether a 4.0 vehicle error is still present."""

    ERROR = "error"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Location:
    """A GPS position; heading in degrees when the car reports it."""

    latitude: float
    longitude: float
    heading: float | None = None


type Value = float | bool | ChargingState | Location

# The type of every field's value; anything not listed is a float.
_BOOLEAN_FIELDS = frozenset({Field.PLUGGED_IN, Field.CHARGING, Field.LOCKED})


def value_to_json(value: Value) -> Any:
    """The JSON form of a value, for storage."""
    if isinstance(value, Location):
        return [value.latitude, value.longitude, value.heading]
    return value


def _finite(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw) if math.isfinite(raw) else None


def value_from_json(field: Field, raw: Any) -> Value | None:
    """A field's value from its JSON form; None when the form is not one."""
    if field is Field.LOCATION:
        if not isinstance(raw, list) or len(raw) != 3:
            return None
        latitude, longitude = _finite(raw[0]), _finite(raw[1])
        if latitude is None or longitude is None:
            return None
        return Location(latitude, longitude, _finite(raw[2]))
    if field is Field.CHARGING_STATE:
        try:
            return ChargingState(raw)
        except ValueError:
            return None
    if field in _BOOLEAN_FIELDS:
        return raw if isinstance(raw, bool) else None
    return _finite(raw)


@dataclass(frozen=True, slots=True)
class FieldError:
    """Why a field could not be read (2.0 item code != 200, 4.0 status ERROR)."""

    type: str
    code: str | None = None
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """One field of one vehicle: a value in its native unit, or an error.

    `recorded_at` is when the car recorded the value (4.0 `oemUpdatedAt`, 2.0
    `sc-data-age` or `sc-fetched-at`); None when the body gives no such time
    (every error, `oemUpdatedAt: 0`, an empty `meta`).
    """

    vehicle_id: str
    field: Field
    value: Value | None
    unit: Unit | None
    recorded_at: datetime | None
    delivery_id: str
    error: FieldError | None = None


@dataclass(frozen=True, slots=True)
class DroppedField:
    """A field left out of a delivery, with the reason (never the value)."""

    vehicle_id: str
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    """What a 4.0 delivery says about a vehicle."""

    vehicle_id: str
    make: str | None = None
    model: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    """A VERIFY challenge (2.0 or 4.0); Smartcar's webhook id when the body has it."""

    challenge: str
    webhook_id: str | None
    version: str


@dataclass(frozen=True, slots=True)
class VehicleReport:
    """The readings of one vehicle in a data delivery."""

    vehicle: VehicleInfo
    delivery_id: str
    readings: tuple[Reading, ...]


@dataclass(frozen=True, slots=True)
class DataDelivery:
    """A 2.0 dynamic/scheduled or 4.0 VEHICLE_STATE delivery.

    `delivered_at` is when Smartcar sent it (4.0 `meta.deliveredAt`); None
    when the body does not say (every 2.0 body). `received_at` is its arrival.
    """

    kind: str
    webhook_id: str | None
    mode: Mode | None
    delivered_at: datetime | None
    received_at: datetime
    vehicles: tuple[VehicleReport, ...]
    dropped: tuple[DroppedField, ...] = ()


@dataclass(frozen=True, slots=True)
class ChargingEvent:
    """A 2.0 eventBased delivery: charging started, stopped or completed.

    `event_time` is when the car reported it; None when the body has no time.
    """

    webhook_id: str | None
    mode: Mode | None
    delivery_id: str
    vehicle_id: str
    event_type: ChargingEventType
    event_time: datetime | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class VehicleError:
    """One error of a 4.0 VEHICLE_ERROR delivery."""

    type: str
    code: str | None
    description: str | None
    resolution: str | None
    state: ErrorState
    signals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorDelivery:
    """A 4.0 VEHICLE_ERROR delivery; `delivered_at` None when the body lacks it."""

    webhook_id: str | None
    mode: Mode | None
    delivery_id: str
    delivered_at: datetime | None
    received_at: datetime
    vehicle: VehicleInfo
    errors: tuple[VehicleError, ...]


type Delivery = VerifyRequest | DataDelivery | ChargingEvent | ErrorDelivery
