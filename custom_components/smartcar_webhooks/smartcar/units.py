"""Units of measurement and the plausible range of every quantity a car reports.

Cars and Smartcar get units wrong: a `wheel-tires` signal labelled `bar`
carried 258 (kPa), a fuel level came as a bare 0.77 (a fraction). A value is
therefore read in the unit it is labelled with only when it is plausible
there; otherwise in the one other unit it could be in and is plausible in;
otherwise it is dropped. The rules are data: `QUANTITIES` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
import math


class Unit(StrEnum):
    """The native unit of a reading's value (Home Assistant's spelling)."""

    PERCENT = "%"
    KILOMETERS = "km"
    KILOPASCAL = "kPa"
    LITERS = "L"
    KILOWATT_HOURS = "kWh"
    WATT = "W"
    AMPERE = "A"
    VOLT = "V"
    MINUTES = "min"
    KILOMETERS_PER_HOUR = "km/h"
    CELSIUS = "°C"


class UnitError(ValueError):
    """A value that cannot be read in any unit; the message is the reason."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """native = raw * factor + offset."""

    factor: float
    offset: float = 0.0


@dataclass(frozen=True, slots=True, eq=False)
class Quantity:
    """What a kind of value may be: its native unit, range and the units it comes in.

    `units` maps each spelling Smartcar uses (lower case) to its conversion.
    `alternatives` are the units a mislabelled value may really be in: only
    units far enough apart that the range tells them apart (bar and kPa, not
    km and miles). `unlabelled` are tried in order for a value without a unit.
    `imperial` is the unit of a 2.0 item sent with `sc-unit-system: imperial`.
    """

    name: str
    unit: Unit | None
    low: float
    high: float
    units: Mapping[str, Conversion]
    unlabelled: tuple[str, ...]
    alternatives: tuple[str, ...] = ()
    imperial: str | None = None

    def read(self, raw: float, label: str | None) -> float:
        """`raw` in the native unit; `UnitError` when it is not plausible.

        A plausible value in its labelled unit is taken as it is; one that is
        not is read in the single alternative unit it is plausible in, if any.
        """
        if label is None:
            for spelling in self.unlabelled:
                if (value := self._plausible(raw, spelling)) is not None:
                    return value
            raise UnitError("implausible value")
        spelling = label.strip().lower()
        if spelling not in self.units:
            raise UnitError("unknown unit")
        if (value := self._plausible(raw, spelling)) is not None:
            return value
        readings = {
            value
            for other in self.alternatives
            if (value := self._plausible(raw, other)) is not None
        }
        if len(readings) == 1:
            return readings.pop()
        raise UnitError("ambiguous unit" if readings else "implausible value")

    def _plausible(self, raw: float, spelling: str) -> float | None:
        conversion = self.units[spelling]
        if conversion == _SAME:
            value = raw
        else:
            # Rounded so that 0.73 as a fraction is 73 %, not 73.00000000000001 %.
            value = round(raw * conversion.factor + conversion.offset, 6)
        return (
            value if math.isfinite(value) and self.low <= value <= self.high else None
        )


_SAME = Conversion(1.0)
_MILE_KM = 1.609344
_PSI_KPA = 6.894757293168361
_GALLON_L = 3.785411784

_PERCENT_UNITS = {"percent": _SAME, "%": _SAME, "fraction": Conversion(100.0)}
_DISTANCE_UNITS = {
    "km": _SAME,
    "kilometers": _SAME,
    "kilometres": _SAME,
    "miles": Conversion(_MILE_KM),
    "mi": Conversion(_MILE_KM),
}

# --- The table: one row per quantity --------------------------------------------
# The plausible range is in the native unit. It covers what any production car,
# charger or climate can show; a value outside it is a unit mistake or garbage,
# never a reading. Each field's quantity is `models.FIELD_QUANTITIES`.
PERCENT = Quantity(
    "percent", Unit.PERCENT, 0, 100, _PERCENT_UNITS, unlabelled=("fraction", "percent")
)
DISTANCE = Quantity(  # driving range: the longest-range cars reach ~1,500 km
    "distance", Unit.KILOMETERS, 0, 3_000, _DISTANCE_UNITS, ("km",), imperial="miles"
)
ODOMETER = Quantity(  # the highest known odometers are ~5 million km
    "odometer",
    Unit.KILOMETERS,
    0,
    10_000_000,
    _DISTANCE_UNITS,
    ("km",),
    imperial="miles",
)
# 0.5 bar (7 psi: a tyre this soft is flat, and its warning light is on) to 6 bar
# (87 psi: vans, spare tyres). The low end tells bar from kPa: 2.6 can only be bar,
# 260 only kPa; an unlabelled 35 only psi. A reading below it is not shown at all.
TIRE_PRESSURE = Quantity(
    "tire pressure",
    Unit.KILOPASCAL,
    50,
    600,
    {"kpa": _SAME, "psi": Conversion(_PSI_KPA), "bar": Conversion(100.0)},
    ("kpa", "bar", "psi"),
    alternatives=("kpa", "psi", "bar"),
    imperial="psi",
)
VOLUME = Quantity(  # fuel tanks hold up to ~200 L
    "volume",
    Unit.LITERS,
    0,
    500,
    {
        "liters": _SAME,
        "litres": _SAME,
        "l": _SAME,
        "gallons": Conversion(_GALLON_L),
        "gal": Conversion(_GALLON_L),
    },
    ("l",),
    imperial="gallons",
)
ENERGY = Quantity(  # the largest traction batteries hold ~250 kWh
    "energy",
    Unit.KILOWATT_HOURS,
    0,
    500,
    {"kwh": _SAME, "kwhr": _SAME, "wh": Conversion(0.001)},
    ("kwh", "wh"),
    alternatives=("kwh", "wh"),
)
POWER = Quantity(  # chargers deliver up to ~1 MW; negative while discharging
    "power",
    Unit.WATT,
    -1_500_000,
    1_500_000,
    {
        "w": _SAME,
        "watt": _SAME,
        "watts": _SAME,
        "kw": Conversion(1000.0),
        "kilowatt": Conversion(1000.0),
        "kilowatts": Conversion(1000.0),
    },
    ("w",),
    alternatives=("w", "kw"),
)
CURRENT = Quantity(  # up to ~1,000 A at the fastest DC chargers
    "current",
    Unit.AMPERE,
    -1_500,
    1_500,
    {"a": _SAME, "amp": _SAME, "amps": _SAME, "ampere": _SAME, "amperes": _SAME},
    ("a",),
)
VOLTAGE = Quantity(  # 100-480 V AC, up to ~1,000 V DC
    "voltage",
    Unit.VOLT,
    0,
    1_500,
    {"v": _SAME, "volt": _SAME, "volts": _SAME},
    ("v",),
)
TEMPERATURE = Quantity(  # outside air on Earth; a cabin parked in the sun
    "temperature",
    Unit.CELSIUS,
    -70,
    100,
    {
        "celsius": _SAME,
        "c": _SAME,
        "°c": _SAME,
        "fahrenheit": Conversion(5 / 9, -160 / 9),
        "f": Conversion(5 / 9, -160 / 9),
        "°f": Conversion(5 / 9, -160 / 9),
    },
    ("celsius",),
)
DURATION = Quantity(  # a large battery on a household socket: several days
    "duration",
    Unit.MINUTES,
    0,
    10_080,
    {
        "min": _SAME,
        "mins": _SAME,
        "minute": _SAME,
        "minutes": _SAME,
        "h": Conversion(60.0),
        "hours": Conversion(60.0),
        "s": Conversion(1 / 60),
        "seconds": Conversion(1 / 60),
    },
    ("min",),
)
CHARGE_RATE = Quantity(  # range added per hour: fast DC charging adds ~1,500 km/h
    "charge rate",
    Unit.KILOMETERS_PER_HOUR,
    0,
    5_000,
    {
        "km/h": _SAME,
        "kph": _SAME,
        "kmh": _SAME,
        "kilometers_per_hour": _SAME,
        "mph": Conversion(_MILE_KM),
        "mi/h": Conversion(_MILE_KM),
        "miles_per_hour": Conversion(_MILE_KM),
    },
    ("km/h",),
)

COUNT = Quantity(  # how many of something the car counts (trouble codes)
    "count", None, 0, 10_000, {"count": _SAME, "": _SAME}, ("count",)
)

# --- End of the table ---------------------------------------------------------------

QUANTITIES: tuple[Quantity, ...] = (
    PERCENT,
    DISTANCE,
    ODOMETER,
    TIRE_PRESSURE,
    VOLUME,
    ENERGY,
    POWER,
    CURRENT,
    VOLTAGE,
    TEMPERATURE,
    DURATION,
    CHARGE_RATE,
    COUNT,
)
