"""Time `parse_delivery` on signed-size (1 MiB) worst-case bodies.

Each body is as large as the webhook accepts and shaped to make the parser do
as much as it can: many vehicles, many items, many tires, many errors.
Run: .venv/bin/python -m scripts.bench_worst_case
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
import json
import timeit
from typing import Any

from custom_components.smartcar_webhooks.const import MAX_BODY_BYTES
from custom_components.smartcar_webhooks.smartcar import (
    DataDelivery,
    ErrorDelivery,
    parse_delivery,
)

RECEIVED_AT = datetime(2026, 1, 1, tzinfo=UTC)
V2_ITEMS = [
    {
        "path": "/battery",
        "code": 200,
        "body": {"percentRemaining": 0.5, "range": 300},
        "headers": {"sc-data-age": "2025-12-14T08:00:00.000Z"},
    },
    {
        "path": "/charge",
        "code": 200,
        "body": {"isPluggedIn": True, "state": "CHARGING"},
        "headers": {"sc-data-age": "2025-12-14T08:00:00.000Z"},
    },
    {
        "path": "/location",
        "code": 200,
        "body": {"latitude": 1.5, "longitude": 2.5},
        "headers": {"sc-data-age": "2025-12-14T08:00:00.000Z"},
    },
]
META = {"oemUpdatedAt": 1765699200000, "retrievedAt": 1765699560000}


def _fill(make: Callable[[int], Any], wrap: Callable[[list[Any]], Any]) -> bytes:
    """The largest body of `wrap([make(0), make(1), ...])` within 1 MiB."""
    low, high = 1, 1
    while len(json.dumps(wrap([make(i) for i in range(high)]))) <= MAX_BODY_BYTES:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        size = len(json.dumps(wrap([make(i) for i in range(middle)])))
        low, high = (middle, high) if size <= MAX_BODY_BYTES else (low, middle)
    return json.dumps(wrap([make(i) for i in range(low)])).encode()


def _v2(vehicles: list[Any]) -> dict[str, Any]:
    return {"eventName": "dynamic", "mode": "live", "payload": {"vehicles": vehicles}}


def _v4(signals: list[Any], event_type: str = "VEHICLE_STATE") -> dict[str, Any]:
    data: dict[str, Any] = {"vehicle": {"id": "vehicle-1", "make": "KIA"}}
    data["errors" if event_type == "VEHICLE_ERROR" else "signals"] = signals
    return {"eventId": "e", "eventType": event_type, "data": data, "meta": {}}


BODIES: dict[str, bytes] = {
    "2.0 many vehicles": _fill(
        lambda i: {"vehicleId": f"v{i}", "requestId": f"r{i}", "data": V2_ITEMS},
        _v2,
    ),
    "2.0 one vehicle, many items": _fill(
        lambda i: V2_ITEMS[i % 3],
        lambda items: _v2([{"vehicleId": "v", "requestId": "r", "data": items}]),
    ),
    "4.0 many signals": _fill(
        lambda i: {
            "code": "tractionbattery-stateofcharge",
            "body": {"value": i % 100, "unit": "percent"},
            "meta": META,
        },
        _v4,
    ),
    "4.0 many tires": _fill(
        lambda i: {"row": i % 2, "column": i // 2 % 2, "tirePressure": 250},
        lambda tires: _v4(
            [
                {
                    "code": "wheel-tires",
                    "body": {"values": tires, "unit": "kPa"},
                    "meta": META,
                }
            ]
        ),
    ),
    "4.0 many errors": _fill(
        lambda i: {
            "type": "COMPATIBILITY",
            "code": "VEHICLE_NOT_CAPABLE",
            "state": "ERROR",
            "signals": ["TractionBattery.Range", "closure-islocked"],
        },
        lambda errors: _v4(errors, "VEHICLE_ERROR"),
    ),
}


def _size(delivery: Any) -> str:
    if isinstance(delivery, DataDelivery):
        readings = sum(len(report.readings) for report in delivery.vehicles)
        return f"{len(delivery.vehicles):5d} vehicles {readings:6d} readings"
    if isinstance(delivery, ErrorDelivery):
        return f"{len(delivery.errors):5d} errors"
    return type(delivery).__name__


def main() -> None:
    """Print the best time of five runs per body."""
    for name, body in BODIES.items():
        delivery = parse_delivery(body, received_at=RECEIVED_AT)
        runs = 5
        best = min(
            timeit.repeat(
                lambda body=body: parse_delivery(body, received_at=RECEIVED_AT),
                number=runs,
                repeat=5,
            )
        )
        loads = min(timeit.repeat(lambda body=body: json.loads(body), number=runs))
        print(
            f"{name:28} {len(body):8d} B  json.loads {loads / runs * 1e6:9.0f} µs  "
            f"parse {best / runs * 1e6:9.0f} µs  {_size(delivery)}"
        )


if __name__ == "__main__":
    main()
