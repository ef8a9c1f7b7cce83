"""Helpers shared by the parser tests: reach into a parsed delivery."""

from __future__ import annotations

import json
from typing import Any

from custom_components.smartcar_webhooks.smartcar import (
    DataDelivery,
    Delivery,
    Field,
    Reading,
    Value,
    VehicleReport,
)

RAW = "__RAW_JSON__"  # placeholder swapped for raw JSON text (NaN, 1e400, ...)


def with_raw(document: dict[str, Any], raw: str) -> str:
    """The document as JSON text with the RAW placeholder replaced by `raw`."""
    text = json.dumps(document)
    assert text.count(f'"{RAW}"') == 1
    return text.replace(f'"{RAW}"', raw)


def data_delivery(delivery: Delivery) -> DataDelivery:
    """The delivery, checked to be a data delivery."""
    assert isinstance(delivery, DataDelivery)
    return delivery


def only_report(delivery: Delivery) -> VehicleReport:
    """The one vehicle report of a data delivery."""
    (report,) = data_delivery(delivery).vehicles
    return report


def readings_by_field(delivery: Delivery) -> dict[Field, Reading]:
    """The readings of the one vehicle, by field; no field twice."""
    readings = only_report(delivery).readings
    result = {reading.field: reading for reading in readings}
    assert len(result) == len(readings), "a field was reported twice"
    return result


def field_values(delivery: Delivery) -> dict[Field, Value | None]:
    """The values of the one vehicle, by field."""
    return {
        field: reading.value for field, reading in readings_by_field(delivery).items()
    }
