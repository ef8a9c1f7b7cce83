"""Deliveries look like Smartcar's and carry the car's state."""

from __future__ import annotations

from datetime import UTC, datetime
import json
import random
from typing import Any

from smartcar_simulator import ManualClock, PayloadFactory, make_fleet
from smartcar_simulator.payloads import SIGNALS, SignalError

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def factory(clock: ManualClock | None = None) -> PayloadFactory:
    return PayloadFactory(
        webhook_id="webhook-1",
        user_id="user-1",
        clock=clock or ManualClock(START),
        rng=random.Random(1),  # noqa: S311,
    )


def signals(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {signal["code"]: signal for signal in document["data"]["signals"]}


def test_vehicle_state_carries_every_signal_of_the_car() -> None:
    car = make_fleet(1)[0]
    document = json.loads(factory().vehicle_state(car).body)
    assert document["eventType"] == "VEHICLE_STATE"
    assert set(signals(document)) == set(SIGNALS)
    assert document["data"]["vehicle"] == {
        "id": car.vehicle_id,
        "make": car.make,
        "model": car.model,
        "year": car.year,
    }
    soc = signals(document)["tractionbattery-stateofcharge"]
    assert soc["body"] == {"value": round(car.soc, 1), "unit": "percent"}
    assert soc["status"] == {"value": "SUCCESS"}


def test_vehicle_state_meta_names_the_webhook_and_live_mode() -> None:
    document = json.loads(factory().vehicle_state(make_fleet(1)[0]).body)
    meta = document["meta"]
    assert meta["webhookId"] == "webhook-1"
    assert meta["mode"] == "LIVE"
    assert meta["version"] == "4.0"
    assert meta["signalCount"] == len(SIGNALS)


def test_a_failing_signal_has_an_error_and_no_body_or_time() -> None:
    car = make_fleet(1)[0]
    delivery = factory().vehicle_state(
        car, errors={"tractionbattery-range": SignalError()}
    )
    signal = signals(json.loads(delivery.body))["tractionbattery-range"]
    assert signal["status"] == {
        "value": "ERROR",
        "error": {"type": "VEHICLE_STATE", "code": "UNREACHABLE"},
    }
    assert "body" not in signal
    assert "meta" not in signal


def test_a_test_delivery_says_test_mode() -> None:
    delivery = factory().vehicle_state(make_fleet(1)[0], test_mode=True)
    assert delivery.test_mode
    assert json.loads(delivery.body)["meta"]["mode"] == "TEST"


def test_dynamic_reports_battery_as_a_fraction() -> None:
    car = make_fleet(1)[0]
    document = json.loads(factory().dynamic(car).body)
    assert document["version"] == "2.0"
    assert document["eventName"] == "dynamic"
    (vehicle,) = document["payload"]["vehicles"]
    battery = next(item for item in vehicle["data"] if item["path"] == "/battery")
    assert battery["code"] == 200
    assert battery["body"]["percentRemaining"] == round(car.soc / 100, 4)
    assert "sc-data-age" in battery["headers"]


def test_dynamic_reports_a_failed_path_with_an_error_body() -> None:
    document = json.loads(
        factory().dynamic(make_fleet(1)[0], errors={"/battery": SignalError()}).body
    )
    (vehicle,) = document["payload"]["vehicles"]
    battery = next(item for item in vehicle["data"] if item["path"] == "/battery")
    assert battery["code"] == 409
    assert battery["body"]["resolution"] == {"type": "RETRY_LATER"}


def test_event_based_names_the_charging_event() -> None:
    car = make_fleet(1)[0]
    document = json.loads(factory().event_based(car, "CHARGING_STARTED").body)
    assert document["eventName"] == "eventBased"
    assert document["payload"]["eventType"] == "CHARGING_STARTED"
    assert document["payload"]["vehicleId"] == car.vehicle_id


def test_vehicle_error_lists_the_error_and_its_state() -> None:
    car = make_fleet(1)[0]
    delivery = factory().vehicle_error(
        car, SignalError(), signals=("connectivitystatus-isonline",), resolved=True
    )
    (error,) = json.loads(delivery.body)["data"]["errors"]
    assert error["state"] == "RESOLVED"
    assert error["signals"][0]["code"] == "connectivitystatus-isonline"


def test_verify_bodies_of_both_versions() -> None:
    four = json.loads(factory().verify("4.0", "c1").body)
    two = json.loads(factory().verify("2.0", "c2").body)
    assert four["eventType"] == "VERIFY"
    assert four["data"] == {"challenge": "c1"}
    assert four["meta"]["webhookId"] == "webhook-1"
    assert two["eventName"] == "verify"
    assert two["payload"] == {"challenge": "c2"}


def test_times_never_repeat_or_go_back() -> None:
    clock = ManualClock(START)
    payloads = factory(clock)
    car = make_fleet(1)[0]
    first = json.loads(payloads.vehicle_state(car).body)["meta"]["deliveredAt"]
    second = json.loads(payloads.vehicle_state(car).body)["meta"]["deliveredAt"]
    assert second > first


def test_every_delivery_has_its_own_id() -> None:
    payloads, car = factory(), make_fleet(1)[0]
    ids = {payloads.vehicle_state(car).delivery_id for _ in range(5)}
    assert len(ids) == 5
