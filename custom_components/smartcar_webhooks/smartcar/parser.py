"""Parse Smartcar webhook bodies (2.0 and 4.0) into typed, immutable results.

`parse_delivery` is total: it returns a typed delivery or raises
`InvalidDeliveryError`, whatever bytes it is given. A field with the wrong type
or a value outside its physical range is dropped with a reason while the other
fields of the same delivery still count. Every string it returns is valid
Unicode without control characters (the VERIFY challenge excepted: it is
answered byte for byte, and the webhook refuses an unsafe one): ids that are
not clean are refused, display text is cleaned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, auto
import json
import logging
import math
from typing import Any

from .errors import InvalidDeliveryError
from .models import (
    ChargingEvent,
    ChargingEventType,
    ChargingState,
    DataDelivery,
    Delivery,
    DroppedField,
    ErrorDelivery,
    ErrorState,
    Field,
    FieldError,
    Location,
    Mode,
    Reading,
    Unit,
    Value,
    VehicleError,
    VehicleInfo,
    VehicleReport,
    VerifyRequest,
)
from .text import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    clean_code,
    clean_id,
    clean_text,
    signal_code,
)

_LOGGER = logging.getLogger(__name__)

KIND_DYNAMIC = "dynamic"
KIND_SCHEDULED = "scheduled"
KIND_VEHICLE_STATE = "vehicle_state"

_MILE_KM = 1.609344
_PSI_KPA = 6.894757293168361
_BAR_KPA = 100.0
_GALLON_L = 3.785411784


class _Kind(Enum):
    """How a raw value is validated and normalised."""

    FRACTION = auto()  # 2.0 0-1 -> percent
    PERCENT = auto()
    DISTANCE = auto()
    PRESSURE = auto()
    VOLUME = auto()
    ENERGY = auto()
    BOOL = auto()
    CHARGING_STATE = auto()


_NATIVE_UNIT: dict[_Kind, Unit | None] = {
    _Kind.FRACTION: Unit.PERCENT,
    _Kind.PERCENT: Unit.PERCENT,
    _Kind.DISTANCE: Unit.KILOMETERS,
    _Kind.PRESSURE: Unit.KILOPASCAL,
    _Kind.VOLUME: Unit.LITERS,
    _Kind.ENERGY: Unit.KILOWATT_HOURS,
    _Kind.BOOL: None,
    _Kind.CHARGING_STATE: None,
}

# Factor from a unit as Smartcar spells it to the kind's native unit; None = default.
_UNIT_FACTORS: dict[_Kind, dict[str | None, float]] = {
    _Kind.PERCENT: {None: 1.0, "percent": 1.0, "%": 1.0},
    _Kind.DISTANCE: {
        None: 1.0,
        "km": 1.0,
        "kilometers": 1.0,
        "kilometres": 1.0,
        "miles": _MILE_KM,
        "mi": _MILE_KM,
    },
    _Kind.PRESSURE: {None: 1.0, "kpa": 1.0, "psi": _PSI_KPA, "bar": _BAR_KPA},
    _Kind.VOLUME: {
        None: 1.0,
        "liters": 1.0,
        "litres": 1.0,
        "l": 1.0,
        "gallons": _GALLON_L,
        "gal": _GALLON_L,
    },
    _Kind.ENERGY: {None: 1.0, "kwh": 1.0},
}

# 2.0 items in imperial units (sc-unit-system: imperial).
_IMPERIAL_UNIT: dict[_Kind, str] = {
    _Kind.DISTANCE: "miles",
    _Kind.PRESSURE: "psi",
    _Kind.VOLUME: "gallons",
}

_CHARGING_STATES: dict[str, ChargingState] = {
    "CHARGING": ChargingState.CHARGING,
    "FULLY_CHARGED": ChargingState.FULLY_CHARGED,
    "CHARGING_COMPLETE": ChargingState.FULLY_CHARGED,
    "COMPLETE": ChargingState.FULLY_CHARGED,
    "NOT_CHARGING": ChargingState.NOT_CHARGING,
    "STOPPED": ChargingState.NOT_CHARGING,
    "DISCONNECTED": ChargingState.NOT_CHARGING,
}

_CHARGING_EVENTS: dict[str, ChargingEventType] = {
    "CHARGING_STARTED": ChargingEventType.CHARGING_STARTED,
    "CHARGING_STOPPED": ChargingEventType.CHARGING_STOPPED,
    "CHARGING_COMPLETED": ChargingEventType.CHARGING_COMPLETED,
}


@dataclass(frozen=True, slots=True)
class _Spec:
    """One field inside a 2.0 item body or a 4.0 signal body."""

    key: str
    field: Field
    kind: _Kind


# 2.0 paths: body key -> field. Location and tires are handled on their own.
_V2_PATHS: dict[str, tuple[_Spec, ...]] = {
    "/battery": (
        _Spec("percentRemaining", Field.BATTERY_LEVEL, _Kind.FRACTION),
        _Spec("range", Field.RANGE, _Kind.DISTANCE),
    ),
    "/charge": (
        _Spec("isPluggedIn", Field.PLUGGED_IN, _Kind.BOOL),
        _Spec("state", Field.CHARGING_STATE, _Kind.CHARGING_STATE),
    ),
    "/odometer": (_Spec("distance", Field.ODOMETER, _Kind.DISTANCE),),
    "/charge/limit": (_Spec("limit", Field.CHARGE_LIMIT, _Kind.FRACTION),),
    "/fuel": (
        _Spec("percentRemaining", Field.FUEL_LEVEL, _Kind.FRACTION),
        _Spec("range", Field.FUEL_RANGE, _Kind.DISTANCE),
        _Spec("amountRemaining", Field.FUEL_AMOUNT, _Kind.VOLUME),
    ),
    "/tires/pressure": (
        _Spec("frontLeft", Field.TIRE_PRESSURE_FRONT_LEFT, _Kind.PRESSURE),
        _Spec("frontRight", Field.TIRE_PRESSURE_FRONT_RIGHT, _Kind.PRESSURE),
        _Spec("backLeft", Field.TIRE_PRESSURE_BACK_LEFT, _Kind.PRESSURE),
        _Spec("backRight", Field.TIRE_PRESSURE_BACK_RIGHT, _Kind.PRESSURE),
    ),
    "/engine/oil": (_Spec("lifeRemaining", Field.OIL_LIFE, _Kind.FRACTION),),
    "/security": (_Spec("isLocked", Field.LOCKED, _Kind.BOOL),),
    "/battery/capacity": (_Spec("capacity", Field.BATTERY_CAPACITY, _Kind.ENERGY),),
    "/location": (),
}

# 4.0 signal codes -> (body key, field, kind).
_V4_SIGNALS: dict[str, tuple[_Spec, ...]] = {
    "tractionbattery-stateofcharge": (
        _Spec("value", Field.BATTERY_LEVEL, _Kind.PERCENT),
    ),
    "tractionbattery-range": (_Spec("value", Field.RANGE, _Kind.DISTANCE),),
    "tractionbattery-nominalcapacity": (
        _Spec("capacity", Field.BATTERY_CAPACITY, _Kind.ENERGY),
    ),
    "charge-ischargingcableconnected": (_Spec("value", Field.PLUGGED_IN, _Kind.BOOL),),
    "charge-detailedchargingstatus": (
        _Spec("value", Field.CHARGING_STATE, _Kind.CHARGING_STATE),
    ),
    "charge-ischarging": (_Spec("value", Field.CHARGING, _Kind.BOOL),),
    "charge-chargelimits": (_Spec("activeLimit", Field.CHARGE_LIMIT, _Kind.PERCENT),),
    "odometer-traveleddistance": (_Spec("value", Field.ODOMETER, _Kind.DISTANCE),),
    "internalcombustionengine-fuellevel": (
        _Spec("value", Field.FUEL_LEVEL, _Kind.PERCENT),
    ),
    "internalcombustionengine-range": (
        _Spec("value", Field.FUEL_RANGE, _Kind.DISTANCE),
    ),
    "internalcombustionengine-amountremaining": (
        _Spec("value", Field.FUEL_AMOUNT, _Kind.VOLUME),
    ),
    "internalcombustionengine-oillife": (
        _Spec("value", Field.OIL_LIFE, _Kind.PERCENT),
    ),
    "closure-islocked": (_Spec("value", Field.LOCKED, _Kind.BOOL),),
    "location-preciselocation": (),
    "wheel-tires": (),
}

_V2_EXTRA_FIELDS: dict[str, tuple[Field, ...]] = {
    "/charge": (Field.CHARGING,),
    "/location": (Field.LOCATION,),
}
_V4_EXTRA_FIELDS: dict[str, tuple[Field, ...]] = {
    "location-preciselocation": (Field.LOCATION,),
    "wheel-tires": (
        Field.TIRE_PRESSURE_FRONT_LEFT,
        Field.TIRE_PRESSURE_FRONT_RIGHT,
        Field.TIRE_PRESSURE_BACK_LEFT,
        Field.TIRE_PRESSURE_BACK_RIGHT,
    ),
}

# wheel-tires (row, column) on a 2x2 layout -> field.
_TIRE_POSITIONS: dict[tuple[int, int], Field] = {
    (0, 0): Field.TIRE_PRESSURE_FRONT_LEFT,
    (0, 1): Field.TIRE_PRESSURE_FRONT_RIGHT,
    (1, 0): Field.TIRE_PRESSURE_BACK_LEFT,
    (1, 1): Field.TIRE_PRESSURE_BACK_RIGHT,
}


class _DroppedError(Exception):
    """A single field is unusable; carries the reason."""


def parse_delivery(body: bytes | str, *, received_at: datetime) -> Delivery:
    """Parse a raw webhook body into a typed delivery.

    `received_at` stands in for times the body does not give. Raises
    `InvalidDeliveryError` for a body that is not JSON, not an object, or not a
    known shape; never anything else.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as err:
        raise InvalidDeliveryError("body is not JSON") from err
    if not isinstance(document, dict):
        raise InvalidDeliveryError("body is not a JSON object")
    if "eventType" in document:
        return _parse_v4(document, received_at)
    if "eventName" in document:
        return _parse_v2(document, received_at)
    raise InvalidDeliveryError("body is not a known Smartcar delivery")


