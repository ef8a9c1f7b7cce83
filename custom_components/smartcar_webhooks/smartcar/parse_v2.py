"""The 2.0 format: dynamic/scheduled webhooks, eventBased events, and the v2.0 batch answer.

A 2.0 item is `{path, code, body, headers}`; each path's rows in the registry
(`signals.SIGNALS_OF_PATH`) say which body key holds which field.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from .coerce import (
    Collector,
    DroppedError,
    convert,
    iso_time,
    location,
    log_unread,
    not_after,
)
from .errors import InvalidDeliveryError
from .models import (
    ChargingEvent,
    ChargingEventType,
    DataDelivery,
    Delivery,
    DroppedField,
    Mode,
    VehicleInfo,
    VehicleReport,
    VerifyRequest,
)
from .parse_signals import field_error
from .signals import SIGNALS_OF_PATH, Kind, Signal
from .text import clean_id
from .values import ChargingState, Field

KIND_DYNAMIC = "dynamic"
KIND_SCHEDULED = "scheduled"

# A real account has a handful of vehicles, a 2.0 vehicle about ten paths.
MAX_VEHICLES_PER_DELIVERY = 100
MAX_ITEMS_PER_VEHICLE = 16

_CHARGING_EVENTS: dict[str, ChargingEventType] = {
    "CHARGING_STARTED": ChargingEventType.CHARGING_STARTED,
    "CHARGING_STOPPED": ChargingEventType.CHARGING_STOPPED,
    "CHARGING_COMPLETED": ChargingEventType.CHARGING_COMPLETED,
}


def _mode(value: Any) -> Mode | None:
    if isinstance(value, str):
        try:
            return Mode(value.lower())
        except ValueError:
            return None
    return None


def _required_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidDeliveryError(f"{what} is missing")
    if (identifier := clean_id(value)) is None:
        raise InvalidDeliveryError(f"{what} is invalid")
    return identifier


def parse_v2(document: dict[str, Any], received_at: datetime) -> Delivery:
    """A 2.0 body (`eventName` present) as a typed delivery."""
    event_name = document.get("eventName")
    webhook_id = clean_id(document.get("webhookId"))
    mode = _mode(document.get("mode"))
    payload = document.get("payload")
    if not isinstance(payload, dict):
        raise InvalidDeliveryError("payload is not an object")
    if event_name == "verify":
        challenge = payload.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise InvalidDeliveryError("challenge is missing")
        return VerifyRequest(challenge, webhook_id, "2.0")
    if event_name in (KIND_DYNAMIC, KIND_SCHEDULED):
        reports, dropped = _vehicles(payload, received_at)
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
        return _charging_event(payload, webhook_id, mode, received_at)
    raise InvalidDeliveryError("unknown 2.0 eventName")


def _charging_event(
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
        event_time=not_after(iso_time(payload.get("eventTime")), received_at),
        received_at=received_at,
    )


def _vehicles(
    payload: dict[str, Any], received_at: datetime
) -> tuple[tuple[VehicleReport, ...], tuple[DroppedField, ...]]:
    reports: list[VehicleReport] = []
    dropped: list[DroppedField] = []
    unread = 0
    entries = payload.get("vehicles")
    if not isinstance(entries, list):
        raise InvalidDeliveryError("vehicles is not a list")
    for index, entry in enumerate(entries[:MAX_VEHICLES_PER_DELIVERY]):
        vehicle_id = (
            clean_id(entry.get("vehicleId")) if isinstance(entry, dict) else None
        )
        data = entry.get("data") if isinstance(entry, dict) else None
        if vehicle_id is None or not isinstance(data, list):
            dropped.append(DroppedField("", f"vehicles[{index}]", "not a vehicle"))
            continue
        collector = Collector(vehicle_id, clean_id(entry.get("requestId")) or "")
        for item in data[:MAX_ITEMS_PER_VEHICLE]:
            _item(collector, item, received_at)
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
    log_unread(unread)
    return tuple(reports), tuple(dropped)


def _lookup(body: dict[str, Any], key: str) -> tuple[bool, Any]:
    """Whether the (dotted) key is in the body, and its value."""
    node: Any = body
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _item(collector: Collector, item: Any, received_at: datetime) -> None:
    if not isinstance(item, dict) or not isinstance(path := item.get("path"), str):
        collector.drop("data", "not an item")
        return
    if (rows := SIGNALS_OF_PATH.get(path)) is None:
        collector.unread += 1
        return
    raw_headers = item.get("headers")
    headers = (
        {str(key).lower(): value for key, value in raw_headers.items()}
        if isinstance(raw_headers, dict)
        else {}
    )
    at = not_after(
        iso_time(headers.get("sc-data-age")) or iso_time(headers.get("sc-fetched-at")),
        received_at,
    )
    fetched = not_after(iso_time(headers.get("sc-fetched-at")), received_at) or at
    if fetched is not None and (
        collector.fetched_at is None or fetched > collector.fetched_at
    ):
        collector.fetched_at = fetched
    body = item.get("body")
    if item.get("code") != 200:
        collector.add_error(rows, field_error(body))
        return
    if not isinstance(body, dict):
        collector.drop(path, "body is not an object")
        return
    imperial = headers.get("sc-unit-system") == "imperial"
    for row in rows:
        if row.v2_key is not None:
            _read(collector, path, row, body, imperial, at)
        elif row.kind is Kind.LOCATION:
            try:
                collector.add(row, location(body), at)
            except DroppedError as err:
                collector.drop(path, str(err))
        elif row.field is Field.CHARGING and isinstance(
            state := body.get("state"), str
        ):
            # 2.0 has no flag: charging is a charging state of CHARGING.
            charging = rows_state(rows, state)
            if charging is not None:
                collector.add(row, charging is ChargingState.CHARGING, at)


def rows_state(rows: tuple[Signal, ...], state: str) -> StrEnum | None:
    """The charging state a /charge body's `state` is, by its row's options."""
    for row in rows:
        if row.field is Field.CHARGING_STATE and row.options is not None:
            return row.options.get(state.upper())
    return None


def _read(
    collector: Collector,
    path: str,
    row: Signal,
    body: dict[str, Any],
    imperial: bool,
    at: datetime | None,
) -> None:
    assert row.v2_key is not None
    present, raw = _lookup(body, row.v2_key)
    if not present:
        return
    unit = row.v2_unit
    if unit is None and imperial and row.quantity is not None:
        unit = row.quantity.imperial
    try:
        collector.add(row, convert(row, raw, unit), at)
    except DroppedError as err:
        collector.drop(f"{path}.{row.v2_key}", str(err))


def parse_v2_items(
    vehicle_id: str, items: Any, *, received_at: datetime
) -> tuple[VehicleReport, tuple[DroppedField, ...]]:
    """The readings of one vehicle's 2.0 items (`{path, code, body, headers}`).

    The REST API's batch answer holds the items of a 2.0 dynamic webhook, so a
    fresh read is checked, converted and timed exactly like a delivery. Raises
    `InvalidDeliveryError` when `items` is not a list.
    """
    collector = Collector(vehicle_id, "")
    if not isinstance(items, list):
        raise InvalidDeliveryError("responses is not a list")
    for item in items[:MAX_ITEMS_PER_VEHICLE]:
        _item(collector, item, received_at)
    if len(items) > MAX_ITEMS_PER_VEHICLE:
        collector.drop("responses", "too many items")
    log_unread(collector.unread)
    report = VehicleReport(
        VehicleInfo(vehicle_id), "", tuple(collector.readings), collector.fetched_at
    )
    return report, tuple(collector.dropped)
