"""Thousands of signed deliveries for 100 vehicles at once: all 2xx, no lost update.

The deliveries are posted through Home Assistant's HTTP stack, many at a time,
in shuffled order, some twice in a row and some again at the end (Smartcar's
retries). Each carries its own car time; whatever the arrival order, every
vehicle ends with, field by field, the values of its newest delivery, as
computed here independently of the integration. Latencies are printed, never
asserted.

`CONCURRENCY_DELIVERIES=20000 scripts/test tests/components/test_concurrency.py -s`
posts more than the default 2,000.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
import os
import random
import statistics
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.const import DOMAIN
from custom_components.smartcar_webhooks.smartcar import Field, Location, sign_body
from custom_components.smartcar_webhooks.vehicle import RECENT_DELIVERIES
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID

DELIVERIES = int(os.environ.get("CONCURRENCY_DELIVERIES", "2000"))
VEHICLES = 100
IN_FLIGHT = 32  # requests posted at once
RESENT = 0.1  # share sent twice in a row
RETRIED_LATE = 0.1  # share sent again after all others
# Car times within 30 minutes: Smartcar retries for minutes, and a delivery
# sent an hour before the newest of its vehicle would count as a stale replay.
START = datetime(2025, 12, 14, 8, 0, tzinfo=UTC)
SPAN = timedelta(minutes=30)


@dataclass(frozen=True)
class Delivery:
    """One delivery: what it says, and when the car recorded it."""

    vehicle: str
    event_id: str
    recorded: datetime
    battery: int
    range_km: int
    odometer: float
    location: tuple[float, float]
    legacy: bool  # a 2.0 dynamic delivery (else 4.0 VEHICLE_STATE)

    def body(self) -> bytes:
        """The signed body, as Smartcar would send it."""
        return json.dumps(self._v2() if self.legacy else self._v4()).encode()

    def _v4(self) -> dict[str, Any]:
        at = int(self.recorded.timestamp() * 1000)

        def signal(code: str, body: dict[str, Any]) -> dict[str, Any]:
            return {
                "code": code,
                "body": body,
                "meta": {"oemUpdatedAt": at, "retrievedAt": at + 5_000},
                "status": {"value": "SUCCESS"},
            }

        latitude, longitude = self.location
        return {
            "eventId": self.event_id,
            "eventType": "VEHICLE_STATE",
            "data": {
                "vehicle": {"id": self.vehicle, "make": "KIA", "model": "EV6"},
                "signals": [
                    signal(
                        "tractionbattery-stateofcharge",
                        {"value": self.battery, "unit": "percent"},
                    ),
                    signal(
                        "tractionbattery-range", {"value": self.range_km, "unit": "km"}
                    ),
                    signal(
                        "odometer-traveleddistance",
                        {"value": self.odometer, "unit": "km"},
                    ),
                    signal(
                        "location-preciselocation",
                        {"latitude": latitude, "longitude": longitude},
                    ),
                ],
            },
            "meta": {
                "deliveryId": f"d-{self.event_id}",
                "deliveredAt": at + 60_000,
                "version": "4.0",
                "mode": "LIVE",
            },
        }

    def _v2(self) -> dict[str, Any]:
        headers = {"sc-data-age": self.recorded.isoformat().replace("+00:00", "Z")}
        latitude, longitude = self.location
        return {
            "version": "2.0",
            "eventName": "dynamic",
            "mode": "live",
            "payload": {
                "vehicles": [
                    {
                        "vehicleId": self.vehicle,
                        "requestId": self.event_id,
                        "data": [
                            {
                                "path": "/battery",
                                "code": 200,
                                "body": {
                                    "percentRemaining": self.battery / 100,
                                    "range": self.range_km,
                                },
                                "headers": headers,
                            },
                            {
                                "path": "/odometer",
                                "code": 200,
                                "body": {"distance": self.odometer},
                                "headers": headers,
                            },
                            {
                                "path": "/location",
                                "code": 200,
                                "body": {"latitude": latitude, "longitude": longitude},
                                "headers": headers,
                            },
                        ],
                    }
                ]
            },
        }


def make_deliveries(rng: random.Random) -> list[Delivery]:
    """DELIVERIES distinct deliveries; per vehicle, each at its own car time."""
    vehicles = [f"{i:08x}-c0c0-4c0c-8c0c-{i:012x}" for i in range(VEHICLES)]
    per_vehicle = max(1, DELIVERIES // VEHICLES)
    step = SPAN / per_vehicle
    return [
        Delivery(
            vehicle=vehicle,
            event_id=f"{vehicle[:8]}-{n}",
            recorded=START + n * step,
            battery=rng.randint(0, 100),
            range_km=rng.randint(0, 600),
            odometer=round(rng.uniform(0, 300_000), 1),
            location=(round(rng.uniform(-90, 90), 5), round(rng.uniform(-180, 180), 5)),
            legacy=rng.random() < 0.25,
        )
        for vehicle in vehicles
        for n in range(per_vehicle)
    ]


def arrival_order(rng: random.Random, deliveries: list[Delivery]) -> list[Delivery]:
    """Shuffled, some sent twice in a row, some sent again after all the others."""
    order: list[Delivery] = []
    for delivery in rng.sample(deliveries, len(deliveries)):
        order.append(delivery)
        if rng.random() < RESENT:
            order.append(delivery)
    late = rng.sample(deliveries, int(len(deliveries) * RETRIED_LATE))
    return order + late


def newest(deliveries: list[Delivery]) -> dict[str, Delivery]:
    """Per vehicle, the delivery with the newest car time: what must be shown."""
    result: dict[str, Delivery] = {}
    for delivery in deliveries:
        known = result.get(delivery.vehicle)
        if known is None or delivery.recorded > known.recorded:
            result[delivery.vehicle] = delivery
    return result


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def test_concurrent_deliveries_lose_no_update(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    deliveries = make_deliveries(rng)
    order = arrival_order(rng, deliveries)
    client = await hass_client_no_auth()
    gate = asyncio.Semaphore(IN_FLIGHT)
    latencies: list[float] = []
    answers: dict[str, list[str]] = {}
    statuses: list[int] = []
    # asyncio's debug mode records a traceback for every task and callback; it
    # would dominate the latencies measured here.
    loop = asyncio.get_running_loop()
    loop.set_debug(False)

    async def post(delivery: Delivery) -> None:
        body = delivery.body()
        headers = {"SC-Signature": sign_body(MANAGEMENT_TOKEN, body)}
        async with gate:
            started = time.perf_counter()
            response = await client.post(
                f"/api/webhook/{WEBHOOK_ID}", data=body, headers=headers
            )
            answer = await response.json()
            latencies.append(time.perf_counter() - started)
        statuses.append(response.status)
        answers.setdefault(delivery.event_id, []).append(answer["status"])

    started = time.perf_counter()
    # Sent in two waves: the late retries only after every other delivery.
    first_wave = len(order) - int(len(deliveries) * RETRIED_LATE)
    await asyncio.gather(*(post(delivery) for delivery in order[:first_wave]))
    await asyncio.gather(*(post(delivery) for delivery in order[first_wave:]))
    await hass.async_block_till_done()
    elapsed = time.perf_counter() - started
    loop.set_debug(True)

    assert set(statuses) == {200}
    # Every delivery is applied once; a repeat is a duplicate. (Answers of one
    # delivery sent twice at once may come back in either order.)
    assert set(answers) == {delivery.event_id for delivery in deliveries}
    assert {word for words in answers.values() for word in words} <= {"ok", "duplicate"}
    if len(deliveries) // VEHICLES <= RECENT_DELIVERIES:  # every id remembered
        assert {words.count("ok") for words in answers.values()} == {1}
    else:  # a repeat the vehicle no longer remembers is applied again, changing nothing
        assert all("ok" in words for words in answers.values())
    store = setup_entry.runtime_data.store
    registry = er.async_get(hass)
    for vehicle_id, expected in newest(deliveries).items():
        vehicle = store.vehicles[vehicle_id]
        assert vehicle.value(Field.BATTERY_LEVEL) == expected.battery
        assert vehicle.value(Field.RANGE) == expected.range_km
        assert vehicle.value(Field.ODOMETER) == expected.odometer
        location = vehicle.value(Field.LOCATION)
        assert isinstance(location, Location)
        assert (location.latitude, location.longitude) == expected.location

        def state(platform: str, key: str, vehicle_id: str = vehicle_id) -> Any:
            entity_id = registry.async_get_entity_id(
                platform, DOMAIN, f"{vehicle_id}_{key}"
            )
            assert entity_id is not None
            return hass.states.get(entity_id)

        assert float(state("sensor", "battery_level").state) == expected.battery
        assert float(state("sensor", "range").state) == expected.range_km
        assert float(state("sensor", "odometer").state) == expected.odometer
        tracker = state("device_tracker", "location")
        assert (
            tracker.attributes["latitude"],
            tracker.attributes["longitude"],
        ) == expected.location

    load = os.getloadavg()[0]
    print(  # noqa: T201
        f"\n{len(order)} requests ({len(deliveries)} deliveries, "
        f"{len(order) - len(deliveries)} repeats) for {VEHICLES} vehicles, "
        f"{IN_FLIGHT} in flight: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
        f"{len(order) / elapsed:.0f} requests/s; load average {load:.2f}"
    )
