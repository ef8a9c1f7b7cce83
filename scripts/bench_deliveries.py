"""Time the webhook's per-delivery work on the project's fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
import timeit

from custom_components.smartcar_webhooks.smartcar import (
    DataDelivery,
    parse_delivery,
    sign_body,
    verify_signature,
)
from custom_components.smartcar_webhooks.store import VehicleStore

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures"
TOKEN = "bench-token"
RUNS = 2000


def bench(name: str) -> None:
    """Print microseconds per delivery for one fixture."""
    body = (FIXTURES / name).read_bytes()
    signature = sign_body(TOKEN, body)
    received_at = datetime.now(UTC)
    store = VehicleStore()

    def baseline() -> None:
        json.loads(body)

    def delivery() -> None:
        assert verify_signature(TOKEN, body, signature)
        parsed = parse_delivery(body, received_at=received_at)
        assert isinstance(parsed, DataDelivery)
        for vehicle in parsed.vehicles:
            state, _new = store.vehicle(vehicle.vehicle)
            state.merge(vehicle.readings)

    base = min(timeit.repeat(baseline, number=RUNS, repeat=5)) / RUNS * 1e6
    full = min(timeit.repeat(delivery, number=RUNS, repeat=5)) / RUNS * 1e6
    print(
        f"{name:28} {len(body):6d} B  json.loads {base:7.1f} µs  "
        f"verify+parse+merge {full:7.1f} µs  ({full / base:4.1f}x)"
    )


if __name__ == "__main__":
    for fixture in ("v2_dynamic.json", "v4_vehicle_state.json"):
        bench(fixture)
