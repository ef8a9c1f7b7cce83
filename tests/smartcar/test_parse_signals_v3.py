"""A v3 `GET /vehicles/{id}/signals` answer reads like a 4.0 delivery's signals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar import (
    Field,
    FieldError,
    InvalidDeliveryError,
    VehicleInfo,
    parse_signals,
)
from tests.smartcar.helpers import field_values

VEHICLE = "a1d50709-0000-4faa-ba43-a5c7565e6a09"
NOW = datetime(2026, 9, 22, 13, 0, tzinfo=UTC)
RECORDED = datetime(2026, 9, 22, 12, 34, 51, tzinfo=UTC)


def item(code: str, body: dict[str, Any] | None, status: Any = None) -> dict[str, Any]:
    """One signal of the answer, shaped as v3 sends it."""
    group, name = code.split("-")
    attributes: dict[str, Any] = {
        "code": code,
        "name": name,
        "group": group,
        "status": status or {"value": "SUCCESS"},
    }
    if body is not None:
        attributes["body"] = body
    return {
        "id": code,
        "type": "signal",
        "attributes": attributes,
        "meta": {
            "ingestedAt": "2026-09-22T12:43:14.379Z",
            "retrievedAt": "2026-09-22T12:41:16.476Z",
            "oemUpdatedAt": "2026-09-22T12:34:51.000Z",
        },
        "links": {
            "self": f"https://vehicle.api.smartcar.com/v3/vehicles/x/signals/{code}"
        },
    }


def answer(
    *items: dict[str, Any], vehicle: dict[str, Any] | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "data": list(items),
        "meta": {"totalCount": len(items), "pageSize": 25, "pageNumber": 1},
    }
    if vehicle is not None:
        document["included"] = {"vehicle": vehicle}
    return document


def test_signals_are_read_with_the_cars_time() -> None:
    document = answer(
        item("tractionbattery-stateofcharge", {"value": 42, "unit": "percent"}),
        item("charge-detailedchargingstatus", {"value": "NOT_CHARGING"}),
        item("closure-enginecover", {"isOpen": False}),
        vehicle={"id": VEHICLE, "make": "VOLKSWAGEN", "model": "ID.4", "year": 2021},
    )

    delivery = parse_signals(document, received_at=NOW)

    (report,) = delivery.vehicles
    assert report.vehicle == VehicleInfo(VEHICLE, "VOLKSWAGEN", "ID.4", 2021)
    values = field_values(delivery)
    assert values[Field.BATTERY_LEVEL] == 42
    assert values[Field.CHARGING] is False  # derived, as for a 4.0 delivery
    assert {reading.recorded_at for reading in report.readings} == {RECORDED}
    assert delivery.dropped == ()


def test_a_signal_in_error_is_a_field_error() -> None:
    status = {
        "value": "ERROR",
        "error": {
            "type": "VEHICLE_STATE",
            "code": "NOT_CHARGING",
            "title": "Not Charging",
            "resolution": {"type": "UNKNOWN_RESOLUTION_TYPE"},
        },
    }
    document = answer(item("charge-wattage", {"value": None, "unit": "watt"}, status))

    (report,) = parse_signals(document, received_at=NOW, vehicle_id=VEHICLE).vehicles

    (reading,) = report.readings
    assert reading.error == FieldError(
        "VEHICLE_STATE", "NOT_CHARGING", "UNKNOWN_RESOLUTION_TYPE"
    )
    assert reading.value is None


def test_the_vehicle_may_come_as_a_resource_with_attributes() -> None:
    vehicle = {"id": VEHICLE, "type": "vehicle", "attributes": {"make": "KIA"}}
    delivery = parse_signals(answer(vehicle=vehicle), received_at=NOW)
    assert delivery.vehicles[0].vehicle == VehicleInfo(VEHICLE, "KIA")


def test_without_included_vehicle_the_asked_one_is_used() -> None:
    delivery = parse_signals(answer(), received_at=NOW, vehicle_id=VEHICLE)
    assert delivery.vehicles[0].vehicle == VehicleInfo(VEHICLE)


def test_epoch_millisecond_times_are_read_too() -> None:
    signal = item("odometer-traveleddistance", {"value": 62041, "unit": "km"})
    signal["meta"] = {"oemUpdatedAt": int(RECORDED.timestamp() * 1000)}
    (report,) = parse_signals(
        answer(signal), received_at=NOW, vehicle_id=VEHICLE
    ).vehicles
    assert report.readings[0].recorded_at == RECORDED


def test_a_signal_without_attributes_is_dropped() -> None:
    delivery = parse_signals(
        answer({"id": "x", "type": "signal"}), received_at=NOW, vehicle_id=VEHICLE
    )
    assert delivery.vehicles[0].readings == ()
    assert [dropped.reason for dropped in delivery.dropped] == ["not a signal"]


@pytest.mark.parametrize(
    ("document", "vehicle_id"),
    [
        ([], VEHICLE),
        ({"data": {}}, VEHICLE),
        ({"data": []}, None),
        ({"data": []}, "not a clean id\n"),
    ],
    ids=["not-an-object", "data-not-a-list", "no-vehicle", "unclean-vehicle-id"],
)
def test_an_answer_of_another_shape_is_refused(
    document: Any, vehicle_id: str | None
) -> None:
    with pytest.raises(InvalidDeliveryError):
        parse_signals(document, received_at=NOW, vehicle_id=vehicle_id)
