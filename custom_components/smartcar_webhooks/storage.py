"""The JSON form of the vehicle state, as Home Assistant's storage keeps it.

Decoding is defensive: a part that is not what this version writes is left
out (and the rest kept) rather than failing the set-up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .const import LOGGER
from .events import VehicleEventType
from .smartcar import (
    ChargingEventType,
    ErrorState,
    Field,
    FieldError,
    VehicleError,
    VehicleInfo,
    value_from_json,
    value_to_json,
)
from .smartcar.text import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    clean_code,
    clean_id,
    clean_text,
)
from .vehicle import FieldState, Removed, VehicleState

type Json = dict[str, Any]


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(raw: Any) -> datetime | None:
    if raw is None:
        return None
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        raise ValueError("time without zone")
    return parsed


def _text(raw: Any, max_length: int = MAX_NAME_LENGTH) -> str | None:
    """Display text from the file, cleaned exactly as text from a delivery."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return clean_text(raw, max_length)
    raise TypeError("not text")


def _code(raw: Any) -> str | None:
    """An error type, code or resolution from the file: a clean code, or None."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return clean_code(raw)
    raise TypeError("not text")


def _encode_field(state: FieldState) -> Json:
    error = state.error
    return {
        "value": None if state.value is None else value_to_json(state.value),
        "recorded_at": _time(state.recorded_at),
        "good_at": _time(state.good_at),
        "error": None if error is None else [error.type, error.code, error.resolution],
        "error_at": _time(state.error_at),
    }


def _decode_field(key: Field, raw: Json) -> FieldState:
    value = None if raw["value"] is None else value_from_json(key, raw["value"])
    error = raw["error"]
    return FieldState(
        value=value,
        recorded_at=_parse_time(raw["recorded_at"]),
        good_at=_parse_time(raw["good_at"]),
        error=None if error is None else FieldError(*(_code(part) for part in error)),  # type: ignore[arg-type]
        error_at=_parse_time(raw["error_at"]),
    )


def _encode_error(error: VehicleError, at: datetime | None) -> Json:
    return {
        "type": error.type,
        "code": error.code,
        "description": error.description,
        "resolution": error.resolution,
        "state": error.state.value,
        "signals": list(error.signals),
        "at": _time(at),
    }


def _decode_error(raw: Json) -> tuple[VehicleError, datetime | None]:
    error_type = _code(raw["type"])
    if error_type is None:
        raise TypeError("error without type")
    error = VehicleError(
        type=error_type,
        code=_code(raw["code"]),
        description=_text(raw["description"], MAX_DESCRIPTION_LENGTH),
        resolution=_code(raw["resolution"]),
        state=ErrorState(raw["state"]),
        signals=tuple(s for s in raw["signals"] if clean_code(s) is not None),
    )
    return error, _parse_time(raw["at"])


def encode_vehicle(vehicle: VehicleState) -> Json:
    """The JSON form of one vehicle."""
    info = vehicle.info
    return {
        "make": info.make,
        "model": info.model,
        "year": info.year,
        "fields": {
            key.value: _encode_field(state) for key, state in vehicle.fields.items()
        },
        "errors": [_encode_error(error, at) for error, at in vehicle.errors.values()],
        "recent": list(vehicle.recent),
        "last_update": _time(vehicle.last_update),
        "last_delivery": _time(vehicle.last_delivery),
        "newest_sent": _time(vehicle.newest_sent),
        "last_event": None
        if vehicle.last_event is None
        else [vehicle.last_event[0].value, _time(vehicle.last_event[1])],
        "charging_fired": {
            kind.value: [_time(at), event_based]
            for kind, (at, event_based) in vehicle.charging_fired.items()
        },
    }


def decode_vehicle(vehicle_id: str, raw: Any) -> VehicleState | None:
    """One vehicle from its JSON form; None (logged) when it is unusable."""
    if clean_id(vehicle_id) is None:
        LOGGER.warning("Skipped a stored vehicle that could not be read")
        return None
    try:
        year = raw["year"]
        vehicle = VehicleState(
            vehicle_id,
            VehicleInfo(
                vehicle_id,
                _text(raw["make"]),
                _text(raw["model"]),
                year if isinstance(year, int) else None,
            ),
        )
        for key, field_raw in raw["fields"].items():
            if key in Field.__members__.values():
                vehicle.fields[Field(key)] = _decode_field(Field(key), field_raw)
        for error_raw in raw["errors"]:
            error, at = _decode_error(error_raw)
            vehicle.errors[(error.type, error.code)] = (error, at)
        vehicle.recent.extend(i for i in raw["recent"] if clean_id(i) is not None)
        vehicle.last_update = _parse_time(raw["last_update"])
        vehicle.last_delivery = _parse_time(raw["last_delivery"])
        vehicle.newest_sent = _parse_time(raw["newest_sent"])
        if (event := raw["last_event"]) is not None:
            vehicle.last_event = (ChargingEventType(event[0]), _parse_time(event[1]))
        # Absent in what versions before the derived events stored.
        for kind, (at, event_based) in raw.get("charging_fired", {}).items():
            vehicle.charging_fired[VehicleEventType(kind)] = (
                _parse_time(at),
                event_based is True,
            )
    except KeyError, TypeError, ValueError, IndexError, AttributeError:
        LOGGER.warning("Skipped a stored vehicle that could not be read")
        return None
    return vehicle


def encode_removed(removed: Removed) -> Json:
    """The JSON form of a removed vehicle's marks."""
    return {
        "recent": sorted(removed.recent),
        "newest_sent": _time(removed.newest_sent),
        "last_update": _time(removed.last_update),
        "last_event_at": _time(removed.last_event_at),
    }


def decode_removed(vehicle_id: Any, raw: Any) -> Removed | None:
    """A removed vehicle's marks; None when unusable."""
    if clean_id(vehicle_id) is None:
        return None
    try:
        return Removed(
            frozenset(i for i in raw["recent"] if clean_id(i) is not None),
            _parse_time(raw["newest_sent"]),
            _parse_time(raw["last_update"]),
            _parse_time(raw["last_event_at"]),
        )
    except KeyError, TypeError, ValueError:
        return None