# --- helpers -----------------------------------------------------------------


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidDeliveryError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidDeliveryError(f"{what} is not a list")
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _required_text(value: Any, what: str) -> str:
    if (text := _text(value)) is None:
        raise InvalidDeliveryError(f"{what} is missing")
    return text


def _required_id(value: Any, what: str) -> str:
    text = _required_text(value, what)
    if (identifier := clean_id(text)) is None:
        raise InvalidDeliveryError(f"{what} is invalid")
    return identifier


def _mode(value: Any) -> Mode | None:
    if isinstance(value, str):
        try:
            return Mode(value.lower())
        except ValueError:
            return None
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> float | None:
    """The value as a finite float, or None for anything else (bools included)."""
    if not _is_number(value):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _number(value: Any) -> float:
    if (number := _finite(value)) is None:
        raise _DroppedError("not a finite number")
    return number


def _epoch_ms(value: Any) -> datetime | None:
    """A positive epoch-milliseconds time, or None."""
    if (number := _finite(value)) is None or number <= 0:
        return None
    try:
        return datetime.fromtimestamp(number / 1000, UTC)
    except OverflowError, OSError, ValueError:
        return None


def _iso_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    try:
        # Normalised to UTC: an offset near year 1 or 9999 may not be representable.
        return (
            parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
        ).astimezone(UTC)
    except OverflowError:
        return None


