"""Scenarios: what the cars do, step by step, and which deliveries that makes.

A scenario is a list of `Step`s. Each step waits some scenario time, changes
the cars, and returns the deliveries Smartcar would send. Steps that must not
change anything in the receiver (a duplicate, a late retry, a TEST delivery)
say so with `changes_state=False`, which scripts/e2e asserts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .cars import Car, point_along, route_length_km
from .clock import Clock
from .payloads import Delivery, DeliveryFormat, PayloadFactory, SignalError

DRIVE_LEGS = 12
DRIVE_LEG_SECONDS = 60.0
CHARGE_STEP_SECONDS = 900.0
ARRIVAL_SOC = 20.0  # the battery when the car gets home, before it charges

CHARGING_STARTED = "CHARGING_STARTED"
CHARGING_STOPPED = "CHARGING_STOPPED"
CHARGING_COMPLETED = "CHARGING_COMPLETED"

# 4.0 signal codes and 2.0 paths a change touches (for 4.0 triggers).
DRIVE_SIGNALS = (
    "location-preciselocation",
    "odometer-traveleddistance",
    "tractionbattery-stateofcharge",
    "tractionbattery-range",
    "closure-islocked",
)
CHARGE_SIGNALS = (
    "charge-ischarging",
    "charge-detailedchargingstatus",
    "charge-wattage",
    "charge-amperage",
    "charge-voltage",
    "charge-energyadded",
    "charge-timetocomplete",
    "tractionbattery-stateofcharge",
    "tractionbattery-range",
)
RANGE_ERROR = SignalError("VEHICLE_STATE", "UNREACHABLE", "RETRY_LATER")
# An error the owner can act on (it turns Home Assistant's Problem sensor on).
REMOTE_ACCESS_ERROR = SignalError(
    "VEHICLE_STATE",
    "REMOTE_ACCESS_DISABLED",
    None,
    "Remote access is disabled for this vehicle: enable it in the vehicle's app.",
)


@dataclass(slots=True)
class Context:
    """What steps work on: the cars, how to render deliveries, what was sent."""

    cars: list[Car]
    factory: PayloadFactory
    fmt: DeliveryFormat
    # Which cars Smartcar delivers for (subscribed to the webhook).
    receives: Callable[[Car], bool] = lambda _car: True
    # Deliveries of the recent state-changing steps, newest last.
    history: deque[list[Delivery]] = field(default_factory=lambda: deque(maxlen=50))
    # Deliveries whose first attempt was "lost"; a late retry sends them.
    withheld: list[Delivery] = field(default_factory=list)

    def receiving(self) -> list[Car]:
        """The cars that get deliveries now."""
        return [car for car in self.cars if self.receives(car)]

    def report(
        self,
        car: Car,
        *,
        changed: tuple[str, ...] = (),
        events: tuple[str, ...] = (),
        errors4: dict[str, SignalError] | None = None,
        errors2: dict[str, SignalError] | None = None,
        first: bool = False,
    ) -> list[Delivery]:
        """The deliveries for a car's current state, in the chosen format(s)."""
        out: list[Delivery] = []
        if self.fmt.includes("4.0"):
            out.append(
                self.factory.vehicle_state(
                    car, changed=changed, errors=errors4, first=first
                )
            )
        if self.fmt.includes("2.0"):
            out.append(self.factory.dynamic(car, errors=errors2))
            out.extend(self.factory.event_based(car, event) for event in events)
        return out


type Play = Callable[[Context], list[Delivery]]


