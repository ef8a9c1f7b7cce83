"""A v3 signals read parsed by the same code as a 4.0 delivery.

`GET /vehicles/{id}/signals` nests each signal's code, status and body under
`attributes` and gives its `meta` times as ISO text (a live capture, per
trooperthorn/ha_int_smartcar; not in Smartcar's docs), where a delivery has
them flat and in epoch milliseconds. Reshaped into a VEHICLE_STATE body, the
read goes through `parse_delivery`: the same units, plausibility ranges,
per-signal errors and car times as a delivery. Until the parser reads a
signals document itself, this is the seam (`SmartcarV3Client(parse_signals=)`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
import json
import math
from typing import TYPE_CHECKING, Any

from .client import KIND_API, SmartcarApiError
from .errors import InvalidDeliveryError
from .models import DataDelivery
from .parser import parse_delivery

if TYPE_CHECKING:
    from .v3 import SignalsResult

MAX_SIGNALS = 500
_SIGNAL_KEYS = ("code", "name", "group", "status", "body")
_TIME_KEYS = ("oemUpdatedAt", "retrievedAt")


def _epoch_ms(value: Any) -> int | float | None:
    """A time as epoch milliseconds: kept when a number, read when ISO text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return round(at.timestamp() * 1000) if at.tzinfo is not None else None


def _signal(item: dict[str, Any]) -> dict[str, Any] | None:
    attributes = item.get("attributes")
    if not isinstance(attributes, dict):
        return None
    signal = {key: attributes[key] for key in _SIGNAL_KEYS if key in attributes}
    meta = item.get("meta")
    if isinstance(meta, dict):
        signal["meta"] = {
            key: at
            for key in _TIME_KEYS
            if (at := _epoch_ms(meta.get(key))) is not None
        }
    return signal


def signals_as_delivery(result: SignalsResult, received_at: datetime) -> DataDelivery:
    """The readings of a signals answer, as a delivery of kind `api`."""
    signals = [
        signal
        for item in result.items[:MAX_SIGNALS]
        if (signal := _signal(item)) is not None
    ]
    document = {
        "eventType": "VEHICLE_STATE",
        "data": {
            "vehicle": {"id": result.vehicle_id},
            "user": {"id": result.user_id},
            "signals": signals,
        },
        "meta": {"version": "4.0"},
    }
    try:
        delivery = parse_delivery(json.dumps(document), received_at=received_at)
    except (InvalidDeliveryError, ValueError) as err:
        raise SmartcarApiError("Smartcar's signals answer cannot be read") from err
    if not isinstance(delivery, DataDelivery):  # pragma: no cover - VEHICLE_STATE
        raise SmartcarApiError("Smartcar's signals answer cannot be read")
    return replace(delivery, kind=KIND_API, webhook_id=None, mode=None)