def _not_after(recorded_at: datetime | None, received_at: datetime) -> datetime | None:
    # A clock running ahead must not make one reading win for ever.
    return None if recorded_at is None else min(recorded_at, received_at)


def _convert(kind: _Kind, raw: Any, unit: str | None) -> Value:
    """Validate and normalise one raw value to the kind's native unit."""
    if kind is _Kind.BOOL:
        if not isinstance(raw, bool):
            raise _DroppedError("not a boolean")
        return raw
    if kind is _Kind.CHARGING_STATE:
        if not isinstance(raw, str):
            raise _DroppedError("not a string")
        if (state := _CHARGING_STATES.get(raw.upper())) is None:
            raise _DroppedError("unknown charging state")
        return state
    number = _number(raw)
    if kind is _Kind.FRACTION:
        if not 0 <= number <= 1:
            raise _DroppedError("fraction outside 0-1")
        return round(number * 100, 6)
    factors = _UNIT_FACTORS[kind]
    key = unit.lower() if isinstance(unit, str) else None
    if key not in factors:
        _LOGGER.debug("Skipping a value in an unknown unit")
        raise _DroppedError("unknown unit")
    number *= factors[key]
    if not math.isfinite(number):
        raise _DroppedError("not a finite number")
    if kind is _Kind.PERCENT and not 0 <= number <= 100:
        raise _DroppedError("percent outside 0-100")
    if number < 0:
        raise _DroppedError("negative value")
    return number