@dataclass(frozen=True, slots=True)
class Step:
    """One moment of a scenario."""

    name: str
    wait: float  # scenario seconds before the step
    play: Play
    changes_state: bool = True
    # Fields (entity keys) the receiver should show unavailable afterwards.
    unavailable: tuple[str, ...] = ()
    # Played again while this holds (e.g. charging until the limit).
    repeat_while: Callable[[Context], bool] | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one played step did."""

    index: int
    step: Step
    sent: list[tuple[Delivery, int | None]]
    cars: list[dict[str, Any]]

    def describe(self) -> dict[str, Any]:
        """JSON-able: for the control API and scripts/e2e."""
        return {
            "index": self.index,
            "name": self.step.name,
            "changes_state": self.step.changes_state,
            "unavailable": list(self.step.unavailable),
            "sent": [
                {**delivery.describe(), "status": status}
                for delivery, status in self.sent
            ],
            "cars": self.cars,
        }


# --- step builders -------------------------------------------------------------


def report_all(*, first: bool = False) -> Play:
    """Every receiving car reports its state as it is."""

    def play(ctx: Context) -> list[Delivery]:
        return [d for car in ctx.receiving() for d in ctx.report(car, first=first)]

    return play


def start_soc(car: Car) -> float:
    """The battery at work that leaves `ARRIVAL_SOC` after the drive home."""
    km = route_length_km(car.route_home)
    return ARRIVAL_SOC + km * car.spec.kwh_per_km / car.spec.capacity_kwh * 100


def reset_for_commute(ctx: Context) -> list[Delivery]:
    """Parked at work, unplugged, battery low: the start of the commute."""
    for car in ctx.cars:
        car.latitude, car.longitude = car.work
        car.soc = start_soc(car)
        car.unplug()
        car.park()
    return report_all(first=True)(ctx)


def drive(fraction: float, *, to_work: bool = False) -> Play:
    """Every car moves to `fraction` of its way home (or to work)."""

    def play(ctx: Context) -> list[Delivery]:
        out: list[Delivery] = []
        for car in ctx.cars:
            route = car.route_home[::-1] if to_work else car.route_home
            point, heading = point_along(route, fraction)
            car.move_to(point, heading)
            if ctx.receives(car):
                out += ctx.report(car, changed=DRIVE_SIGNALS)
        return out

    return play


def arrive(ctx: Context) -> list[Delivery]:
    """Every car parks and locks where it is."""
    for car in ctx.cars:
        car.park()
    return [
        d
        for car in ctx.receiving()
        for d in ctx.report(car, changed=("closure-islocked",))
    ]


def plug_in(ctx: Context) -> list[Delivery]:
    """Every car gets its charging cable connected."""
    for car in ctx.cars:
        car.plug_in()
    return [
        d
        for car in ctx.receiving()
        for d in ctx.report(car, changed=("charge-ischargingcableconnected",))
    ]


def start_charging(ctx: Context) -> list[Delivery]:
    """Every plugged-in car starts charging."""
    out: list[Delivery] = []
    for car in ctx.cars:
        started = car.start_charging()
        car.charge_for(60)  # the first minute: power ramps up
        if ctx.receives(car):
            events = (CHARGING_STARTED,) if started else ()
            out += ctx.report(car, changed=CHARGE_SIGNALS, events=events)
    return out


def charge(
    seconds: float = CHARGE_STEP_SECONDS,
    *,
    withhold: bool = False,
    range_error: bool = False,
) -> Play:
    """Every charging car charges for `seconds`; reaching its limit completes it.

    `withhold`: the deliveries' first attempt is lost (sent later by a late
    retry). `range_error`: the range signal (4.0) or /battery (2.0) fails.
    """

    def play(ctx: Context) -> list[Delivery]:
        out: list[Delivery] = []
        for car in ctx.cars:
            complete = car.charge_for(seconds)
            if ctx.receives(car):
                out += ctx.report(
                    car,
                    changed=CHARGE_SIGNALS,
                    events=(CHARGING_COMPLETED,) if complete else (),
                    errors4={"tractionbattery-range": RANGE_ERROR}
                    if range_error
                    else None,
                    errors2={"/battery": RANGE_ERROR} if range_error else None,
                )
        if withhold:
            ctx.withheld += out
            return []
        return out

    return play


def unplug(ctx: Context) -> list[Delivery]:
    """Every car is unplugged (a charging one stops)."""
    out: list[Delivery] = []
    for car in ctx.cars:
        was_charging = car.charging
        car.unplug()
        if ctx.receives(car):
            events = (CHARGING_STOPPED,) if was_charging else ()
            out += ctx.report(
                car,
                changed=("charge-ischargingcableconnected", *CHARGE_SIGNALS),
                events=events,
            )
    return out


def errands(ctx: Context) -> list[Delivery]:
    """A day of driving around town: back at work with a low battery."""
    for car in ctx.cars:
        car.odometer_km += 210.0
        car.soc = start_soc(car)
        car.latitude, car.longitude = car.work
        car.park()
    return [
        d for car in ctx.receiving() for d in ctx.report(car, changed=DRIVE_SIGNALS)
    ]


# --- quirks: deliveries that must change nothing ------------------------------


def duplicate_last(ctx: Context) -> list[Delivery]:
    """Smartcar sends the previous step's deliveries again (at-least-once)."""
    return list(ctx.history[-1]) if ctx.history else []


