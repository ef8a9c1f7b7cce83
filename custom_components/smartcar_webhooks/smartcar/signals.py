"""Every Smartcar signal the integration reads, one row each: the signal registry.

A row says where a field comes from (its 4.0/v3 signal codes and body keys, its
2.0 path and key), what it is (its kind, and for a number its quantity: units
and plausible range), which permission reads it, and how Home Assistant shows it
(`Presentation`: plain words, since this library never imports Home Assistant;
the platforms build their entity descriptions from it). The parsers, the unit
handling, the permissions Connect asks for, the stored form and the completeness
tests all follow from `SIGNALS`. Adding a signal: see CONTRIBUTING.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from .units import (
    CHARGE_RATE,
    COUNT,
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
from .values import ChargingState, Field, Gear


class Kind(StrEnum):
    """What a field's value is; each kind is checked, converted and stored one way."""

    NUMBER = "number"  # a float in its quantity's native unit
    BOOLEAN = "boolean"
    TEXT = "text"  # clean, bounded display text
    ENUM = "enum"  # one of `Signal.options`
    LOCATION = "location"
    CLOSURES = "closures"
    ALERT = "alert"  # a diagnostic system: ALERT or OK, and a description
    CODES = "codes"  # a list of trouble codes


class Body(StrEnum):
    """The shape of a 4.0/v3 signal body, beyond `{<key>: value, unit?}`."""

    VALUE = "value"  # the first of `Signal.keys` present; the unit in `unit`
    CHARGE_LIMITS = "charge_limits"  # activeLimit, else the GLOBAL one of values[]
    LOCATION = "location"  # {latitude, longitude, heading?, locationType?}
    TIRES = "tires"  # {values: [{row, column, tirePressure}], unit}
    CLOSURE_GRID = "closure_grid"  # {values: [{row, column, isOpen, isLocked?}]}
    CLOSURE = "closure"  # {isOpen, isLocked?}
    ALERT = "alert"  # {status: ALERT | OK, description?}
    CODES = "codes"  # {values: [{code, timestamp?}]}


@dataclass(frozen=True, slots=True)
class Presentation:
    """How Home Assistant shows a field: an entity description in plain words.

    `platform` is a Home Assistant platform (`sensor`, `binary_sensor`, ...);
    the other words are Home Assistant's values of the same name (device class
    `temperature`, state class `measurement`, category `diagnostic`). None of a
    field that is no entity of its own (the VIN names the device).
    """

    platform: str
    device_class: str | None = None
    state_class: str | None = None
    category: str | None = None
    enabled: bool = True
    precision: int | None = None
    suggested_unit: str | None = None
    translation_key: str | None = None  # None: the field's key


@dataclass(frozen=True, slots=True)
class Signal:
    """One field: where it comes from, what it is, who may read it, how it shows.

    `codes` are its 4.0/v3 signal codes; `keys` the body keys its value may be
    under (the first present is read: `{"value": 75}` and `{"percentage": 75}`).
    `v2_path`/`v2_key` is its 2.0 item (a dotted key reads a nested object),
    `v2_unit` the unit a 2.0 value always has (`fraction`), else the item's unit
    system decides. `position` is a tyre's (row, column) in `wheel-tires`.
    """

    field: Field
    kind: Kind
    permission: str
    codes: tuple[str, ...] = ()
    body: Body = Body.VALUE
    keys: tuple[str, ...] = ("value",)
    quantity: Quantity | None = None
    options: Mapping[str, StrEnum] | None = None  # an enum's raw values (upper case)
    v2_path: str | None = None
    v2_key: str | None = None
    v2_unit: str | None = None
    position: tuple[int, int] | None = None
    device_info: bool = False  # the field describes the device, not an entity
    presentation: Presentation | None = None


# --- shorthands for the table ---------------------------------------------------

_SENSOR = "sensor"
_BINARY = "binary_sensor"
_DIAGNOSTIC = "diagnostic"
_MEASUREMENT = "measurement"


def _sensor(device_class: str | None = None, **kwargs: object) -> Presentation:
    kwargs.setdefault("state_class", _MEASUREMENT)
    return Presentation(_SENSOR, device_class, **kwargs)  # type: ignore[arg-type]


def _binary(device_class: str | None = None, **kwargs: object) -> Presentation:
    return Presentation(_BINARY, device_class, **kwargs)  # type: ignore[arg-type]


