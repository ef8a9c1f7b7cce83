"""Simulated cars: what each one is, where it is, and its battery and charger.

A `Car` is the single source of truth: scenario steps and (later) API
commands change it, and every delivery renders its current state, so a
command shows up in the car's next deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import itertools
import math
import random
import uuid

type Point = tuple[float, float]

EARTH_RADIUS_KM = 6371.0
# A made-up home and office (central Amsterdam, Home Assistant's default
# location); scripts/develop's configuration puts zone.home at HOME.
HOME: Point = (52.3731, 4.8922)
WORK: Point = (52.3396, 4.8734)
# The way home from work, following roads roughly.
COMMUTE: tuple[Point, ...] = (
    WORK,
    (52.3420, 4.8789),
    (52.3468, 4.8802),
    (52.3525, 4.8836),
    (52.3581, 4.8853),
    (52.3622, 4.8842),
    (52.3668, 4.8871),
    (52.3702, 4.8903),
    HOME,
)

VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O or Q


class ChargeState(StrEnum):
    """The charging state as Smartcar spells it."""

    NOT_CHARGING = "NOT_CHARGING"
    CHARGING = "CHARGING"
    FULLY_CHARGED = "FULLY_CHARGED"


@dataclass(frozen=True, slots=True)
class Model:
    """A car model the simulator can play."""

    make: str
    model: str
    year: int
    capacity_kwh: float
    kwh_per_km: float
    max_charge_w: float


CATALOG: tuple[Model, ...] = (
    Model("VOLKSWAGEN", "ID.4", 2023, 77.0, 0.18, 11000.0),
    Model("POLESTAR", "Polestar 2", 2024, 78.0, 0.19, 11000.0),
    Model("HYUNDAI", "IONIQ 5", 2024, 77.4, 0.17, 10900.0),
    Model("KIA", "EV6", 2023, 77.4, 0.18, 10900.0),
    Model("TESLA", "Model 3", 2022, 60.0, 0.15, 11000.0),
)


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance between two points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def bearing(a: Point, b: Point) -> float:
    """Initial compass bearing from a to b, 0-360 degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    x = math.sin(lon2 - lon1) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(
        lon2 - lon1
    )
    return math.degrees(math.atan2(x, y)) % 360


def route_length_km(route: tuple[Point, ...]) -> float:
    """Length of a polyline."""
    return sum(distance_km(a, b) for a, b in itertools.pairwise(route))


def point_along(route: tuple[Point, ...], fraction: float) -> tuple[Point, float]:
    """The point `fraction` (0-1) of the way along a route, and the heading there."""
    target = route_length_km(route) * min(max(fraction, 0.0), 1.0)
    for a, b in itertools.pairwise(route):
        leg = distance_km(a, b)
        if target <= leg or b == route[-1]:
            t = 0.0 if leg == 0 else min(target / leg, 1.0)
            point = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            return point, bearing(a, b)
        target -= leg
    return route[-1], 0.0  # pragma: no cover - a route has at least two points


def offset(point: Point, index: int) -> Point:
    """A point a few metres away per car, so several cars never share a marker."""
    return (point[0] + 0.00012 * index, point[1] + 0.00018 * index)