def retry_delivered(steps_back: int) -> Play:
    """A late retry of deliveries that did arrive (Smartcar missed the 2xx)."""

    def play(ctx: Context) -> list[Delivery]:
        if len(ctx.history) < steps_back:
            return []
        return list(ctx.history[-steps_back])

    return play


def retry_withheld(ctx: Context) -> list[Delivery]:
    """The late retry of deliveries whose first attempt was lost.

    They are older than what the receiver got since, so they must not win.
    """
    out, ctx.withheld = ctx.withheld, []
    return out


def test_delivery(ctx: Context) -> list[Delivery]:
    """A TEST delivery from the Dashboard: made-up data naming a real vehicle."""
    out: list[Delivery] = []
    for car in ctx.receiving():
        fake = dataclasses.replace(
            car,
            soc=42.0,
            plugged_in=not car.plugged_in,
            latitude=car.latitude + 0.05,
            longitude=car.longitude - 0.05,
            odometer_km=car.odometer_km + 1000,
        )
        if ctx.fmt.includes("4.0"):
            out.append(ctx.factory.vehicle_state(fake, test_mode=True))
        if ctx.fmt.includes("2.0"):
            out.append(ctx.factory.dynamic(fake, test_mode=True))
    return out


def vehicle_error(*, resolved: bool) -> Play:
    """A VEHICLE_ERROR (4.0 only): remote access was disabled, or enabled again."""

    def play(ctx: Context) -> list[Delivery]:
        if not ctx.fmt.includes("4.0"):
            return []
        for car in ctx.cars:
            car.problem = not resolved
        return [
            ctx.factory.vehicle_error(
                car,
                REMOTE_ACCESS_ERROR,
                signals=("connectivitystatus-isonline",),
                resolved=resolved,
            )
            for car in ctx.receiving()
        ]

    return play


def _charging(ctx: Context) -> bool:
    return any(car.charging for car in ctx.cars)


# --- scenarios ----------------------------------------------------------------


def _drive_home() -> list[Step]:
    return [
        Step(
            f"driving home {leg}/{DRIVE_LEGS}",
            DRIVE_LEG_SECONDS,
            drive(leg / DRIVE_LEGS),
        )
        for leg in range(1, DRIVE_LEGS + 1)
    ] + [Step("arrived home", 30, arrive)]


def _charge(*, quirks: bool) -> list[Step]:
    steps = [
        Step("plugged in", 120, plug_in),
        Step("charging started", 30, start_charging),
    ]
    if quirks:
        steps += [
            Step("duplicate delivery", 2, duplicate_last, changes_state=False),
            Step("charging", CHARGE_STEP_SECONDS, charge()),
            Step(
                "charging (first attempt lost)",
                CHARGE_STEP_SECONDS,
                charge(withhold=True),
                changes_state=False,
            ),
            Step("charging", CHARGE_STEP_SECONDS, charge()),
            Step("late retry of the lost delivery", 25, retry_withheld, False),
            Step("late retry of a delivered one", 50, retry_delivered(2), False),
            Step(
                "charging, range unavailable",
                CHARGE_STEP_SECONDS,
                charge(range_error=True),
                unavailable=("range",),
            ),
            Step("charging", CHARGE_STEP_SECONDS, charge()),
            Step("vehicle error", 20, vehicle_error(resolved=False)),
            Step("charging", CHARGE_STEP_SECONDS, charge()),
            Step("vehicle error resolved", 20, vehicle_error(resolved=True)),
            Step("TEST delivery", 20, test_delivery, changes_state=False),
        ]
    steps += [
        Step(
            "charging",
            CHARGE_STEP_SECONDS,
            charge(),
            repeat_while=_charging,
        ),
        Step("unplugged", 600, unplug),
    ]
    return steps


def _commute() -> list[Step]:
    return [
        Step("parked at work", 0, reset_for_commute),
        *_drive_home(),
        Step("duplicate delivery", 2, duplicate_last, changes_state=False),
        *_charge(quirks=True),
    ]