def _tire(field: Field, v2_key: str, position: tuple[int, int]) -> Signal:
    return Signal(
        field,
        Kind.NUMBER,
        "read_tires",
        ("wheel-tires",),
        Body.TIRES,
        quantity=TIRE_PRESSURE,
        v2_path="/tires/pressure",
        v2_key=v2_key,
        position=position,
        presentation=_sensor("pressure", category=_DIAGNOSTIC, precision=0),
    )


def _alert(field: Field, code: str, *, enabled: bool = True) -> Signal:
    return Signal(
        field,
        Kind.ALERT,
        "read_diagnostics",
        (code,),
        Body.ALERT,
        presentation=_binary("problem", category=_DIAGNOSTIC, enabled=enabled),
    )


def _running(field: Field, code: str, permission: str, **kwargs: object) -> Signal:
    return Signal(
        field,
        Kind.BOOLEAN,
        permission,
        (code,),
        presentation=_binary("running", **kwargs),
    )


_CHARGING_STATES: Mapping[str, StrEnum] = MappingProxyType(
    {
        "CHARGING": ChargingState.CHARGING,
        "FULLY_CHARGED": ChargingState.FULLY_CHARGED,
        "CHARGING_COMPLETE": ChargingState.FULLY_CHARGED,
        "COMPLETE": ChargingState.FULLY_CHARGED,
        "NOT_CHARGING": ChargingState.NOT_CHARGING,
        "STOPPED": ChargingState.NOT_CHARGING,
        "DISCONNECTED": ChargingState.NOT_CHARGING,
    }
)
_GEARS: Mapping[str, StrEnum] = MappingProxyType(
    {
        "PARK": Gear.PARK,
        "P": Gear.PARK,
        "DRIVE": Gear.DRIVE,
        "D": Gear.DRIVE,
        "REVERSE": Gear.REVERSE,
        "R": Gear.REVERSE,
        "NEUTRAL": Gear.NEUTRAL,
        "N": Gear.NEUTRAL,
    }
)

