"""Scenarios: what the cars do and which deliveries that makes."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from smartcar_simulator import (
    Delivery,
    DeliveryFormat,
    ManualClock,
    PayloadFactory,
    Player,
    build_scenario,
    make_fleet,
)
from smartcar_simulator.cars import Car
from smartcar_simulator.scenario import Context, StepResult


def player(
    clock: ManualClock,
    name: str = "commute",
    *,
    fmt: DeliveryFormat = DeliveryFormat.V4,
    cars: int = 1,
    repeat: bool = False,
    receives: Any = None,
) -> tuple[Player, list[Delivery]]:
    sent: list[Delivery] = []

    async def send(delivery: Delivery) -> int:
        sent.append(delivery)
        return 200

    factory = PayloadFactory(
        webhook_id="w",
        user_id="u",
        clock=clock,
        rng=random.Random(1),  # noqa: S311
    )
    ctx = Context(make_fleet(cars), factory, fmt)
    if receives is not None:
        ctx.receives = receives
    steps = build_scenario(name, repeat=repeat)
    return Player(steps, ctx, send, clock, repeat=repeat), sent


async def play_all(p: Player) -> list[StepResult]:
    results = []
    while (result := await p.play_next()) is not None:
        results.append(result)
    return results


def soc_of(delivery: Delivery) -> float:
    document = json.loads(delivery.body)
    return float(
        next(
            s["body"]["value"]
            for s in document["data"]["signals"]
            if s["code"] == "tractionbattery-stateofcharge"
        )
    )


async def test_the_commute_starts_with_a_first_delivery(clock: ManualClock) -> None:
    p, sent = player(clock)
    result = await p.play_next()
    assert result is not None
    assert result.step.name == "parked at work"
    assert json.loads(sent[0].body)["triggers"] == [{"code": "FIRST_DELIVERY"}]


async def test_driving_moves_the_car_home(clock: ManualClock) -> None:
    p, _sent = player(clock, "drive")
    results = await play_all(p)
    positions = [(r.cars[0]["latitude"], r.cars[0]["longitude"]) for r in results]
    assert len(set(positions)) > 10
    car = p.ctx.cars[0]
    assert car.position == car.home
    assert results[-1].step.name == "arrived home"
    assert car.locked


async def test_charging_goes_from_20_to_80_percent(clock: ManualClock) -> None:
    p, sent = player(clock)
    results = await play_all(p)
    socs = [soc_of(d) for d in sent if d.kind == "VEHICLE_STATE" and not d.test_mode]
    plugged = next(r for r in results if r.step.name == "plugged in")
    assert 19 <= plugged.cars[0]["soc"] <= 21
    assert max(socs) == 80.0
    assert p.ctx.cars[0].charge_state.value == "NOT_CHARGING"  # unplugged at the end
    assert results[-1].step.name == "unplugged"


async def test_the_charge_completes_with_an_event_in_2_0(clock: ManualClock) -> None:
    p, sent = player(clock, "charge", fmt=DeliveryFormat.V2)
    p.ctx.cars[0].soc = 70.0
    await play_all(p)
    events = [
        json.loads(d.body)["payload"]["eventType"]
        for d in sent
        if d.kind == "eventBased"
    ]
    assert events == ["CHARGING_STARTED", "CHARGING_COMPLETED"]


async def test_power_and_energy_rise_while_charging(clock: ManualClock) -> None:
    p, _sent = player(clock, "charge")
    results = await play_all(p)
    charging = [r.cars[0] for r in results if r.step.name.startswith("charging")]
    powers = [c["charge_power_w"] for c in charging[:3]]
    energies = [c["energy_added_kwh"] for c in charging[:-1]]
    assert powers == sorted(powers) and powers[0] < powers[-1]
    assert energies == sorted(energies)


async def test_a_duplicate_resends_the_same_bodies(clock: ManualClock) -> None:
    p, _sent = player(clock, fmt=DeliveryFormat.BOTH)
    results = await play_all(p)
    index = next(
        i for i, r in enumerate(results) if r.step.name == "duplicate delivery"
    )
    assert not results[index].step.changes_state
    assert [d.body for d, _ in results[index].sent] == [
        d.body for d, _ in results[index - 1].sent
    ]


async def test_a_lost_delivery_comes_late_and_older(clock: ManualClock) -> None:
    p, _sent = player(clock)
    results = await play_all(p)
    names = [r.step.name for r in results]
    lost = results[names.index("charging (first attempt lost)")]
    retry = results[names.index("late retry of the lost delivery")]
    newer = results[names.index("late retry of the lost delivery") - 1]
    assert lost.sent == []
    assert retry.sent and not retry.step.changes_state
    assert soc_of(retry.sent[0][0]) < soc_of(newer.sent[0][0])


async def test_a_test_delivery_changes_nothing_and_says_so(clock: ManualClock) -> None:
    p, _sent = player(clock)
    results = await play_all(p)
    test = next(r for r in results if r.step.name == "TEST delivery")
    assert not test.step.changes_state
    assert all(d.test_mode for d, _ in test.sent)


async def test_vehicle_errors_exist_only_in_4_0(clock: ManualClock) -> None:
    p, sent = player(clock, "quirks", fmt=DeliveryFormat.V2)
    await play_all(p)
    assert all(d.version == "2.0" for d in sent)
    p, sent = player(clock, "quirks")
    await play_all(p)
    assert [d.kind for d in sent].count("VEHICLE_ERROR") == 2


async def test_both_formats_send_one_of_each(clock: ManualClock) -> None:
    p, sent = player(clock, fmt=DeliveryFormat.BOTH)
    await p.play_next()
    assert [d.kind for d in sent] == ["VEHICLE_STATE", "dynamic"]


async def test_unsubscribed_cars_move_but_send_nothing(clock: ManualClock) -> None:
    def only_first(car: Car) -> bool:
        return car is p.ctx.cars[0]

    p, sent = player(clock, "drive", cars=2, receives=only_first)
    await play_all(p)
    assert {d.vehicle_id for d in sent} == {p.ctx.cars[0].vehicle_id}
    assert p.ctx.cars[1].position == p.ctx.cars[1].home


async def test_run_waits_in_scenario_time_without_sleeping(clock: ManualClock) -> None:
    p, _sent = player(clock, "drive")
    start = clock.now()
    await p.run()
    total = sum(step.wait for step in p.steps)
    assert clock.slept == [step.wait for step in p.steps]
    assert (clock.now() - start).total_seconds() == pytest.approx(total / clock.speed)


async def test_a_repeating_scenario_starts_over(clock: ManualClock) -> None:
    p, _sent = player(clock, "drive", repeat=True)
    for _ in range(len(p.steps) + 2):
        await p.play_next()
    assert not p.finished
    assert p.index == 3


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError):
        build_scenario("moon landing")
