"""Value coercion: a raw JSON value to a field's typed value, and values to and from storage.

Whatever format a value came in (2.0 item, 4.0 delivery, v3 read, the stored
file), it is checked and converted here, by its row's kind (`signals.Kind`).
"""

from __future__ import annotations

from datetime import UTC, datetime
import logging
import math
from typing import Any

from .models import DroppedField, FieldError, Reading
from .signals import SIGNAL_OF, Kind, Signal
from .text import MAX_NAME_LENGTH, clean_code, clean_text
from .units import UnitError
from .values import (
    Alert,
    Closure,
    Closures,
    Field,
    Location,
    LocationType,
    TroubleCodes,
    Value,
)

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_LENGTH = MAX_NAME_LENGTH
MAX_DESCRIPTION_LENGTH = 256
MAX_CLOSURE_ITEMS = 16
MAX_GRID_INDEX = 15
MAX_TROUBLE_CODES = 64

_LOCATION_TYPES: dict[str, LocationType] = {
    "CURRENT": LocationType.CURRENT,
    "LAST_PARKED": LocationType.LAST_PARKED,
}


class DroppedError(Exception):
    """A single field is unusable; carries the reason."""


# --- numbers and times ------------------------------------------------------------


def finite(value: Any) -> float | None:
    """The value as a finite float, or None for anything else (bools included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def number(value: Any) -> float:
    """A finite number, else `DroppedError`."""
    if (found := finite(value)) is None:
        raise DroppedError("not a finite number")
    return found


# Most signals of a delivery share one or two car times: each is converted once.
_EPOCH_CACHE_SIZE = 256
_epochs: dict[float, datetime | None] = {}


def epoch_ms(value: Any) -> datetime | None:
    """A positive epoch-milliseconds time, or None."""
    if (found := finite(value)) is None or found <= 0:
        return None
    if (known := _epochs.get(found)) is not None:
        return known
    try:
        at: datetime | None = datetime.fromtimestamp(found / 1000, UTC)
    except OverflowError, OSError, ValueError:
        at = None
    if len(_epochs) >= _EPOCH_CACHE_SIZE:
        _epochs.clear()
    _epochs[found] = at
    return at


def iso_time(value: Any) -> datetime | None:
    """An ISO 8601 time in UTC (naive taken as UTC), or None."""
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


def not_after(recorded_at: datetime | None, received_at: datetime) -> datetime | None:
    """The time, but never later than the arrival: a fast clock must not win for ever."""
    return None if recorded_at is None else min(recorded_at, received_at)


def boolean(raw: Any) -> bool:
    """A JSON boolean, else `DroppedError`."""
    if not isinstance(raw, bool):
        raise DroppedError("not a boolean")
    return raw


def optional_bool(raw: Any) -> bool | None:
    """None or a boolean, else `DroppedError`."""
    return None if raw is None else boolean(raw)


# --- one value ------------------------------------------------------------------


def convert(row: Signal, raw: Any, unit: str | None) -> Value:
    """Validate one raw scalar and bring it to the field's native unit.

    `unit` is the unit the value is labelled with; None when it has none.
    """
    kind = row.kind
    if kind is Kind.BOOLEAN:
        return boolean(raw)
    if kind is Kind.ENUM:
        if not isinstance(raw, str):
            raise DroppedError("not a string")
        assert row.options is not None
        if (member := row.options.get(raw.upper())) is None:
            raise DroppedError(f"unknown {row.field.value.replace('_', ' ')}")
        return member
    if kind is Kind.TEXT:
        if (text := clean_text(raw, MAX_TEXT_LENGTH)) is None:
            raise DroppedError("not text")
        return text
    found = number(raw)
    assert row.quantity is not None
    try:
        return row.quantity.read(found, unit)
    except UnitError as err:
        # The reason and our own field name only: never the value or its label.
        _LOGGER.debug("Dropped a %s reading: %s", row.field.value, err)
        raise DroppedError(str(err)) from None


def location(body: dict[str, Any]) -> Location:
    """A position from `{latitude, longitude, heading?, locationType?}`."""
    latitude = number(body.get("latitude"))
    longitude = number(body.get("longitude"))
    if not -90 <= latitude <= 90:
        raise DroppedError("latitude outside -90..90")
    if not -180 <= longitude <= 180:
        raise DroppedError("longitude outside -180..180")
    heading = finite(body.get("heading"))
    if heading is not None:
        heading %= 360
        # A tiny negative heading rounds to 360.0 in floating point.
        heading = 0.0 if heading >= 360 else heading
    raw_type = body.get("locationType")
    location_type = (
        _LOCATION_TYPES.get(raw_type.upper()) if isinstance(raw_type, str) else None
    )
    return Location(latitude, longitude, heading, location_type)


def grid_position(raw: Any) -> int | None:
    """A row or column index, None when absent or implausible."""
    return raw if type(raw) is int and 0 <= raw <= MAX_GRID_INDEX else None


def closures(items: list[Closure]) -> Closures:
    """Closures of which at least one says whether it is open."""
    if all(item.is_open is None for item in items):
        raise DroppedError("no open state")
    return Closures(tuple(items))


def alert(body: dict[str, Any]) -> Alert:
    """A diagnostic system from `{status: ALERT | OK, description?}`."""
    status = body.get("status")
    if status not in ("ALERT", "OK"):
        raise DroppedError("unknown status")
    return Alert(
        status == "ALERT", clean_text(body.get("description"), MAX_DESCRIPTION_LENGTH)
    )


def trouble_codes(values: Any) -> TroubleCodes:
    """Trouble codes from `[{code, timestamp?}]`, each once, in order."""
    if not isinstance(values, list):
        raise DroppedError("values is not a list")
    if len(values) > MAX_TROUBLE_CODES:
        raise DroppedError("too many codes")
    codes: dict[str, None] = {}
    for value in values:
        raw = value.get("code") if isinstance(value, dict) else None
        if (code := clean_code(raw)) is None:
            raise DroppedError("not a trouble code")
        codes[code] = None
    return TroubleCodes(tuple(codes))


# --- collecting one vehicle's readings -----------------------------------------------


class Collector:
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
        """Collect for one vehicle of one delivery."""
        self.vehicle_id = vehicle_id
        self.delivery_id = delivery_id
        self.readings: list[Reading] = []
        self.dropped: list[DroppedField] = []
        self.unread = 0  # items or signals the integration does not read
        self.fetched_at: datetime | None = None  # newest 2.0 header time

    def add(self, row: Signal, value: Value, at: datetime | None) -> None:
        """A good reading."""
        quantity = row.quantity
        self.readings.append(
            Reading(
                self.vehicle_id,
                row.field,
                value,
                None if quantity is None else quantity.unit,
                at,
                self.delivery_id,
            )
        )

    def add_error(self, rows: tuple[Signal, ...], error: FieldError) -> None:
        """The same error for each of the rows; it says nothing about car time."""
        self.readings.extend(
            Reading(
                self.vehicle_id, row.field, None, None, None, self.delivery_id, error
            )
            for row in rows
        )

    def drop(self, source: str, reason: str) -> None:
        """A field left out, with the reason (never the value)."""
        self.dropped.append(DroppedField(self.vehicle_id, source, reason))


def log_unread(count: int) -> None:
    """One debug line with how many items were not read."""
    # A count, never the path or code: request text must not reach a log line.
    if count:
        _LOGGER.debug("Items the integration does not read: %s", count)


# --- stored form ------------------------------------------------------------------


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
    if isinstance(value, Alert):
        return [value.active, value.description]
    if isinstance(value, TroubleCodes):
        return list(value.codes)
    return value


def _checked_bool(raw: Any) -> bool | None:
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
    latitude, longitude = finite(raw[0]), finite(raw[1])
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    heading = finite(raw[2])
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
                _checked_bool(is_open),
                _checked_bool(is_locked),
            )
            for row, column, is_open, is_locked in raw
        )
    except TypeError, ValueError:
        return None
    if all(item.is_open is None for item in items):
        return None
    return Closures(items)


def _alert_from_json(raw: Any) -> Alert | None:
    if not isinstance(raw, list) or len(raw) != 2 or not isinstance(raw[0], bool):
        return None
    description = raw[1]
    if description is not None and (
        clean_text(description, MAX_DESCRIPTION_LENGTH) != description
    ):
        return None
    return Alert(raw[0], description)


def _codes_from_json(raw: Any) -> TroubleCodes | None:
    if not isinstance(raw, list) or len(raw) > MAX_TROUBLE_CODES:
        return None
    if not all(isinstance(code, str) and clean_code(code) == code for code in raw):
        return None
    return TroubleCodes(tuple(raw))


def value_from_json(field: Field, raw: Any) -> Value | None:
    """A field's value from its JSON form; None when the form is not one.

    Numbers must be in their quantity's plausible range, text clean: a stored
    value is held to the same rules as a parsed one.
    """
    row = SIGNAL_OF[field]
    match row.kind:
        case Kind.LOCATION:
            return _location_from_json(raw)
        case Kind.CLOSURES:
            return _closures_from_json(raw)
        case Kind.ALERT:
            return _alert_from_json(raw)
        case Kind.CODES:
            return _codes_from_json(raw)
        case Kind.ENUM:
            assert row.options is not None
            members = {member.value: member for member in row.options.values()}
            return members.get(raw) if isinstance(raw, str) else None
        case Kind.BOOLEAN:
            return raw if isinstance(raw, bool) else None
        case Kind.TEXT:
            text = clean_text(raw, MAX_TEXT_LENGTH)
            return text if text == raw else None
    found = finite(raw)
    quantity = row.quantity
    assert quantity is not None
    if found is None or not quantity.low <= found <= quantity.high:
        return None
    return found