@dataclass(slots=True)
class Car:
    """One simulated vehicle and its live state."""

    vehicle_id: str
    spec: Model
    vin: str
    home: Point
    work: Point
    latitude: float
    longitude: float
    heading: float = 0.0
    odometer_km: float = 12000.0
    soc: float = 50.0
    plugged_in: bool = False
    charge_state: ChargeState = ChargeState.NOT_CHARGING
    charge_limit: float = 80.0
    charge_power_w: float = 0.0
    energy_added_kwh: float = 0.0
    locked: bool = True
    moving: bool = False
    online: bool = True
    # A VEHICLE_ERROR is open for this car (4.0 only).
    problem: bool = False
    # The way home from work; driving to work follows it backwards.
    route_home: tuple[Point, ...] = ()
    # Extra signals a later feature (or a test) wants a car to report.
    extra: dict[str, object] = field(default_factory=dict)
    # Scenario seconds per second of the car's clock (the simulator's speed):
    # the car's times are the wall clock while the scenario runs faster.
    time_scale: float = 1.0

    @property
    def make(self) -> str:
        """Make, as Smartcar spells it (upper case)."""
        return self.spec.make

    @property
    def model(self) -> str:
        """Model name."""
        return self.spec.model

    @property
    def year(self) -> int:
        """Model year."""
        return self.spec.year

    @property
    def charging(self) -> bool:
        """Whether the car is charging now."""
        return self.charge_state is ChargeState.CHARGING

    @property
    def range_km(self) -> float:
        """Electric range left."""
        return self.soc / 100 * self.spec.capacity_kwh / self.spec.kwh_per_km

    @property
    def position(self) -> Point:
        """Where the car is."""
        return (self.latitude, self.longitude)

    @property
    def minutes_to_full(self) -> int:
        """Minutes of the car's clock to the charge limit (0 when not charging).

        The car plans with the power its charger settles at, and counts in its
        own (wall-clock) minutes, so the finish it announces (its time plus
        this) stays put from one report to the next while the charge goes on.
        """
        if not self.charging:
            return 0
        kwh = max(self.charge_limit - self.soc, 0) / 100 * self.spec.capacity_kwh
        minutes = kwh / (self.spec.max_charge_w / 1000) * 60 / self.time_scale
        return max(math.ceil(minutes), 1)

    def snapshot(self) -> dict[str, object]:
        """The car's state as JSON-able values (what Home Assistant should show)."""
        return {
            "vehicle_id": self.vehicle_id,
            "make": self.make,
            "model": self.model,
            "year": self.year,
            "soc": round(self.soc, 1),
            "range_km": round(self.range_km, 1),
            "plugged_in": self.plugged_in,
            "charging": self.charging,
            "charge_state": self.charge_state.value,
            "charge_limit": self.charge_limit,
            "charge_power_w": round(self.charge_power_w),
            "energy_added_kwh": round(self.energy_added_kwh, 2),
            "latitude": round(self.latitude, 6),
            "longitude": round(self.longitude, 6),
            "heading": self.heading,
            "odometer_km": round(self.odometer_km, 1),
            "locked": self.locked,
            "moving": self.moving,
            "problem": self.problem,
        }

    def move_to(self, point: Point, heading: float) -> None:
        """Drive to `point`: odometer and battery follow the distance."""
        km = distance_km(self.position, point)
        self.latitude, self.longitude = point
        self.heading = round(heading, 1)
        self.odometer_km += km
        used = km * self.spec.kwh_per_km / self.spec.capacity_kwh * 100
        self.soc = max(self.soc - used, 0.0)
        self.moving = True
        self.locked = False

    def park(self) -> None:
        """Stop and lock."""
        self.moving = False
        self.locked = True

    def plug_in(self) -> None:
        """Connect the charging cable."""
        self.plugged_in = True
        self.charge_state = ChargeState.NOT_CHARGING

    def start_charging(self) -> bool:
        """Start charging; False when it cannot (not plugged in, or at the limit)."""
        if not self.plugged_in or self.soc >= self.charge_limit:
            return False
        self.charge_state = ChargeState.CHARGING
        self.energy_added_kwh = 0.0
        self.charge_power_w = 0.0
        return True

    def stop_charging(self) -> bool:
        """Stop charging; False when it was not charging."""
        if not self.charging:
            return False
        self.charge_state = ChargeState.NOT_CHARGING
        self.charge_power_w = 0.0
        return True

    def charge_for(self, seconds: float) -> bool:
        """Charge for `seconds`; power ramps up to the car's maximum.

        Returns True when the charge limit was reached (charge complete).
        """
        if not self.charging:
            return False
        # The charger ramps up in steps, as wallboxes do: 1/3, 2/3, then full power.
        self.charge_power_w = min(
            self.charge_power_w + self.spec.max_charge_w / 3, self.spec.max_charge_w
        )
        kwh = self.charge_power_w / 1000 * seconds / 3600
        room = max(self.charge_limit - self.soc, 0) / 100 * self.spec.capacity_kwh
        kwh = min(kwh, room)
        self.energy_added_kwh += kwh
        self.soc = min(self.soc + kwh / self.spec.capacity_kwh * 100, 100.0)
        if self.soc >= self.charge_limit - 1e-9:
            self.soc = self.charge_limit
            self.charge_state = ChargeState.FULLY_CHARGED
            self.charge_power_w = 0.0
            return True
        return False

    def unplug(self) -> None:
        """Disconnect the cable: not charging any more."""
        self.plugged_in = False
        self.charge_power_w = 0.0
        self.charge_state = ChargeState.NOT_CHARGING


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_fleet(count: int, seed: int = 1) -> list[Car]:
    """`count` cars with ids, VINs and positions fixed by `seed`.

    The same seed gives the same ids, so a restarted simulator still matches
    the vehicles Home Assistant already knows.
    """
    if count < 1:
        raise ValueError("at least one car")
    rng = random.Random(f"fleet-{seed}")  # noqa: S311 - ids for a simulator, not secrets
    cars = []
    for index in range(count):
        spec = CATALOG[index % len(CATALOG)]
        vehicle_id = _uuid(rng)
        vin = "SCS" + "".join(rng.choice(VIN_ALPHABET) for _ in range(14))
        work = offset(WORK, index)
        cars.append(
            Car(
                vehicle_id=vehicle_id,
                spec=spec,
                vin=vin,
                home=offset(HOME, index),
                work=work,
                latitude=work[0],
                longitude=work[1],
                heading=0.0,
                odometer_km=round(8000 + rng.random() * 30000, 1),
                soc=26.0,
                route_home=tuple(offset(point, index) for point in COMMUTE),
            )
        )
    return cars