# --- The table: one row per field ------------------------------------------------
# Permissions: Smartcar's permission list associates them with signal groups; its
# signal pages do not name one per signal.
SIGNALS: Final[tuple[Signal, ...]] = (
    Signal(
        Field.BATTERY_LEVEL,
        Kind.NUMBER,
        "read_battery",
        ("tractionbattery-stateofcharge",),
        keys=("value", "percentage"),  # Smartcar's documented example has both
        quantity=PERCENT,
        v2_path="/battery",
        v2_key="percentRemaining",
        v2_unit="fraction",
        presentation=_sensor("battery", precision=0),
    ),
    Signal(
        Field.RANGE,
        Kind.NUMBER,
        "read_battery",
        ("tractionbattery-range",),
        quantity=DISTANCE,
        v2_path="/battery",
        v2_key="range",
        presentation=_sensor("distance", precision=0),
    ),
    Signal(
        Field.CHARGING_STATE,
        Kind.ENUM,
        "read_charge",
        ("charge-detailedchargingstatus",),
        options=_CHARGING_STATES,
        v2_path="/charge",
        v2_key="state",
        presentation=_sensor("enum", state_class=None),
    ),
    Signal(
        Field.ODOMETER,
        Kind.NUMBER,
        "read_odometer",
        ("odometer-traveleddistance",),
        quantity=ODOMETER,
        v2_path="/odometer",
        v2_key="distance",
        presentation=_sensor("distance", state_class="total_increasing", precision=0),
    ),
    Signal(
        Field.CHARGE_LIMIT,
        Kind.NUMBER,
        "read_charge",
        ("charge-chargelimits",),
        Body.CHARGE_LIMITS,
        quantity=PERCENT,
        v2_path="/charge/limit",
        v2_key="limit",
        v2_unit="fraction",
        presentation=_sensor(precision=0),
    ),
    Signal(
        Field.BATTERY_CAPACITY,
        Kind.NUMBER,
        "read_battery",
        ("tractionbattery-nominalcapacity",),
        keys=("capacity",),
        quantity=ENERGY,
        # `/battery/capacity` is no longer maintained by Smartcar.
        v2_path="/battery/nominal_capacity",
        v2_key="capacity.nominal",
        v2_unit="kwh",
        presentation=_sensor("energy_storage", state_class=None, category=_DIAGNOSTIC),
    ),
    Signal(
        Field.FUEL_LEVEL,
        Kind.NUMBER,
        "read_fuel",
        ("internalcombustionengine-fuellevel",),
        quantity=PERCENT,
        v2_path="/fuel",
        v2_key="percentRemaining",
        v2_unit="fraction",
        presentation=_sensor(precision=0),
    ),
    Signal(
        Field.FUEL_RANGE,
        Kind.NUMBER,
        "read_fuel",
        ("internalcombustionengine-range",),
        quantity=DISTANCE,
        v2_path="/fuel",
        v2_key="range",
        presentation=_sensor("distance", precision=0),
    ),
    Signal(
        Field.FUEL_AMOUNT,
        Kind.NUMBER,
        "read_fuel",
        ("internalcombustionengine-amountremaining",),
        quantity=VOLUME,
        v2_path="/fuel",
        v2_key="amountRemaining",
        presentation=_sensor("volume_storage", precision=1),
    ),
    Signal(
        Field.OIL_LIFE,
        Kind.NUMBER,
        "read_engine_oil",
        ("internalcombustionengine-oillife",),
        quantity=PERCENT,
        v2_path="/engine/oil",
        v2_key="lifeRemaining",
        v2_unit="fraction",
        presentation=_sensor(category=_DIAGNOSTIC, precision=0),
    ),
    _tire(Field.TIRE_PRESSURE_FRONT_LEFT, "frontLeft", (0, 0)),
    _tire(Field.TIRE_PRESSURE_FRONT_RIGHT, "frontRight", (0, 1)),
    _tire(Field.TIRE_PRESSURE_BACK_LEFT, "backLeft", (1, 0)),
    _tire(Field.TIRE_PRESSURE_BACK_RIGHT, "backRight", (1, 1)),
    Signal(
        Field.CHARGING_POWER,
        Kind.NUMBER,
        "read_charge",
        ("charge-wattage",),
        quantity=POWER,
        presentation=_sensor("power", precision=1, suggested_unit="kW"),
    ),
    Signal(
        Field.CHARGING_CURRENT,
        Kind.NUMBER,
        "read_charge",
        ("charge-amperage",),
        quantity=CURRENT,
        presentation=_sensor("current", precision=0, enabled=False),
    ),
    Signal(
        Field.CHARGING_VOLTAGE,
        Kind.NUMBER,
        "read_charge",
        ("charge-voltage",),
        quantity=VOLTAGE,
        presentation=_sensor("voltage", precision=0, enabled=False),
    ),
    # Per charging session; total_increasing treats the reset as a new cycle,
    # so the Energy dashboard can use it.
    Signal(
        Field.ENERGY_ADDED,
        Kind.NUMBER,
        "read_charge",
        ("charge-energyadded",),
        quantity=ENERGY,
        presentation=_sensor("energy", state_class="total_increasing", precision=2),
    ),
    Signal(
        Field.TIME_TO_FULL,
        Kind.NUMBER,
        "read_charge",
        ("charge-timetocomplete",),
        quantity=DURATION,
        presentation=_sensor("timestamp", state_class=None),  # when it finishes
    ),
    Signal(
        Field.CHARGE_RATE,
        Kind.NUMBER,
        "read_charge",
        ("charge-chargerate",),
        quantity=CHARGE_RATE,
        presentation=_sensor("speed", precision=0),
    ),
    Signal(
        Field.LOW_VOLTAGE_BATTERY,
        Kind.NUMBER,
        "read_battery",
        ("lowvoltagebattery-stateofcharge",),
        quantity=PERCENT,
        presentation=_sensor("battery", category=_DIAGNOSTIC, precision=0),
    ),
    Signal(
        Field.CABIN_TEMPERATURE,
        Kind.NUMBER,
        "read_thermometer",
        ("climate-internaltemperature",),
        quantity=TEMPERATURE,
        presentation=_sensor("temperature", precision=1),
    ),
    Signal(
        Field.OUTSIDE_TEMPERATURE,
        Kind.NUMBER,
        "read_thermometer",
        ("climate-externaltemperature",),
        quantity=TEMPERATURE,
        presentation=_sensor("temperature", precision=1),
    ),
    Signal(
        Field.PLUGGED_IN,
        Kind.BOOLEAN,
        "read_charge",
        ("charge-ischargingcableconnected",),
        v2_path="/charge",
        v2_key="isPluggedIn",
        presentation=_binary("plug"),
    ),
    # 2.0 has no flag of its own: the parsers derive it from the charging state.
    Signal(
        Field.CHARGING,
        Kind.BOOLEAN,
        "read_charge",
        ("charge-ischarging",),
        v2_path="/charge",
        presentation=_binary("battery_charging"),
    ),
    Signal(
        Field.LOCKED,
        Kind.BOOLEAN,
        "read_security",
        ("closure-islocked",),
        v2_path="/security",
        v2_key="isLocked",
        presentation=_binary("lock"),  # on when unlocked
    ),
    Signal(
        Field.DOORS,
        Kind.CLOSURES,
        "read_security",
        ("closure-doors",),
        Body.CLOSURE_GRID,
        keys=("values", "doors"),  # the schema says values, Smartcar's example doors
        presentation=_binary("door"),
    ),
    Signal(
        Field.WINDOWS,
        Kind.CLOSURES,
        "read_security",
        ("closure-windows",),
        Body.CLOSURE_GRID,
        keys=("values", "windows"),
        presentation=_binary("window"),
    ),
    Signal(
        Field.TRUNK,
        Kind.CLOSURES,
        "read_security",
        ("closure-reartrunk",),
        Body.CLOSURE,
        presentation=_binary("opening"),
    ),
    Signal(
        Field.FRUNK,
        Kind.CLOSURES,
        "read_security",
        ("closure-fronttrunk",),
        Body.CLOSURE,
        presentation=_binary("opening"),
    ),
    Signal(
        Field.SUNROOF,
        Kind.CLOSURES,
        "read_security",
        ("closure-sunroof",),
        Body.CLOSURE,
        presentation=_binary("window"),
    ),
    Signal(
        Field.ONLINE,
        Kind.BOOLEAN,
        "read_vehicle_info",
        ("connectivitystatus-isonline",),
        presentation=_binary("connectivity", category=_DIAGNOSTIC),
    ),
    Signal(
        Field.ASLEEP,
        Kind.BOOLEAN,
        "read_vehicle_info",
        ("connectivitystatus-isasleep",),
        presentation=_binary(category=_DIAGNOSTIC),
    ),
    Signal(
        Field.FIRMWARE_VERSION,
        Kind.TEXT,
        "read_extended_vehicle_info",
        ("connectivitysoftware-currentfirmwareversion",),
        device_info=True,  # the device's software version
    ),
    Signal(
        Field.LOCATION,
        Kind.LOCATION,
        "read_location",
        ("location-preciselocation",),
        Body.LOCATION,
        v2_path="/location",
        presentation=Presentation("device_tracker"),
    ),
    # --- issue 20: what other Smartcar integrations show ---
    Signal(
        Field.GEAR,
        Kind.ENUM,
        "read_extended_vehicle_info",
        ("transmission-gearstate",),
        options=_GEARS,
        presentation=_sensor("enum", state_class=None, enabled=False),
    ),
    _running(Field.HVAC, "hvac-iscabinhvacactive", "read_climate"),
    Signal(
        Field.TARGET_TEMPERATURE,
        Kind.NUMBER,
        "read_climate",
        ("hvac-cabintargettemperature",),
        quantity=TEMPERATURE,
        presentation=_sensor("temperature", state_class=None, precision=1),
    ),
    _running(
        Field.FRONT_DEFROSTER,
        "hvac-isfrontdefrosteractive",
        "read_climate",
        enabled=False,
    ),
    _running(
        Field.REAR_DEFROSTER,
        "hvac-isreardefrosteractive",
        "read_climate",
        enabled=False,
    ),
    _running(
        Field.STEERING_HEATER,
        "hvac-issteeringheateractive",
        "read_climate",
        enabled=False,
    ),
    _alert(Field.CHECK_ENGINE, "diagnostics-mil"),
    Signal(
        Field.TROUBLE_CODE_COUNT,
        Kind.NUMBER,
        "read_diagnostics",
        ("diagnostics-dtccount",),
        quantity=COUNT,
        presentation=_sensor(category=_DIAGNOSTIC, precision=0),
    ),
    # The list is an attribute of the count's entity.
    Signal(
        Field.TROUBLE_CODES,
        Kind.CODES,
        "read_diagnostics",
        ("diagnostics-dtclist",),
        Body.CODES,
    ),
    _alert(Field.EV_BATTERY_ALERT, "diagnostics-evhvbattery"),
    _alert(Field.EV_CHARGING_ALERT, "diagnostics-evcharging"),
    _alert(Field.EV_DRIVE_UNIT_ALERT, "diagnostics-evdriveunit"),
    _running(
        Field.BATTERY_HEATER,
        "tractionbattery-isheateractive",
        "read_battery",
        enabled=False,
    ),
    Signal(
        Field.DIGITAL_KEY,
        Kind.BOOLEAN,
        "read_vehicle_info",
        ("connectivitystatus-isdigitalkeypaired",),
        presentation=_binary(category=_DIAGNOSTIC, enabled=False),
    ),
    Signal(
        Field.SURVEILLANCE,
        Kind.BOOLEAN,
        "read_security",
        ("surveillance-isenabled",),
        presentation=_binary(enabled=False),
    ),
    Signal(
        Field.FAST_CHARGER,
        Kind.BOOLEAN,
        "read_charge",
        ("charge-isfastchargerpresent",),
        presentation=_binary("plug", enabled=False),
    ),
    Signal(
        Field.MAX_CHARGING_CURRENT,
        Kind.NUMBER,
        "read_charge",
        ("charge-amperagemax",),
        quantity=CURRENT,
        presentation=_sensor(
            "current", category=_DIAGNOSTIC, precision=0, enabled=False
        ),
    ),
    Signal(
        Field.CABLE_LATCHED,
        Kind.BOOLEAN,
        "read_charge",
        ("charge-ischargingcablelatched",),
        presentation=_binary(category=_DIAGNOSTIC, enabled=False),
    ),
    Signal(
        Field.CHARGE_PORT,
        Kind.BOOLEAN,
        "read_charge",
        ("charge-ischargingportflapopen",),
        presentation=_binary("opening", enabled=False),
    ),
    Signal(
        Field.ENGINE_COVER,
        Kind.CLOSURES,
        "read_security",
        ("closure-enginecover",),
        Body.CLOSURE,
        presentation=_binary("opening"),
    ),
    # The device's serial number: never an entity, never in a log or diagnostics.
    Signal(
        Field.VIN,
        Kind.TEXT,
        "read_vin",
        ("vehicleidentification-vin",),
        device_info=True,
    ),
    # The device's name, unless the user renamed it.
    Signal(
        Field.NICKNAME,
        Kind.TEXT,
        "read_vehicle_info",
        ("vehicleidentification-nickname",),
        device_info=True,
    ),
)
# --- End of the table -----------------------------------------------------------

