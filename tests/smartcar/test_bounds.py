"""One delivery, bounded work: vehicles, items, signals, tires and errors are capped (7.6)."""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

import pytest

from custom_components.smartcar_webhooks.const import MAX_BODY_BYTES
from custom_components.smartcar_webhooks.smartcar import (
    DataDelivery,
    Delivery,
    DroppedField,
    ErrorDelivery,
    Field,
)
from custom_components.smartcar_webhooks.smartcar.parse_signals import (
    MAX_ERRORS_PER_DELIVERY,
    MAX_SIGNALS_PER_DELIVERY,
    MAX_SIGNALS_PER_ERROR,
    MAX_TIRES,
)
from custom_components.smartcar_webhooks.smartcar.parse_v2 import (
    MAX_ITEMS_PER_VEHICLE,
    MAX_VEHICLES_PER_DELIVERY,
)
from tests.smartcar.helpers import data_delivery, only_report

type Parse = Callable[[Any], Delivery]

ODOMETER = {
    "path": "/odometer",
    "code": 200,
    "body": {"distance": 5},
    "headers": {"sc-data-age": "2025-12-14T08:00:00.000Z"},
}


def _v2(vehicles: list[Any]) -> dict[str, Any]:
    return {"eventName": "dynamic", "payload": {"vehicles": vehicles}}


def _vehicle(index: int, items: list[Any] | None = None) -> dict[str, Any]:
    return {
        "vehicleId": f"vehicle-{index}",
        "requestId": f"request-{index}",
        "data": [ODOMETER] if items is None else items,
    }


def _v4(signals: list[Any]) -> dict[str, Any]:
    return {
        "eventType": "VEHICLE_STATE",
        "data": {"vehicle": {"id": "vehicle-1"}, "signals": signals},
    }


def _battery(level: int) -> dict[str, Any]:
    return {
        "code": "tractionbattery-stateofcharge",
        "body": {"value": level, "unit": "percent"},
    }


def test_a_2_0_delivery_reports_at_most_100_vehicles(parse: Parse) -> None:
    count = MAX_VEHICLES_PER_DELIVERY + 50
    delivery = data_delivery(parse(_v2([_vehicle(i) for i in range(count)])))
    assert [r.vehicle.vehicle_id for r in delivery.vehicles] == [
        f"vehicle-{i}" for i in range(MAX_VEHICLES_PER_DELIVERY)
    ]
    assert delivery.dropped == (DroppedField("", "vehicles", "too many vehicles"),)


def test_a_2_0_delivery_of_exactly_100_vehicles_drops_none(parse: Parse) -> None:
    vehicles = [_vehicle(i) for i in range(MAX_VEHICLES_PER_DELIVERY)]
    delivery = data_delivery(parse(_v2(vehicles)))
    assert len(delivery.vehicles) == MAX_VEHICLES_PER_DELIVERY
    assert delivery.dropped == ()


def test_junk_entries_count_against_the_vehicle_limit(parse: Parse) -> None:
    vehicles: list[Any] = [None] * MAX_VEHICLES_PER_DELIVERY + [_vehicle(1)]
    delivery = data_delivery(parse(_v2(vehicles)))
    assert delivery.vehicles == ()
    assert len(delivery.dropped) == MAX_VEHICLES_PER_DELIVERY + 1


def test_a_2_0_vehicle_reads_at_most_16_items(parse: Parse) -> None:
    items = [ODOMETER] * (MAX_ITEMS_PER_VEHICLE + 1)
    delivery = parse(_v2([_vehicle(1, items)]))
    assert len(only_report(delivery).readings) == MAX_ITEMS_PER_VEHICLE
    assert data_delivery(delivery).dropped == (
        DroppedField("vehicle-1", "data", "too many items"),
    )


def test_a_4_0_delivery_reads_at_most_256_signals(parse: Parse) -> None:
    signals = [_battery(i % 100) for i in range(MAX_SIGNALS_PER_DELIVERY + 10)]
    delivery = parse(_v4(signals))
    assert len(only_report(delivery).readings) == MAX_SIGNALS_PER_DELIVERY
    assert data_delivery(delivery).dropped == (
        DroppedField("vehicle-1", "signals", "too many signals"),
    )


def test_tires_of_more_than_16_wheels_are_dropped(parse: Parse) -> None:
    tires = [
        {"row": i // 2, "column": i % 2, "tirePressure": 250}
        for i in range(MAX_TIRES + 1)
    ]
    delivery = parse(_v4([{"code": "wheel-tires", "body": {"values": tires}}]))
    assert only_report(delivery).readings == ()
    assert data_delivery(delivery).dropped == (
        DroppedField("vehicle-1", "wheel-tires", "too many tires"),
    )


def test_a_vehicle_error_delivery_reads_at_most_64_errors(parse: Parse) -> None:
    document = {
        "eventType": "VEHICLE_ERROR",
        "data": {
            "vehicle": {"id": "vehicle-1"},
            "errors": [{"type": "SERVER"}] * (MAX_ERRORS_PER_DELIVERY + 1),
        },
    }
    delivery = parse(document)
    assert isinstance(delivery, ErrorDelivery)
    assert len(delivery.errors) == MAX_ERRORS_PER_DELIVERY


def test_a_vehicle_error_reads_at_most_128_signals(parse: Parse) -> None:
    signals = [f"Group.Signal{i}" for i in range(MAX_SIGNALS_PER_ERROR + 1)]
    document = {
        "eventType": "VEHICLE_ERROR",
        "data": {
            "vehicle": {"id": "vehicle-1"},
            "errors": [{"type": "COMPATIBILITY", "signals": signals}],
        },
    }
    delivery = parse(document)
    assert isinstance(delivery, ErrorDelivery)
    (error,) = delivery.errors
    assert len(error.signals) == MAX_SIGNALS_PER_ERROR


def _largest(make: Callable[[int], Any], wrap: Callable[[list[Any]], Any]) -> str:
    """The largest `wrap([make(0), ...])` within the webhook's 1 MiB."""
    count = 1
    while len(json.dumps(wrap([make(i) for i in range(count * 2)]))) <= MAX_BODY_BYTES:
        count *= 2
    return json.dumps(wrap([make(i) for i in range(count)]))


@pytest.mark.parametrize(
    ("body", "most_readings"),
    [
        (
            _largest(_vehicle, _v2),
            MAX_VEHICLES_PER_DELIVERY,
        ),
        (
            _largest(lambda _: ODOMETER, lambda items: _v2([_vehicle(1, items)])),
            MAX_ITEMS_PER_VEHICLE,
        ),
        (_largest(lambda i: _battery(i % 100), _v4), MAX_SIGNALS_PER_DELIVERY),
    ],
    ids=["many-vehicles", "many-items", "many-signals"],
)
def test_a_1_mib_body_gives_bounded_readings(
    body: str, most_readings: int, parse: Parse
) -> None:
    assert len(body) > MAX_BODY_BYTES // 2
    delivery = parse(body)
    assert isinstance(delivery, DataDelivery)
    readings = [r for report in delivery.vehicles for r in report.readings]
    assert len(readings) == most_readings
    assert len(delivery.dropped) == 1
    assert {r.field for r in readings} <= {Field.ODOMETER, Field.BATTERY_LEVEL}
