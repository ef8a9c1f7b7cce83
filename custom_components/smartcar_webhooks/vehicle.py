"""The state of one vehicle, and the rules that merge a delivery into it.

Among good values the newest the car recorded wins; a field is unavailable
while the latest *delivered* reading for it is an error; a missing time never
beats a present one. A good value that wins and differs from the one before
is a transition, and some transitions are events (plugged in, charging
started, battery low): only a delivery's winning values make them, so a
duplicate, a late reading or a restored state never does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from .events import (
    CHARGING_EVENTS,
    DOUBLE_EVENT_WINDOW,
    EVENT_FIELDS,
    EVENT_ORDER,
    NO_TIME,
    VehicleEvent,
    VehicleEventType,
)
from .smartcar import (
    DEVICE_FIELDS,
    ChargingEventType,
    ChargingState,
    ErrorState,
    Field,
    FieldError,
    Reading,
    Value,
    VehicleError,
    VehicleInfo,
    fields_of_signal,
)

# Delivery ids remembered per vehicle: Smartcar retries for minutes, not days.
RECENT_DELIVERIES = 64
# A delivery sent this long before the newest one of its vehicle is a replay.
STALE_AFTER = timedelta(hours=1)
# Errors the owner can act on (sign in again, grant a permission, enable the
# car's remote access); asleep, unreachable, server or compatibility errors pass.
ACTIONABLE_ERROR_TYPES = frozenset({"CONNECTED_SERVICES_ACCOUNT", "PERMISSION"})
ACTIONABLE_ERROR_CODES = frozenset({"REMOTE_ACCESS_DISABLED", "AUTHENTICATION_FAILED"})


def is_actionable(error_type: str, code: str | None) -> bool:
    """Whether an error is one the owner can do something about."""
    return error_type in ACTIONABLE_ERROR_TYPES or code in ACTIONABLE_ERROR_CODES


def concerns_us(error: VehicleError) -> bool:
    """Whether a vehicle error is about the account, the car, or a signal we show.

    Smartcar sends errors about signals the integration never reads (such as
    `vehicleuseraccount-permissions`); those change nothing here.
    """
    return not error.signals or any(fields_of_signal(s) for s in error.signals)


# Keys of entities that are not a Smartcar field, and change markers.
KEY_LAST_UPDATE = "last_update"
KEY_LAST_DELIVERY = "last_delivery"
KEY_PROBLEM = "problem"
KEY_CHARGING_EVENT = "charging_event"  # the delivery made events (kept for upgrades)
KEY_INFO = "info"  # make, model or year changed (or a new vehicle)
KEY_NEW = "new"  # a new vehicle, or a field with its first good value


def not_older(candidate: datetime | None, current: datetime | None) -> bool:
    """Whether `candidate` is at least as new as `current`; no time never beats one."""
    if current is None:
        return True
    return candidate is not None and candidate >= current


def newer(candidate: datetime | None, current: datetime | None) -> bool:
    """Whether `candidate` replaces `current`: strictly newer, or both without time.

    On a tie the value already kept stays: two sources (a 2.0 and a 4.0 webhook)
    may report the same instant with a different rounding, and a re-sent
    delivery must not swap them back and forth.
    """
    if current is None:
        return True
    return candidate is not None and candidate > current


@dataclass(slots=True)
class FieldState:
    """One field: its newest good value, and an error while one is the latest."""

    value: Value | None = None
    recorded_at: datetime | None = None  # when the car recorded `value`
    good_at: datetime | None = None  # when the latest good reading was delivered
    error: FieldError | None = None
    error_at: datetime | None = None

    @property
    def available(self) -> bool:
        """A good value, and no error delivered after it."""
        return self.value is not None and self.error is None


@dataclass(slots=True)
class VehicleState:
    """What is known about one vehicle."""

    vehicle_id: str
    info: VehicleInfo
    fields: dict[Field, FieldState] = field(default_factory=dict)
    # (type, code) -> the error and when it was delivered; RESOLVED ones too,
    # so that an older ERROR delivered late cannot bring it back.
    errors: dict[tuple[str, str | None], tuple[VehicleError, datetime | None]] = field(
        default_factory=dict
    )
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_DELIVERIES))
    last_update: datetime | None = None
    last_delivery: datetime | None = None
    newest_sent: datetime | None = None
    last_event: tuple[ChargingEventType, datetime | None] | None = None
    # Per charging event type, the car time of the last one fired and whether a
    # 2.0 eventBased webhook sent it: the other source's report of it is dropped.
    charging_fired: dict[VehicleEventType, tuple[datetime | None, bool]] = field(
        default_factory=dict
    )
    # What the delivery being applied did, for its listeners; never stored, so
    # a restart fires nothing: its events, and the battery level's change.
    events: tuple[VehicleEvent, ...] = ()
    battery_change: tuple[float, float] | None = None

    def value(self, key: Field) -> Value | None:
        """The field's value while it is available."""
        state = self.fields.get(key)
        return state.value if state is not None and state.available else None

    def has(self, key: Field) -> bool:
        """Whether the car ever reported a good value for the field."""
        state = self.fields.get(key)
        return state is not None and state.value is not None

    @property
    def reported(self) -> bool:
        """Whether the car ever reported a good value or an event.

        A car subscribed through Connect is known before its first delivery,
        but not what it reports.
        """
        return self.last_event is not None or any(
            state.value is not None for state in self.fields.values()
        )

    @property
    def battery_level(self) -> float | None:
        """The battery level in % while it is available."""
        value = self.value(Field.BATTERY_LEVEL)
        return value if isinstance(value, float) else None

    @property
    def active_errors(self) -> list[VehicleError]:
        """Errors reported by VEHICLE_ERROR and not yet resolved."""
        return [e for e, _at in self.errors.values() if e.state is ErrorState.ERROR]

    @property
    def field_errors(self) -> dict[Field, FieldError]:
        """The fields whose latest delivered reading is an error.

        Leaves out what the car cannot provide at all (COMPATIBILITY).
        """
        return {
            key: state.error
            for key, state in self.fields.items()
            if state.error is not None and state.error.type != "COMPATIBILITY"
        }

    @property
    def has_problem(self) -> bool:
        """Whether the owner has something to fix (a vehicle or field error)."""
        return any(
            is_actionable(error.type, error.code) and concerns_us(error)
            for error in self.active_errors
        ) or any(
            is_actionable(error.type, error.code)
            for error in self.field_errors.values()
        )

    def is_stale(self, sent_at: datetime | None) -> bool:
        """Whether a delivery sent then is a replay of an old one."""
        return (
            sent_at is not None
            and self.newest_sent is not None
            and sent_at < self.newest_sent - STALE_AFTER
        )

    def merge(
        self,
        readings: Iterable[Reading],
        delivered_at: datetime | None,
        low_battery: float | None = None,
    ) -> set[str]:
        """Merge one delivery's readings; return the keys whose state changed.

        Transitions of the plug, charging and (below `low_battery`) the battery
        become `events`.
        """
        changed: set[str] = set()
        moved: list[tuple[Field, Value, Value, datetime | None]] = []
        for reading in readings:
            state = self.fields.get(reading.field)
            if state is None:
                state = self.fields[reading.field] = FieldState()
            before = (state.value, state.available)
            had_error = state.error
            first = state.value is None
            if reading.error is not None:
                if not_older(delivered_at, state.good_at) and not_older(
                    delivered_at, state.error_at
                ):
                    state.error, state.error_at = reading.error, delivered_at
            else:
                if first or newer(reading.recorded_at, state.recorded_at):
                    old, new = state.value, reading.value
                    state.value, state.recorded_at = new, reading.recorded_at
                    if (
                        reading.field in EVENT_FIELDS
                        and old is not None
                        and new is not None
                        and old != new
                    ):
                        moved.append((reading.field, old, new, reading.recorded_at))
                    if reading.recorded_at is not None and not_older(
                        reading.recorded_at, self.last_update
                    ):
                        if reading.recorded_at != self.last_update:
                            changed.add(KEY_LAST_UPDATE)
                        self.last_update = reading.recorded_at
                if not_older(delivered_at, state.good_at):
                    state.good_at = delivered_at
                if state.error is not None and not_older(delivered_at, state.error_at):
                    state.error = state.error_at = None
            if (state.value, state.available) != before:
                changed.add(reading.field.value)
                if reading.field in DEVICE_FIELDS:  # firmware, VIN, nickname
                    changed.add(KEY_INFO)
                if first and state.value is not None:
                    changed.add(KEY_NEW)
            if state.error != had_error:
                changed.add(KEY_PROBLEM)
        if moved and self._derive_events(moved, low_battery):
            changed.add(KEY_CHARGING_EVENT)
        return changed

    def _derive_events(
        self,
        moved: list[tuple[Field, Value, Value, datetime | None]],
        low_battery: float | None,
    ) -> bool:
        """Turn a delivery's transitions into events; whether there are any."""
        events: list[VehicleEvent] = []
        battery = self.battery_level
        for key, old, new, at in moved:
            if key is Field.BATTERY_LEVEL:
                before, after = cast(float, old), cast(float, new)  # levels are floats
                self.battery_change = (before, after)
                if low_battery is None or not before >= low_battery > after:
                    continue
                kind = VehicleEventType.LOW_BATTERY
            elif key is Field.PLUGGED_IN:
                kind = (
                    VehicleEventType.PLUGGED_IN if new else VehicleEventType.UNPLUGGED
                )
            else:  # charging
                kind = (
                    VehicleEventType.CHARGING_STARTED
                    if new
                    else VehicleEventType.CHARGING_COMPLETED
                    if self.value(Field.CHARGING_STATE) is ChargingState.FULLY_CHARGED
                    else VehicleEventType.CHARGING_STOPPED
                )
            if self.fires(kind, at, event_based=False):
                events.append(VehicleEvent(kind, battery, at))
        events.sort(
            key=lambda event: (event.car_time or NO_TIME, EVENT_ORDER[event.type])
        )
        self.events += tuple(events)
        return bool(events)

    def fires(
        self, kind: VehicleEventType, at: datetime | None, *, event_based: bool
    ) -> bool:
        """Whether an event fires: not when the other source fired it already.

        A car may send a 2.0 eventBased CHARGING_STARTED and data showing the
        same start; the first to arrive fires, the other is dropped when their
        car times are within `DOUBLE_EVENT_WINDOW`.
        """
        if kind not in CHARGING_EVENTS:
            return True
        last = self.charging_fired.get(kind)
        if (
            last is not None
            and last[1] is not event_based
            and last[0] is not None
            and at is not None
            and abs(at - last[0]) <= DOUBLE_EVENT_WINDOW
        ):
            return False
        self.charging_fired[kind] = (at, event_based)
        return True


@dataclass(frozen=True, slots=True)
class Removed:
    """A vehicle the user removed: what a delivery must beat to bring it back."""

    recent: frozenset[str]
    newest_sent: datetime | None
    last_update: datetime | None
    last_event_at: datetime | None
