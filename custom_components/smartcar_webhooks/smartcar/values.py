"""The fields of a vehicle and the types of value they hold.

What each field is read from, its kind, unit and permission: `signals.SIGNALS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    GEAR = "gear"
    HVAC = "hvac"
    TARGET_TEMPERATURE = "target_temperature"
    FRONT_DEFROSTER = "front_defroster"
    REAR_DEFROSTER = "rear_defroster"
    STEERING_HEATER = "steering_heater"
    CHECK_ENGINE = "check_engine"
    TROUBLE_CODE_COUNT = "trouble_codes"
    TROUBLE_CODES = "trouble_code_list"
    EV_BATTERY_ALERT = "ev_battery_alert"
    EV_CHARGING_ALERT = "ev_charging_alert"
    EV_DRIVE_UNIT_ALERT = "ev_drive_unit_alert"
    BATTERY_HEATER = "battery_heater"
    DIGITAL_KEY = "digital_key_paired"
    SURVEILLANCE = "surveillance"
    FAST_CHARGER = "fast_charger"
    MAX_CHARGING_CURRENT = "max_charging_current"
    CABLE_LATCHED = "charge_cable_latched"
    CHARGE_PORT = "charge_port"
    ENGINE_COVER = "engine_cover"
    VIN = "vin"
    NICKNAME = "nickname"


class ChargingState(StrEnum):
    """Charging state, as the integration shows it."""

    CHARGING = "charging"
    FULLY_CHARGED = "fully_charged"
    NOT_CHARGING = "not_charging"


class Gear(StrEnum):
    """The gear the transmission is in."""

    PARK = "park"
    DRIVE = "drive"
    REVERSE = "reverse"
    NEUTRAL = "neutral"


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


@dataclass(frozen=True, slots=True)
class Alert:
    """A diagnostic system's state: whether it warns, and what the car says about it."""

    active: bool
    description: str | None = None


@dataclass(frozen=True, slots=True)
class TroubleCodes:
    """The diagnostic trouble codes the car has active (such as `P0300`)."""

    codes: tuple[str, ...]


type Value = (
    float
    | bool
    | str
    | ChargingState
    | Gear
    | Location
    | Closures
    | Alert
    | TroubleCodes
)
