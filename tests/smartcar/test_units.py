"""Plausible ranges: a value is read in the one unit it can be in, or dropped (issue 9.1)."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st
import pytest

from custom_components.smartcar_webhooks.smartcar import QUANTITIES, Quantity, Unit
from custom_components.smartcar_webhooks.smartcar.units import (
    CHARGE_RATE,
    DISTANCE,
    DURATION,
    ENERGY,
    PERCENT,
    POWER,
    TEMPERATURE,
    TIRE_PRESSURE,
    UnitError,
)

PSI_KPA = 6.894757293168361


@pytest.mark.parametrize("quantity", QUANTITIES, ids=lambda q: q.name)
def test_every_quantity_is_well_formed(quantity: Quantity) -> None:
    assert quantity.low < quantity.high
    assert quantity.unit is None or quantity.unit.value.lower() in quantity.units
    assert quantity.unlabelled
    assert set(quantity.unlabelled) <= set(quantity.units)
    assert set(quantity.alternatives) <= set(quantity.units)
    assert quantity.imperial is None or quantity.imperial in quantity.units
    assert all(spelling == spelling.lower() for spelling in quantity.units)


@pytest.mark.parametrize(
    ("quantity", "raw", "label", "expected"),
    [
        # The red team's car: "bar" on kPa values.
        (TIRE_PRESSURE, 258, "bar", 258),
        (TIRE_PRESSURE, 2.5, "bar", 250),
        (TIRE_PRESSURE, 2.5, "BAR", 250),
        (TIRE_PRESSURE, 36, "psi", 36 * PSI_KPA),
        (TIRE_PRESSURE, 250, "kPa", 250),
        # A labelled value plausible in its unit is taken as it is: a soft tire.
        (TIRE_PRESSURE, 50, "kPa", 50),
        (TIRE_PRESSURE, 250, None, 250),
        # 2.6 kPa is no tire pressure (issue 20): it is a bar value, labelled or not.
        (TIRE_PRESSURE, 2.6, "kPa", 260),
        (TIRE_PRESSURE, 2.6, None, 260),
        (TIRE_PRESSURE, 35, None, 35 * PSI_KPA),
        # A unitless fraction is a fraction; a unitless percentage a percentage.
        (PERCENT, 0.77, None, 77),
        (PERCENT, 42, None, 42),
        (PERCENT, 0, None, 0),
        (PERCENT, 0.77, "percent", 0.77),
        (PERCENT, 0.73, "fraction", 73),
        (ENERGY, 77.4, "kWh", 77.4),
        (ENERGY, 73.5, "kWhr", 73.5),
        (ENERGY, 82_000, "Wh", 82),
        (ENERGY, 77_400, "kWh", 77.4),
        (ENERGY, 77_400, None, 77.4),
        (POWER, 4683, "watts", 4683),
        (POWER, 11, "kW", 11_000),
        (POWER, 4683, "kW", 4683),
        (POWER, -350, "W", -350),
        (TEMPERATURE, 21.5, "celsius", 21.5),
        (TEMPERATURE, 68, "fahrenheit", 20),
        (TEMPERATURE, -40, "F", -40),
        (DURATION, 45, None, 45),
        (DURATION, 1.5, "hours", 90),
        (DISTANCE, 100, "miles", 160.9344),
        (CHARGE_RATE, 25, "miles_per_hour", 25 * 1.609344),
    ],
)
def test_value_is_read_in_the_one_plausible_unit(
    quantity: Quantity, raw: float, label: str | None, expected: float
) -> None:
    assert quantity.read(raw, label) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("quantity", "raw", "label", "reason"),
    [
        # 699.9 is implausible as bar, kPa and psi alike.
        (TIRE_PRESSURE, 699.9, "bar", "implausible value"),
        # 50 "bar" could be 50 kPa or 50 psi: no way to tell.
        (TIRE_PRESSURE, 50, "bar", "ambiguous unit"),
        (TIRE_PRESSURE, -1, "kPa", "implausible value"),
        (TIRE_PRESSURE, 2.4, "atm", "unknown unit"),
        (PERCENT, 101, "percent", "implausible value"),
        (PERCENT, 1.01, "fraction", "implausible value"),
        (PERCENT, -0.5, None, "implausible value"),
        # km and miles overlap: a range too long in its unit is not re-read.
        (DISTANCE, 5000, "km", "implausible value"),
        (DISTANCE, -1, "miles", "implausible value"),
        (TEMPERATURE, 150, "celsius", "implausible value"),
        (DURATION, -1, None, "implausible value"),
        (DURATION, 65535, None, "implausible value"),
        (POWER, 5e9, "W", "implausible value"),
        (ENERGY, 1.7e308, "Wh", "implausible value"),
        (DISTANCE, 1.7e308, "miles", "implausible value"),
    ],
)
def test_value_without_one_plausible_unit_is_refused(
    quantity: Quantity, raw: float, label: str | None, reason: str
) -> None:
    with pytest.raises(UnitError, match=f"^{reason}$"):
        quantity.read(raw, label)


def test_units_are_home_assistants_spelling() -> None:
    assert [unit.value for unit in Unit] == [
        "%",
        "km",
        "kPa",
        "L",
        "kWh",
        "W",
        "A",
        "V",
        "min",
        "km/h",
        "°C",
    ]


@given(
    st.sampled_from(QUANTITIES).flatmap(
        lambda quantity: st.tuples(
            st.just(quantity),
            st.floats(allow_nan=False, allow_infinity=False),
            st.none() | st.sampled_from(sorted(quantity.units)) | st.text(max_size=5),
        )
    )
)
def test_a_read_value_is_always_in_range(
    case: tuple[Quantity, float, str | None],
) -> None:
    quantity, raw, label = case
    try:
        value: float | str = quantity.read(raw, label)
    except UnitError as err:
        value = str(err)
    if isinstance(value, str):
        assert value in {"implausible value", "ambiguous unit", "unknown unit"}
    else:
        assert math.isfinite(value)
        assert quantity.low <= value <= quantity.high