def _location(body: Mapping[str, Any]) -> Location:
    latitude = _number(body.get("latitude"))
    longitude = _number(body.get("longitude"))
    if not -90 <= latitude <= 90:
        raise _DroppedError("latitude outside -90..90")
    if not -180 <= longitude <= 180:
        raise _DroppedError("longitude outside -180..180")
    heading = _finite(body.get("heading"))
    if heading is not None:
        heading %= 360
        # A tiny negative heading rounds to 360.0 in floating point.
        heading = 0.0 if heading >= 360 else heading
    return Location(latitude, longitude, heading)


class _Collector:
    """Accumulates the readings and dropped fields of one vehicle."""

    __slots__ = ("delivery_id", "dropped", "readings", "vehicle_id")

    def __init__(self, vehicle_id: str, delivery_id: str) -> None:
        self.vehicle_id = vehicle_id
        self.delivery_id = delivery_id
        self.readings: list[Reading] = []
        self.dropped: list[DroppedField] = []

    def add(
        self, field: Field, value: Value, unit: Unit | None, at: datetime | None
    ) -> None:
        self.readings.append(
            Reading(self.vehicle_id, field, value, unit, at, self.delivery_id)
        )

    def add_error(self, fields: tuple[Field, ...], error: FieldError) -> None:
        # An error says nothing about when the car recorded anything.
        self.readings.extend(
            Reading(self.vehicle_id, field, None, None, None, self.delivery_id, error)
            for field in fields
        )

    def drop(self, source: str, reason: str) -> None:
        self.dropped.append(DroppedField(self.vehicle_id, source, reason))

    def attempt(self, source: str, produce: Callable[[], None]) -> None:
        try:
            produce()
        except _DroppedError as err:
            self.drop(source, str(err))

    def add_specs(
        self,
        source: str,
        specs: tuple[_Spec, ...],
        body: Mapping[str, Any],
        unit_of: Callable[[_Kind], str | None],
        at: datetime | None,
    ) -> None:
        for spec in specs:
            if spec.key not in body:
                continue

            def produce(spec: _Spec = spec) -> None:
                value = _convert(spec.kind, body[spec.key], unit_of(spec.kind))
                self.add(spec.field, value, _NATIVE_UNIT[spec.kind], at)

            self.attempt(f"{source}.{spec.key}", produce)


def _fields_of(specs: tuple[_Spec, ...], extra: tuple[Field, ...]) -> tuple[Field, ...]:
    return tuple(spec.field for spec in specs) + extra


# --- 2.0 ---------------------------------------------------------------------


def _parse_v2(document: dict[str, Any], received_at: datetime) -> Delivery:
    event_name = document.get("eventName")
    webhook_id = clean_id(document.get("webhookId"))
    mode = _mode(document.get("mode"))
    payload = _object(document.get("payload"), "payload")
    if event_name == "verify":
        challenge = _required_text(payload.get("challenge"), "challenge")
        return VerifyRequest(challenge, webhook_id, "2.0")
    if event_name in (KIND_DYNAMIC, KIND_SCHEDULED):
        reports, dropped = _v2_vehicles(payload, received_at)
        return DataDelivery(
            kind=event_name,
            webhook_id=webhook_id,
            mode=mode,
            delivered_at=None,  # a 2.0 body says nothing about when it was sent
            received_at=received_at,
            vehicles=reports,
            dropped=dropped,
        )
    if event_name == "eventBased":
        return _v2_charging_event(payload, webhook_id, mode, received_at)
    raise InvalidDeliveryError("unknown 2.0 eventName")


def _v2_charging_event(
    payload: dict[str, Any],
    webhook_id: str | None,
    mode: Mode | None,
    received_at: datetime,
) -> ChargingEvent:
    raw_type = payload.get("eventType")
    event_type = _CHARGING_EVENTS.get(raw_type) if isinstance(raw_type, str) else None
    if event_type is None:
        raise InvalidDeliveryError("unknown 2.0 eventType")
    return ChargingEvent(
        webhook_id=webhook_id,
        mode=mode,
        delivery_id=clean_id(payload.get("eventId")) or "",
        vehicle_id=_required_id(payload.get("vehicleId"), "vehicleId"),
        event_type=event_type,
        event_time=_not_after(_iso_time(payload.get("eventTime")), received_at),
        received_at=received_at,
    )


