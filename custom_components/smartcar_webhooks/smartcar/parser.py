"""Parse Smartcar webhook bodies (2.0 and 4.0) into typed, immutable results.

`parse_delivery` is total: it returns a typed delivery or raises
`InvalidDeliveryError`, whatever bytes it is given. A field with the wrong type
or a value implausible in every unit it could be in (see `units`) is dropped
with a reason while the other fields of the same delivery still count. Every
string it returns is valid Unicode without control characters (the VERIFY
challenge excepted: it is answered byte for byte, and the webhook refuses an
unsafe one): ids that are not clean are refused, display text is cleaned. The
work per body is bounded (`MAX_*` below).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import logging
import math
from typing import Any

from .errors import InvalidDeliveryError
from .models import (
    ChargingEvent,
    ChargingEventType,
    DataDelivery,
    Delivery,
    DroppedField,
    ErrorDelivery,
    ErrorState,
    FieldError,
    Mode,
    Reading,
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
from .units import UnitError
from .values import (
    BOOLEAN_FIELDS,
    FIELD_QUANTITIES,
    MAX_CLOSURE_ITEMS,
    MAX_GRID_INDEX,
    MAX_TEXT_LENGTH,
    TEXT_FIELDS,
    ChargingState,
    Closure,
    Closures,
    Field,
    Location,
    LocationType,
    Value,
    native_unit,
)

_LOGGER = logging.getLogger(__name__)

KIND_DYNAMIC = "dynamic"
KIND_SCHEDULED = "scheduled"
KIND_VEHICLE_STATE = "vehicle_state"

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

_LOCATION_TYPES: dict[str, LocationType] = {
    "CURRENT": LocationType.CURRENT,
    "LAST_PARKED": LocationType.LAST_PARKED,
}

# wheel-tires (row, column) on a 2x2 layout -> field.
_TIRE_POSITIONS: dict[tuple[int, int], Field] = {
    (0, 0): Field.TIRE_PRESSURE_FRONT_LEFT,
    (0, 1): Field.TIRE_PRESSURE_FRONT_RIGHT,
    (1, 0): Field.TIRE_PRESSURE_BACK_LEFT,
    (1, 1): Field.TIRE_PRESSURE_BACK_RIGHT,
}
_TIRES = tuple(_TIRE_POSITIONS.values())

_FIRST_YEAR = 1886  # the first car
_LAST_YEAR = 2100

# The most one delivery may make the parser do; the body is at most 1 MiB.
# A real account has a handful of vehicles, a 2.0 vehicle about ten paths, a
# 4.0 delivery every subscribed signal (Smartcar has about a hundred).
MAX_VEHICLES_PER_DELIVERY = 100
MAX_ITEMS_PER_VEHICLE = 16
MAX_SIGNALS_PER_DELIVERY = 256
MAX_TIRES = 16
MAX_ERRORS_PER_DELIVERY = 64
MAX_SIGNALS_PER_ERROR = 128


@dataclass(frozen=True, slots=True)
class _Spec:
    """One field inside a 2.0 item body or a 4.0 signal body.

    `unit` is the unit the value is always in (2.0 fractions); None when the
    item or signal says (or does not).
    """

    key: str
    field: Field
    unit: str | None = None


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


def parse_unsigned_verify(body: bytes | str) -> VerifyRequest | None:
    """The VERIFY challenge of an unsigned body; None for anything else.

    Reads only the event type, the challenge and the webhook id the sender
    claims (kept only when it is a clean id), and never raises. Anyone can send
    an unsigned body: the claimed id proves nothing (learn it from signed
    deliveries, red team 7.2).
    """
    try:
        document = json.loads(body)
    except ValueError, RecursionError:
        return None
    if not isinstance(document, dict):
        return None
    if "eventType" in document:
        version, is_verify, container = (
            "4.0",
            document["eventType"] == "VERIFY",
            document.get("data"),
        )
    else:
        version, is_verify, container = (
            "2.0",
            document.get("eventName") == "verify",
            document.get("payload"),
        )
    if not is_verify or not isinstance(container, dict):
        return None
    if (challenge := _text(container.get("challenge"))) is None:
        return None
    meta = document.get("meta") if version == "4.0" else document
    claimed = meta.get("webhookId") if isinstance(meta, dict) else None
    return VerifyRequest(challenge, clean_id(claimed), version)


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


def _bool(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _DroppedError("not a boolean")
    return raw


def _optional_bool(raw: Any) -> bool | None:
    return None if raw is None else _bool(raw)


def _convert(field: Field, raw: Any, unit: str | None) -> Value:
    """Validate one raw value and bring it to the field's native unit.

    `unit` is the unit the value is labelled with; None when it has none.
    """
    if field in BOOLEAN_FIELDS:
        return _bool(raw)
    if field is Field.CHARGING_STATE:
        if not isinstance(raw, str):
            raise _DroppedError("not a string")
        if (state := _CHARGING_STATES.get(raw.upper())) is None:
            raise _DroppedError("unknown charging state")
        return state
    if field in TEXT_FIELDS:
        if (text := clean_text(raw, MAX_TEXT_LENGTH)) is None:
            raise _DroppedError("not text")
        return text
    number = _number(raw)
    try:
        return FIELD_QUANTITIES[field].read(number, unit)
    except UnitError as err:
        # The reason and our own field name only: never the value or its label.
        _LOGGER.debug("Dropped a %s reading: %s", field.value, err)
        raise _DroppedError(str(err)) from None


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
    raw_type = body.get("locationType")
    location_type = (
        _LOCATION_TYPES.get(raw_type.upper()) if isinstance(raw_type, str) else None
    )
    return Location(latitude, longitude, heading, location_type)


def _grid_position(raw: Any) -> int | None:
    return raw if type(raw) is int and 0 <= raw <= MAX_GRID_INDEX else None


class _Collector:
    """Accumulates the readings and dropped fields of one vehicle."""

    __slots__ = (
        "delivery_id",
        "dropped",
        "fetched_at",
        "readings",
        "unread",
        "vehicle_id",
    )

    def __init__(self, vehicle_id: str, delivery_id: str) -> None:
        self.vehicle_id = vehicle_id
        self.delivery_id = delivery_id
        self.readings: list[Reading] = []
        self.dropped: list[DroppedField] = []
        self.unread = 0  # items or signals the integration does not read
        self.fetched_at: datetime | None = None  # newest 2.0 header time

    def add(self, field: Field, value: Value, at: datetime | None) -> None:
        self.readings.append(
            Reading(
                self.vehicle_id, field, value, native_unit(field), at, self.delivery_id
            )
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
        unit_of: Callable[[_Spec], str | None],
        at: datetime | None,
    ) -> None:
        for spec in specs:
            if spec.key not in body:
                continue

            def produce(spec: _Spec = spec) -> None:
                value = _convert(spec.field, body[spec.key], unit_of(spec))
                self.add(spec.field, value, at)

            self.attempt(f"{source}.{spec.key}", produce)


def _log_unread(count: int) -> None:
    # A count, never the path or code: request text must not reach a log line.
    if count:
        _LOGGER.debug("Items the integration does not read: %s", count)


# --- 2.0 ---------------------------------------------------------------------

# 2.0 paths: body key -> field. Location and the derived charging flag on their own.
_V2_PATHS: dict[str, tuple[_Spec, ...]] = {
    "/battery": (
        _Spec("percentRemaining", Field.BATTERY_LEVEL, "fraction"),
        _Spec("range", Field.RANGE),
    ),
    "/charge": (
        _Spec("isPluggedIn", Field.PLUGGED_IN),
        _Spec("state", Field.CHARGING_STATE),
    ),
    "/odometer": (_Spec("distance", Field.ODOMETER),),
    "/charge/limit": (_Spec("limit", Field.CHARGE_LIMIT, "fraction"),),
    "/fuel": (
        _Spec("percentRemaining", Field.FUEL_LEVEL, "fraction"),
        _Spec("range", Field.FUEL_RANGE),
        _Spec("amountRemaining", Field.FUEL_AMOUNT),
    ),
    "/tires/pressure": (
        _Spec("frontLeft", Field.TIRE_PRESSURE_FRONT_LEFT),
        _Spec("frontRight", Field.TIRE_PRESSURE_FRONT_RIGHT),
        _Spec("backLeft", Field.TIRE_PRESSURE_BACK_LEFT),
        _Spec("backRight", Field.TIRE_PRESSURE_BACK_RIGHT),
    ),
    "/engine/oil": (_Spec("lifeRemaining", Field.OIL_LIFE, "fraction"),),
    "/security": (_Spec("isLocked", Field.LOCKED),),
    "/battery/capacity": (_Spec("capacity", Field.BATTERY_CAPACITY),),
    "/location": (),
}
_V2_EXTRA_FIELDS: dict[str, tuple[Field, ...]] = {
    "/charge": (Field.CHARGING,),
    "/location": (Field.LOCATION,),
}


def _fields_of(specs: tuple[_Spec, ...], extra: tuple[Field, ...]) -> tuple[Field, ...]:
    return tuple(spec.field for spec in specs) + extra


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
    unread = 0
    entries = _list(payload.get("vehicles"), "vehicles")
    for index, entry in enumerate(entries[:MAX_VEHICLES_PER_DELIVERY]):
        vehicle_id = (
            clean_id(entry.get("vehicleId")) if isinstance(entry, dict) else None
        )
        data = entry.get("data") if isinstance(entry, dict) else None
        if vehicle_id is None or not isinstance(data, list):
            dropped.append(DroppedField("", f"vehicles[{index}]", "not a vehicle"))
            continue
        collector = _Collector(vehicle_id, clean_id(entry.get("requestId")) or "")
        for item in data[:MAX_ITEMS_PER_VEHICLE]:
            _v2_item(collector, item, received_at)
        if len(data) > MAX_ITEMS_PER_VEHICLE:
            collector.drop("data", "too many items")
        reports.append(
            VehicleReport(
                VehicleInfo(vehicle_id),
                collector.delivery_id,
                tuple(collector.readings),
                collector.fetched_at,
            )
        )
        dropped.extend(collector.dropped)
        unread += collector.unread
    if len(entries) > MAX_VEHICLES_PER_DELIVERY:
        dropped.append(DroppedField("", "vehicles", "too many vehicles"))
    _log_unread(unread)
    return tuple(reports), tuple(dropped)


def _v2_item(collector: _Collector, item: Any, received_at: datetime) -> None:
    if not isinstance(item, dict) or not isinstance(path := item.get("path"), str):
        collector.drop("data", "not an item")
        return
    if (specs := _V2_PATHS.get(path)) is None:
        collector.unread += 1
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
    fetched = _not_after(_iso_time(headers.get("sc-fetched-at")), received_at) or at
    if fetched is not None and (
        collector.fetched_at is None or fetched > collector.fetched_at
    ):
        collector.fetched_at = fetched
    body = item.get("body")
    if item.get("code") != 200:
        error_body = body if isinstance(body, dict) else {}
        collector.add_error(_fields_of(specs, extra), _field_error(error_body))
        return
    if not isinstance(body, dict):
        collector.drop(path, "body is not an object")
        return
    imperial = headers.get("sc-unit-system") == "imperial"

    def unit_of(spec: _Spec) -> str | None:
        if spec.unit is not None or not imperial:
            return spec.unit
        quantity = FIELD_QUANTITIES.get(spec.field)
        return None if quantity is None else quantity.imperial

    collector.add_specs(path, specs, body, unit_of, at)
    if path == "/charge" and isinstance(state := body.get("state"), str):
        if (charging_state := _CHARGING_STATES.get(state.upper())) is not None:
            collector.add(Field.CHARGING, charging_state is ChargingState.CHARGING, at)
    elif path == "/location":
        collector.attempt(
            path, lambda: collector.add(Field.LOCATION, _location(body), at)
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
    webhook_name = clean_text(meta.get("webhookName"), MAX_NAME_LENGTH)
    delivered_at = _not_after(_epoch_ms(meta.get("deliveredAt")), received_at)
    delivery_id = (
        clean_id(document.get("eventId")) or clean_id(meta.get("deliveryId")) or ""
    )
    vehicle = _v4_vehicle(_object(data.get("vehicle"), "vehicle"))
    raw_user = data.get("user")
    user_id = clean_id(raw_user.get("id")) if isinstance(raw_user, dict) else None
    if event_type == "VEHICLE_ERROR":
        raw_errors = _list(data.get("errors"), "errors")
        if len(raw_errors) > MAX_ERRORS_PER_DELIVERY:
            _LOGGER.debug("Read the first %s vehicle errors", MAX_ERRORS_PER_DELIVERY)
        errors = tuple(
            error
            for raw in raw_errors[:MAX_ERRORS_PER_DELIVERY]
            if (error := _v4_error(raw)) is not None
        )
        return ErrorDelivery(
            webhook_id,
            mode,
            delivery_id,
            delivered_at,
            received_at,
            vehicle,
            errors,
            webhook_name,
            user_id,
        )
    collector = _Collector(vehicle.vehicle_id, delivery_id)
    signals = _list(data.get("signals"), "signals")
    for signal in signals[:MAX_SIGNALS_PER_DELIVERY]:
        _v4_signal(collector, signal, received_at)
    if len(signals) > MAX_SIGNALS_PER_DELIVERY:
        collector.drop("signals", "too many signals")
    _derive_charging(collector)
    _log_unread(collector.unread)
    return DataDelivery(
        kind=KIND_VEHICLE_STATE,
        webhook_id=webhook_id,
        mode=mode,
        delivered_at=delivered_at,
        received_at=received_at,
        vehicles=(VehicleReport(vehicle, delivery_id, tuple(collector.readings)),),
        dropped=tuple(collector.dropped),
        webhook_name=webhook_name,
        user_id=user_id,
    )


def _derive_charging(collector: _Collector) -> None:
    """Whether the car charges, from its charging status when it sends no `charge-ischarging`.

    Some cars report only `charge-detailedchargingstatus`; 2.0 derives the flag the
    same way from `/charge.state`.
    """
    status: Reading | None = None
    for reading in collector.readings:
        if reading.field is Field.CHARGING:
            return
        if reading.field is Field.CHARGING_STATE:
            status = reading
    if status is None:
        return
    if status.error is not None:
        collector.add_error((Field.CHARGING,), status.error)
    else:
        charging = status.value is ChargingState.CHARGING
        collector.add(Field.CHARGING, charging, status.recorded_at)


def _v4_vehicle(raw: dict[str, Any]) -> VehicleInfo:
    year = raw.get("year")
    return VehicleInfo(
        vehicle_id=_required_id(raw.get("id"), "vehicle id"),
        make=clean_text(raw.get("make"), MAX_NAME_LENGTH),
        model=clean_text(raw.get("model"), MAX_NAME_LENGTH),
        year=year if type(year) is int and _FIRST_YEAR <= year <= _LAST_YEAR else None,
    )


def _v4_error(raw: Any) -> VehicleError | None:
    if not isinstance(raw, dict) or (error_type := clean_code(raw.get("type"))) is None:
        return None
    signals: dict[str, None] = {}  # signal codes, in order, each once
    raw_signals = raw.get("signals")
    for signal in (
        raw_signals[:MAX_SIGNALS_PER_ERROR] if isinstance(raw_signals, list) else ()
    ):
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
    if (reader := _V4_SIGNALS.get(code)) is None:
        collector.unread += 1
        return
    raw_meta = signal.get("meta")
    meta = raw_meta if isinstance(raw_meta, dict) else {}
    # Only the car's own time counts: oemUpdatedAt 0 or missing means none.
    at = _not_after(_epoch_ms(meta.get("oemUpdatedAt")), received_at)
    status = signal.get("status")
    if isinstance(status, dict) and status.get("value") == "ERROR":
        raw_error = status.get("error")
        error = _field_error(raw_error if isinstance(raw_error, dict) else {})
        collector.add_error(reader.fields, error)
        return
    body = signal.get("body")
    if not isinstance(body, dict):
        collector.drop(code, "body is not an object")
        return
    reader.read(collector, code, body, at)


def _read_values(
    collector: _Collector, code: str, body: Mapping[str, Any], at: datetime | None
) -> None:
    raw_unit = body.get("unit")
    unit = raw_unit if isinstance(raw_unit, str) else None
    specs = _V4_SPECS[code]
    collector.add_specs(code, specs, body, lambda _spec: unit, at)


def _read_location(
    collector: _Collector, code: str, body: Mapping[str, Any], at: datetime | None
) -> None:
    collector.attempt(code, lambda: collector.add(Field.LOCATION, _location(body), at))


def _read_tires(
    collector: _Collector, code: str, body: Mapping[str, Any], at: datetime | None
) -> None:
    values = body.get("values")
    if not isinstance(values, list):
        collector.drop(code, "values is not a list")
        return
    if len(values) > MAX_TIRES:
        collector.drop(code, "too many tires")
        return
    raw_unit = body.get("unit")
    unit = raw_unit if isinstance(raw_unit, str) else None
    for tire in values:
        field = _tire_field(tire)
        if field is None:
            collector.drop(code, "not a tire of a 2x2 layout")
            continue

        def produce(pressure: Any = tire["tirePressure"], field: Field = field) -> None:
            collector.add(field, _convert(field, pressure, unit), at)

        collector.attempt(f"{code}.{field.value}", produce)


def _tire_field(tire: Any) -> Field | None:
    if not isinstance(tire, dict) or "tirePressure" not in tire:
        return None
    row, column = tire.get("row"), tire.get("column")
    if type(row) is not int or type(column) is not int:
        return None
    return _TIRE_POSITIONS.get((row, column))


def _closures(items: list[Closure]) -> Closures:
    if all(item.is_open is None for item in items):
        raise _DroppedError("no open state")
    return Closures(tuple(items))


def _read_closure_grid(
    collector: _Collector, code: str, body: Mapping[str, Any], at: datetime | None
) -> None:
    """Doors or windows: `{values: [{row, column, isOpen, isLocked?}], ...}`."""
    field = _V4_SIGNALS[code].fields[0]
    values = body.get("values")
    if not isinstance(values, list):
        collector.drop(code, "values is not a list")
        return
    if len(values) > MAX_CLOSURE_ITEMS:
        collector.drop(code, "too many items")
        return

    def produce() -> None:
        items: list[Closure] = []
        for value in values:
            if not isinstance(value, dict):
                raise _DroppedError("not a closure")
            items.append(
                Closure(
                    _grid_position(value.get("row")),
                    _grid_position(value.get("column")),
                    _optional_bool(value.get("isOpen")),
                    _optional_bool(value.get("isLocked")),
                )
            )
        collector.add(field, _closures(items), at)

    collector.attempt(code, produce)


def _read_closure(
    collector: _Collector, code: str, body: Mapping[str, Any], at: datetime | None
) -> None:
    """A trunk, front trunk or sunroof: `{isOpen, isLocked?}`."""
    field = _V4_SIGNALS[code].fields[0]

    def produce() -> None:
        closure = Closure(
            None,
            None,
            _optional_bool(body.get("isOpen")),
            _optional_bool(body.get("isLocked")),
        )
        collector.add(field, _closures([closure]), at)

    collector.attempt(code, produce)


type _Reader = Callable[[_Collector, str, Mapping[str, Any], datetime | None], None]


@dataclass(frozen=True, slots=True)
class _Signal:
    """How one 4.0 signal is read, and every field it can give."""

    fields: tuple[Field, ...]
    read: _Reader


# 4.0 signals read as `{value, unit}`-style bodies: body key -> field.
_V4_SPECS: dict[str, tuple[_Spec, ...]] = {
    "tractionbattery-stateofcharge": (_Spec("value", Field.BATTERY_LEVEL),),
    "tractionbattery-range": (_Spec("value", Field.RANGE),),
    "tractionbattery-nominalcapacity": (_Spec("capacity", Field.BATTERY_CAPACITY),),
    "charge-ischargingcableconnected": (_Spec("value", Field.PLUGGED_IN),),
    "charge-detailedchargingstatus": (_Spec("value", Field.CHARGING_STATE),),
    "charge-ischarging": (_Spec("value", Field.CHARGING),),
    "charge-chargelimits": (_Spec("activeLimit", Field.CHARGE_LIMIT),),
    "charge-wattage": (_Spec("value", Field.CHARGING_POWER),),
    "charge-amperage": (_Spec("value", Field.CHARGING_CURRENT),),
    "charge-voltage": (_Spec("value", Field.CHARGING_VOLTAGE),),
    "charge-energyadded": (_Spec("value", Field.ENERGY_ADDED),),
    "charge-timetocomplete": (_Spec("value", Field.TIME_TO_FULL),),
    "charge-chargerate": (_Spec("value", Field.CHARGE_RATE),),
    "lowvoltagebattery-stateofcharge": (_Spec("value", Field.LOW_VOLTAGE_BATTERY),),
    "climate-internaltemperature": (_Spec("value", Field.CABIN_TEMPERATURE),),
    "climate-externaltemperature": (_Spec("value", Field.OUTSIDE_TEMPERATURE),),
    "odometer-traveleddistance": (_Spec("value", Field.ODOMETER),),
    "internalcombustionengine-fuellevel": (_Spec("value", Field.FUEL_LEVEL),),
    "internalcombustionengine-range": (_Spec("value", Field.FUEL_RANGE),),
    "internalcombustionengine-amountremaining": (_Spec("value", Field.FUEL_AMOUNT),),
    "internalcombustionengine-oillife": (_Spec("value", Field.OIL_LIFE),),
    "closure-islocked": (_Spec("value", Field.LOCKED),),
    "connectivitystatus-isonline": (_Spec("value", Field.ONLINE),),
    "connectivitystatus-isasleep": (_Spec("value", Field.ASLEEP),),
    "connectivitysoftware-currentfirmwareversion": (
        _Spec("value", Field.FIRMWARE_VERSION),
    ),
}

# Every 4.0 signal the integration reads.
_V4_SIGNALS: dict[str, _Signal] = {
    **{
        code: _Signal(tuple(spec.field for spec in specs), _read_values)
        for code, specs in _V4_SPECS.items()
    },
    "location-preciselocation": _Signal((Field.LOCATION,), _read_location),
    "wheel-tires": _Signal(_TIRES, _read_tires),
    "closure-doors": _Signal((Field.DOORS,), _read_closure_grid),
    "closure-windows": _Signal((Field.WINDOWS,), _read_closure_grid),
    "closure-reartrunk": _Signal((Field.TRUNK,), _read_closure),
    "closure-fronttrunk": _Signal((Field.FRUNK,), _read_closure),
    "closure-sunroof": _Signal((Field.SUNROOF,), _read_closure),
}

USED_SIGNALS: frozenset[str] = frozenset(_V4_SIGNALS)
"""The 4.0 signal codes the integration reads."""


def fields_of_signal(signal: str) -> tuple[Field, ...]:
    """The fields a 4.0 signal gives; empty for a signal the integration does not use.

    Takes a code (`tractionbattery-range`) or Smartcar's other spelling
    (`TractionBattery.Range`), as `VehicleError.signals` may hold either.
    """
    code = signal_code(signal)
    reader = None if code is None else _V4_SIGNALS.get(code)
    return () if reader is None else reader.fields


def fields_of_path(path: str) -> tuple[Field, ...]:
    """The fields a 2.0 path (webhook item or REST endpoint) gives; () if unknown."""
    specs = _V2_PATHS.get(path)
    return () if specs is None else _fields_of(specs, _V2_EXTRA_FIELDS.get(path, ()))


def parse_v2_items(
    vehicle_id: str, items: Any, *, received_at: datetime
) -> tuple[VehicleReport, tuple[DroppedField, ...]]:
    """The readings of one vehicle's 2.0 items (`{path, code, body, headers}`).

    The REST API's batch answer holds the items of a 2.0 dynamic webhook, so a
    fresh read is checked, converted and timed exactly like a delivery. Raises
    `InvalidDeliveryError` when `items` is not a list.
    """
    collector = _Collector(vehicle_id, "")
    listed = _list(items, "responses")
    for item in listed[:MAX_ITEMS_PER_VEHICLE]:
        _v2_item(collector, item, received_at)
    if len(listed) > MAX_ITEMS_PER_VEHICLE:
        collector.drop("responses", "too many items")
    _log_unread(collector.unread)
    report = VehicleReport(
        VehicleInfo(vehicle_id), "", tuple(collector.readings), collector.fetched_at
    )
    return report, tuple(collector.dropped)