SIGNAL_OF: Final[Mapping[Field, Signal]] = MappingProxyType(
    {row.field: row for row in SIGNALS}
)


def _by_code() -> dict[str, tuple[Signal, ...]]:
    rows: dict[str, list[Signal]] = {}
    for row in SIGNALS:
        for code in row.codes:
            rows.setdefault(code, []).append(row)
    return {code: tuple(found) for code, found in rows.items()}


def _by_path() -> dict[str, tuple[Signal, ...]]:
    rows: dict[str, list[Signal]] = {}
    for row in SIGNALS:
        if row.v2_path is not None:
            rows.setdefault(row.v2_path, []).append(row)
    return {path: tuple(found) for path, found in rows.items()}


SIGNALS_OF_CODE: Final[Mapping[str, tuple[Signal, ...]]] = MappingProxyType(_by_code())
"""4.0/v3 signal code -> the rows it gives (`wheel-tires` gives four)."""
SIGNALS_OF_PATH: Final[Mapping[str, tuple[Signal, ...]]] = MappingProxyType(_by_path())
"""2.0 path -> the rows it gives."""

USED_SIGNALS: Final[frozenset[str]] = frozenset(SIGNALS_OF_CODE)
"""The 4.0/v3 signal codes the integration reads."""

DEVICE_FIELDS: Final[frozenset[Field]] = frozenset(
    row.field for row in SIGNALS if row.device_info
)
"""Fields that describe the vehicle's device (firmware, VIN, nickname)."""


def native_unit(field: Field) -> Unit | None:
    """The unit a field's value is in; None for a value that is not a quantity."""
    quantity = SIGNAL_OF[field].quantity
    return None if quantity is None else quantity.unit


def _permissions() -> tuple[str, ...]:
    # read_vehicle_info first: Connect lists what it asks for in this order.
    found: dict[str, None] = {"read_vehicle_info": None}
    for row in SIGNALS:
        found[row.permission] = None
    return tuple(found)


READ_SCOPES: Final[tuple[str, ...]] = _permissions()
"""Every permission a signal we read needs: what Connect asks for to read."""