def _v2_vehicles(
    payload: dict[str, Any], received_at: datetime
) -> tuple[tuple[VehicleReport, ...], tuple[DroppedField, ...]]:
    reports: list[VehicleReport] = []
    dropped: list[DroppedField] = []
    for index, entry in enumerate(_list(payload.get("vehicles"), "vehicles")):
        vehicle_id = (
            clean_id(entry.get("vehicleId")) if isinstance(entry, dict) else None
        )
        data = entry.get("data") if isinstance(entry, dict) else None
        if vehicle_id is None or not isinstance(data, list):
            dropped.append(DroppedField("", f"vehicles[{index}]", "not a vehicle"))
            continue
        collector = _Collector(vehicle_id, clean_id(entry.get("requestId")) or "")
        for item in data:
            _v2_item(collector, item, received_at)
        reports.append(
            VehicleReport(
                VehicleInfo(vehicle_id),
                collector.delivery_id,
                tuple(collector.readings),
            )
        )
        dropped.extend(collector.dropped)
    return tuple(reports), tuple(dropped)


def _v2_item(collector: _Collector, item: Any, received_at: datetime) -> None:
    if not isinstance(item, dict) or not isinstance(path := item.get("path"), str):
        collector.drop("data", "not an item")
        return
    if (specs := _V2_PATHS.get(path)) is None:
        _LOGGER.debug("Skipping unknown 2.0 path %s", path[:64])
        return
    extra = _V2_EXTRA_FIELDS.get(path, ())
    raw_headers = item.get("headers")
    headers = (
        {str(key).lower(): value for key, value in raw_headers.items()}
        if isinstance(raw_headers, dict)
        else {}
    )
    at = _not_after(
        _iso_time(headers.get("sc-data-age"))
        or _iso_time(headers.get("sc-fetched-at")),
        received_at,
    )
    body = item.get("body")
    if item.get("code") != 200:
        error_body = body if isinstance(body, dict) else {}
        collector.add_error(_fields_of(specs, extra), _field_error(error_body))
        return
    if not isinstance(body, dict):
        collector.drop(path, "body is not an object")
        return
    imperial = headers.get("sc-unit-system") == "imperial"
    collector.add_specs(
        path,
        specs,
        body,
        lambda kind: _IMPERIAL_UNIT.get(kind) if imperial else None,
        at,
    )
    if path == "/charge" and isinstance(state := body.get("state"), str):
        if (charging_state := _CHARGING_STATES.get(state.upper())) is not None:
            collector.add(
                Field.CHARGING, charging_state is ChargingState.CHARGING, None, at
            )
    elif path == "/location":
        collector.attempt(
            path, lambda: collector.add(Field.LOCATION, _location(body), None, at)
        )


def _resolution(value: Any) -> str | None:
    return clean_code(value.get("type")) if isinstance(value, dict) else None


def _field_error(body: Mapping[str, Any]) -> FieldError:
    return FieldError(
        type=clean_code(body.get("type")) or "UNKNOWN",
        code=clean_code(body.get("code")),
        resolution=_resolution(body.get("resolution")),
    )


# --- 4.0 ---------------------------------------------------------------------


def _parse_v4(document: dict[str, Any], received_at: datetime) -> Delivery:
    event_type = document.get("eventType")
    raw_meta = document.get("meta")
    meta = raw_meta if isinstance(raw_meta, dict) else {}
    webhook_id = clean_id(meta.get("webhookId"))
    data = _object(document.get("data"), "data")
    if event_type == "VERIFY":
        challenge = _required_text(data.get("challenge"), "challenge")
        return VerifyRequest(challenge, webhook_id, "4.0")
    if event_type not in ("VEHICLE_STATE", "VEHICLE_ERROR"):
        raise InvalidDeliveryError("unknown 4.0 eventType")
    mode = _mode(meta.get("mode"))
    delivered_at = _not_after(_epoch_ms(meta.get("deliveredAt")), received_at)
    delivery_id = (
        clean_id(document.get("eventId")) or clean_id(meta.get("deliveryId")) or ""
    )
    vehicle = _v4_vehicle(_object(data.get("vehicle"), "vehicle"))
    if event_type == "VEHICLE_ERROR":
        errors = tuple(
            error
            for raw in _list(data.get("errors"), "errors")
            if (error := _v4_error(raw)) is not None
        )
        return ErrorDelivery(
            webhook_id, mode, delivery_id, delivered_at, received_at, vehicle, errors
        )
    collector = _Collector(vehicle.vehicle_id, delivery_id)
    for signal in _list(data.get("signals"), "signals"):
        _v4_signal(collector, signal, received_at)
    return DataDelivery(
        kind=KIND_VEHICLE_STATE,
        webhook_id=webhook_id,
        mode=mode,
        delivered_at=delivered_at,
        received_at=received_at,
        vehicles=(VehicleReport(vehicle, delivery_id, tuple(collector.readings)),),
        dropped=tuple(collector.dropped),
    )


