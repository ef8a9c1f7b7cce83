"""Simulated cars: identity, driving and charging."""

from __future__ import annotations

import re
import uuid

import pytest

from smartcar_simulator import ChargeState, make_fleet
from smartcar_simulator.cars import HOME, WORK, distance_km, point_along


def test_the_same_seed_gives_the_same_cars() -> None:
    assert [c.vehicle_id for c in make_fleet(3, 7)] == [
        c.vehicle_id for c in make_fleet(3, 7)
    ]


def test_another_seed_gives_other_cars() -> None:
    assert make_fleet(1, 1)[0].vehicle_id != make_fleet(1, 2)[0].vehicle_id


def test_ids_are_uuid4_and_vins_are_valid() -> None:
    for car in make_fleet(5):
        assert uuid.UUID(car.vehicle_id).version == 4
        assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", car.vin)


def test_a_fleet_needs_a_car() -> None:
    with pytest.raises(ValueError):
        make_fleet(0)


def test_cars_start_at_work_and_drive_home() -> None:
    car = make_fleet(1)[0]
    assert car.position == WORK
    assert point_along(car.route_home, 1.0)[0] == HOME
    assert point_along(car.route_home, 0.0)[0] == WORK


def test_driving_adds_distance_and_uses_battery() -> None:
    car = make_fleet(1)[0]
    odometer, soc = car.odometer_km, car.soc
    point, heading = point_along(car.route_home, 0.5)
    car.move_to(point, heading)
    assert car.odometer_km == pytest.approx(odometer + distance_km(WORK, point))
    assert car.soc < soc
    assert car.moving
    assert not car.locked


def test_charging_needs_the_cable() -> None:
    car = make_fleet(1)[0]
    assert not car.start_charging()
    car.plug_in()
    assert car.start_charging()
    assert car.charge_state is ChargeState.CHARGING


def test_power_ramps_up_and_energy_rises() -> None:
    car = make_fleet(1)[0]
    car.plug_in()
    car.start_charging()
    powers, energies = [], []
    for _ in range(4):
        car.charge_for(600)
        powers.append(car.charge_power_w)
        energies.append(car.energy_added_kwh)
    assert powers[:3] == sorted(powers[:3])
    assert powers[0] < powers[2] == car.spec.max_charge_w
    assert energies == sorted(energies)
    assert energies[0] > 0


def test_charging_stops_at_the_limit() -> None:
    car = make_fleet(1)[0]
    car.plug_in()
    car.start_charging()
    while not car.charge_for(900):
        pass
    assert car.soc == car.charge_limit
    assert car.charge_state is ChargeState.FULLY_CHARGED
    assert car.charge_power_w == 0
    assert not car.start_charging()


def test_unplugging_stops_charging() -> None:
    car = make_fleet(1)[0]
    car.plug_in()
    car.start_charging()
    car.unplug()
    assert not car.plugged_in
    assert car.charge_state is ChargeState.NOT_CHARGING