def _quirks() -> list[Step]:
    return [
        Step("current state", 0, report_all(first=True)),
        Step("duplicate delivery", 2, duplicate_last, changes_state=False),
        Step(
            "range unavailable",
            30,
            lambda ctx: [
                d
                for car in ctx.receiving()
                for d in ctx.report(
                    car,
                    errors4={"tractionbattery-range": RANGE_ERROR},
                    errors2={"/battery": RANGE_ERROR},
                )
            ],
            unavailable=("range",),
        ),
        Step("current state", 30, report_all()),
        Step("late retry of a delivered one", 25, retry_delivered(2), False),
        Step("TEST delivery", 20, test_delivery, changes_state=False),
        Step("vehicle error", 20, vehicle_error(resolved=False)),
        Step("vehicle error resolved", 20, vehicle_error(resolved=True)),
    ]


# The way back to work, for scenarios that repeat (scripts/develop).
def _morning() -> list[Step]:
    return [
        Step("unplugged for the night", 1800, unplug),
        *(
            Step(
                f"driving to work {leg}/{DRIVE_LEGS}",
                DRIVE_LEG_SECONDS,
                drive(leg / DRIVE_LEGS, to_work=True),
            )
            for leg in range(1, DRIVE_LEGS + 1)
        ),
        Step("errands", 600, errands),
    ]


SCENARIOS: dict[str, Callable[[], list[Step]]] = {
    "commute": _commute,
    "drive": lambda: [Step("parked at work", 0, reset_for_commute), *_drive_home()],
    "charge": lambda: [Step("current state", 0, report_all()), *_charge(quirks=False)],
    "quirks": _quirks,
}


def build_scenario(name: str, *, repeat: bool = False) -> list[Step]:
    """The steps of a named scenario.

    `repeat` (commute and drive) adds the way back to work, so that playing
    from step 1 again goes on for ever.
    """
    try:
        steps = SCENARIOS[name]()
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}") from None
    if repeat and name in ("commute", "drive"):
        steps += _morning()
    return steps


type Send = Callable[[Delivery], Awaitable[int | None]]


class Player:
    """Plays a scenario: in scenario time (`run`), or one step at a time (`play_next`)."""

    def __init__(
        self,
        steps: list[Step],
        ctx: Context,
        send: Send,
        clock: Clock,
        *,
        repeat: bool = False,
        loop_from: int = 1,
        on_step: Callable[[], None] | None = None,
    ) -> None:
        """Play `steps` on `ctx`, sending each delivery with `send`.

        `on_step` is called after each step (the simulator keeps its place).
        """
        if not steps:
            raise ValueError("a scenario needs steps")
        self.steps = steps
        self.ctx = ctx
        self._send = send
        self._clock = clock
        self.repeat = repeat
        self.loop_from = min(loop_from, len(steps) - 1)
        self.index = 0
        self.played: list[StepResult] = []
        self._again = False
        self._on_step = on_step
        self.name = ""

    @property
    def finished(self) -> bool:
        """Whether every step was played (never, when repeating)."""
        return self.index >= len(self.steps)

    def _advance(self) -> None:
        step = self.steps[self.index]
        if step.repeat_while is not None and step.repeat_while(self.ctx):
            return
        self.index += 1
        if self.index >= len(self.steps) and self.repeat:
            self.index = self.loop_from

    async def play_next(self, *, wait: bool = False) -> StepResult | None:
        """Play the next step (after its scenario wait, if `wait`); None when done."""
        if self.finished:
            return None
        step = self.steps[self.index]
        if wait:
            await self._clock.sleep(step.wait)
        deliveries = step.play(self.ctx)
        sent = [(delivery, await self._send(delivery)) for delivery in deliveries]
        if step.changes_state and deliveries:
            self.ctx.history.append(deliveries)
        result = StepResult(
            self.index, step, sent, [car.snapshot() for car in self.ctx.receiving()]
        )
        self.played.append(result)
        self._advance()
        if self._on_step is not None:
            self._on_step()
        return result

    async def run(self) -> None:
        """Play every step in scenario time (for ever, when repeating)."""
        while await self.play_next(wait=True) is not None:
            pass