def _v4_vehicle(raw: dict[str, Any]) -> VehicleInfo:
    year = raw.get("year")
    return VehicleInfo(
        vehicle_id=_required_id(raw.get("id"), "vehicle id"),
        make=clean_text(raw.get("make"), MAX_NAME_LENGTH),
        model=clean_text(raw.get("model"), MAX_NAME_LENGTH),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
    )


def _v4_error(raw: Any) -> VehicleError | None:
    if not isinstance(raw, dict) or (error_type := clean_code(raw.get("type"))) is None:
        return None
    signals: dict[str, None] = {}  # signal codes, in order, each once
    raw_signals = raw.get("signals")
    for signal in raw_signals if isinstance(raw_signals, list) else ():
        reference = signal.get("code") if isinstance(signal, dict) else signal
        if (code := signal_code(reference)) is not None:
            signals[code] = None
    state = ErrorState.RESOLVED if raw.get("state") == "RESOLVED" else ErrorState.ERROR
    return VehicleError(
        type=error_type,
        code=clean_code(raw.get("code")),
        description=clean_text(raw.get("description"), MAX_DESCRIPTION_LENGTH),
        resolution=_resolution(raw.get("resolution")),
        state=state,
        signals=tuple(signals),
    )


def _v4_signal(collector: _Collector, signal: Any, received_at: datetime) -> None:
    if not isinstance(signal, dict) or not isinstance(code := signal.get("code"), str):
        collector.drop("signals", "not a signal")
        return
    if (specs := _V4_SIGNALS.get(code)) is None:
        _LOGGER.debug("Skipping unknown 4.0 signal %s", code[:64])
        return
    raw_meta = signal.get("meta")
    meta = raw_meta if isinstance(raw_meta, dict) else {}
    # Only the car's own time counts: oemUpdatedAt 0 or missing means none.
    at = _not_after(_epoch_ms(meta.get("oemUpdatedAt")), received_at)
    extra = _V4_EXTRA_FIELDS.get(code, ())
    status = signal.get("status")
    if isinstance(status, dict) and status.get("value") == "ERROR":
        raw_error = status.get("error")
        error = _field_error(raw_error if isinstance(raw_error, dict) else {})
        collector.add_error(_fields_of(specs, extra), error)
        return
    body = signal.get("body")
    if not isinstance(body, dict):
        collector.drop(code, "body is not an object")
        return
    if code == "location-preciselocation":
        collector.attempt(
            code, lambda: collector.add(Field.LOCATION, _location(body), None, at)
        )
    elif code == "wheel-tires":
        _v4_tires(collector, body, at)
    else:
        raw_unit = body.get("unit")
        unit = raw_unit if isinstance(raw_unit, str) else None
        collector.add_specs(code, specs, body, lambda _kind: unit, at)


def _v4_tires(
    collector: _Collector, body: Mapping[str, Any], at: datetime | None
) -> None:
    values = body.get("values")
    if not isinstance(values, list):
        collector.drop("wheel-tires", "values is not a list")
        return
    raw_unit = body.get("unit")
    unit = raw_unit if isinstance(raw_unit, str) else None
    for tire in values:
        field = _tire_field(tire)
        if field is None:
            collector.drop("wheel-tires", "not a tire of a 2x2 layout")
            continue

        def produce(pressure: Any = tire["tirePressure"], field: Field = field) -> None:
            value = _convert(_Kind.PRESSURE, pressure, unit)
            collector.add(field, value, Unit.KILOPASCAL, at)

        collector.attempt(f"wheel-tires.{field.value}", produce)


def _tire_field(tire: Any) -> Field | None:
    if not isinstance(tire, dict) or "tirePressure" not in tire:
        return None
    row, column = tire.get("row"), tire.get("column")
    if type(row) is not int or type(column) is not int:
        return None
    return _TIRE_POSITIONS.get((row, column))
