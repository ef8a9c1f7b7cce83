"""Signed-delivery bodies of real shape for tests of events and automations."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import load_fixture

V1 = "d329211c-3829-4685-9f7e-b1216460d4a3"  # v2 fixtures
V4 = "9df3e999-f80f-4893-9c42-d3e9f351e174"  # v4 fixtures
T0 = datetime(2025, 12, 14, 8, 0, tzinfo=UTC)
PLUGGED = "charge-ischargingcableconnected"
CHARGING = "charge-ischarging"
STATUS = "charge-detailedchargingstatus"
SOC = "tractionbattery-stateofcharge"
LOCATION = "location-preciselocation"


def _ms(minutes: float) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)


def v4_state(
    number: int,
    minutes: float,
    *,
    plugged: bool = True,
    charging: bool = False,
    status: str = "NOT_CHARGING",
    soc: float = 67,
    mode: str = "LIVE",
    location: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A 4.0 VEHICLE_STATE of the fixture's car, recorded `minutes` after T0."""
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    document["eventId"] = f"event-{number}"
    document["meta"]["deliveryId"] = f"delivery-{number}"
    document["meta"]["deliveredAt"] = _ms(minutes + 1)
    document["meta"]["mode"] = mode
    for code, value in (
        (PLUGGED, plugged),
        (CHARGING, charging),
        (STATUS, status),
        (SOC, soc),
    ):
        signal = next(s for s in document["data"]["signals"] if s["code"] == code)
        signal["body"]["value"] = value
        signal["meta"]["oemUpdatedAt"] = _ms(minutes)
    if location is not None:
        signal = next(s for s in document["data"]["signals"] if s["code"] == LOCATION)
        signal["body"]["latitude"], signal["body"]["longitude"] = location
        signal["meta"]["oemUpdatedAt"] = _ms(minutes)
    return document


def v2_charge(
    request_id: str, minutes: float, state: str, *, plugged: bool = True
) -> dict[str, Any]:
    """A 2.0 dynamic delivery of the first fixture car's /charge and /battery."""
    document = copy.deepcopy(load_fixture("v2_dynamic.json"))
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    document["payload"]["vehicles"] = [
        {
            "vehicleId": V1,
            "requestId": request_id,
            "data": [
                {
                    "path": "/battery",
                    "code": 200,
                    "body": {"range": 300.0, "percentRemaining": 0.55},
                    "headers": {"sc-data-age": at},
                },
                {
                    "path": "/charge",
                    "code": 200,
                    "body": {"isPluggedIn": plugged, "state": state},
                    "headers": {"sc-data-age": at},
                },
            ],
        }
    ]
    return document


def v2_event(event_id: str, minutes: float, event_type: str) -> dict[str, Any]:
    """A 2.0 eventBased delivery of the first fixture car, `minutes` after T0."""
    document = copy.deepcopy(load_fixture("v2_event_based.json"))
    document["payload"]["eventId"] = event_id
    document["payload"]["eventType"] = event_type
    document["payload"]["eventTime"] = (T0 + timedelta(minutes=minutes)).isoformat()
    return document
