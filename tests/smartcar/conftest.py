"""Fixtures of the Smartcar library tests: fixture files, a fixed clock, a parser."""

from __future__ import annotations

from collections.abc import Callable
import copy
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar import (
    Delivery,
    Field,
    Unit,
    parse_delivery,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="session")
def received_at() -> datetime:
    """The fixed time every test delivery arrives at (all fixture times are before it)."""
    return datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def fixture_text() -> Callable[[str], str]:
    """Return a loader of a fixture file's text."""

    def load(name: str) -> str:
        return (FIXTURES / name).read_text(encoding="utf-8")

    return load


@pytest.fixture(scope="session")
def fixture_json(fixture_text: Callable[[str], str]) -> Callable[[str], Any]:
    """Return a loader of a JSON fixture; every call gets its own copy to mutate."""
    cache: dict[str, Any] = {}

    def load(name: str) -> Any:
        if name not in cache:
            cache[name] = json.loads(fixture_text(name))
        return copy.deepcopy(cache[name])

    return load


@pytest.fixture(scope="session")
def parse(received_at: datetime) -> Callable[[Any], Delivery]:
    """Return `parse_delivery` at the fixed clock; dicts and lists are JSON-encoded first."""

    def run(document: Any) -> Delivery:
        body = document if isinstance(document, str | bytes) else json.dumps(document)
        return parse_delivery(body, received_at=received_at)

    return run


@pytest.fixture(scope="session")
def native_units() -> dict[Field, Unit | None]:
    """The unit every field's value must be declared in (None: not a quantity)."""
    return {
        Field.BATTERY_LEVEL: Unit.PERCENT,
        Field.RANGE: Unit.KILOMETERS,
        Field.PLUGGED_IN: None,
        Field.CHARGING_STATE: None,
        Field.CHARGING: None,
        Field.LOCATION: None,
        Field.ODOMETER: Unit.KILOMETERS,
        Field.CHARGE_LIMIT: Unit.PERCENT,
        Field.BATTERY_CAPACITY: Unit.KILOWATT_HOURS,
        Field.FUEL_LEVEL: Unit.PERCENT,
        Field.FUEL_RANGE: Unit.KILOMETERS,
        Field.FUEL_AMOUNT: Unit.LITERS,
        Field.OIL_LIFE: Unit.PERCENT,
        Field.LOCKED: None,
        Field.TIRE_PRESSURE_FRONT_LEFT: Unit.KILOPASCAL,
        Field.TIRE_PRESSURE_FRONT_RIGHT: Unit.KILOPASCAL,
        Field.TIRE_PRESSURE_BACK_LEFT: Unit.KILOPASCAL,
        Field.TIRE_PRESSURE_BACK_RIGHT: Unit.KILOPASCAL,
        Field.CHARGING_POWER: Unit.WATT,
        Field.CHARGING_CURRENT: Unit.AMPERE,
        Field.CHARGING_VOLTAGE: Unit.VOLT,
        Field.ENERGY_ADDED: Unit.KILOWATT_HOURS,
        Field.TIME_TO_FULL: Unit.MINUTES,
        Field.CHARGE_RATE: Unit.KILOMETERS_PER_HOUR,
        Field.LOW_VOLTAGE_BATTERY: Unit.PERCENT,
        Field.CABIN_TEMPERATURE: Unit.CELSIUS,
        Field.OUTSIDE_TEMPERATURE: Unit.CELSIUS,
        Field.DOORS: None,
        Field.WINDOWS: None,
        Field.TRUNK: None,
        Field.FRUNK: None,
        Field.SUNROOF: None,
        Field.ONLINE: None,
        Field.ASLEEP: None,
        Field.FIRMWARE_VERSION: None,
    }
