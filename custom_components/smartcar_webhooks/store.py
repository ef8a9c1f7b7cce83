"""One persisted source of truth per entry: every vehicle's state.

Deliveries are merged by the rules of `vehicle.py`; duplicates and stale
replays change nothing. Entities only read this state; listeners hear which
keys changed, so only the entities whose value changed write their state.
While listeners hear of a delivery, `VehicleState.events` holds the events it
made (and `battery_change` the battery level's); afterwards they are empty.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DEFAULT_LOW_BATTERY, DOMAIN, LOGGER
from .events import VehicleEvent, VehicleEventType
from .smartcar import (
    ChargingEvent,
    DataDelivery,
    ErrorDelivery,
    Reading,
    VehicleInfo,
    VehicleReport,
)
from .storage import decode_removed, decode_vehicle, encode_removed, encode_vehicle
from .vehicle import (
    KEY_CHARGING_EVENT,
    KEY_INFO,
    KEY_LAST_DELIVERY,
    KEY_NEW,
    KEY_PROBLEM,
    Removed,
    VehicleState,
    not_older,
)

STORAGE_VERSION = 1
SAVE_DELAY = 10  # seconds: a steady stream of deliveries costs a few writes a minute
# A real account has a handful of vehicles; one delivery may not add more.
MAX_NEW_VEHICLES = 100

type Listener = Callable[[VehicleState, set[str]], None]


class Outcome(StrEnum):
    """What became of a delivery."""

    APPLIED = "ok"
    DUPLICATE = "duplicate"
    STALE = "stale"


def _order_time(delivery: DataDelivery | ErrorDelivery) -> datetime:
    """When a vehicle error was sent, else when it arrived."""
    return delivery.delivered_at or delivery.received_at


def _report_time(delivery: DataDelivery, report: VehicleReport) -> datetime | None:
    """What orders a report's errors against good values: when it was sent (4.0).

    A 2.0 body does not say; the newest time its items carry stands in (when
    Smartcar fetched them), so that a replay of an old body can never put an
    error over a newer value. None when the body has no time at all: it never
    beats one that has.
    """
    if delivery.delivered_at is not None:
        return delivery.delivered_at
    if report.fetched_at is not None:
        return report.fetched_at
    return max(
        (r.recorded_at for r in report.readings if r.recorded_at is not None),
        default=None,
    )


class VehicleStore:
    """All vehicles of one config entry, persisted, and who to tell of changes."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Start empty; `async_load` reads what an earlier run saved."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}", private=True
        )
        self.vehicles: dict[str, VehicleState] = {}
        # Battery % below which a `low_battery` event fires (the entry's option,
        # read at each delivery so that a new threshold needs no reload).
        self.low_battery: Callable[[], float] = lambda: DEFAULT_LOW_BATTERY
        self._removed: dict[str, Removed] = {}
        self._listeners: dict[tuple[str | None, str], list[Listener]] = {}
        self._save_pending = False

    async def async_load(self) -> bool:
        """Load the saved state; False when there was none (a first start)."""
        if (data := await self._store.async_load()) is None:
            return False
        self.async_restore(data)
        return True

    @callback
    def async_restore(self, data: dict[str, Any]) -> None:
        """Take saved (or migrated) state; unusable parts are skipped."""
        for vehicle_id, raw in data.get("vehicles", {}).items():
            if (vehicle := decode_vehicle(vehicle_id, raw)) is not None:
                self.vehicles[vehicle_id] = vehicle
        for vehicle_id, raw in data.get("removed", {}).items():
            if (removed := decode_removed(raw)) is not None:
                self._removed[vehicle_id] = removed

    def _data(self) -> dict[str, Any]:
        return {
            "vehicles": {
                vehicle_id: encode_vehicle(vehicle)
                for vehicle_id, vehicle in self.vehicles.items()
            },
            "removed": {
                vehicle_id: encode_removed(removed)
                for vehicle_id, removed in self._removed.items()
            },
        }

    @callback
    def async_save_soon(self) -> None:
        """Save within SAVE_DELAY (and at the latest when Home Assistant stops).

        Asked once per delay: asking again would push the write back, and a
        steady stream of deliveries would then never be saved until it paused.
        """
        if not self._save_pending:
            self._save_pending = True
            self._store.async_delay_save(self._data_to_save, SAVE_DELAY)

    def _data_to_save(self) -> dict[str, Any]:
        self._save_pending = False
        return self._data()

    async def async_flush(self) -> None:
        """Write a pending save now (before an unload)."""
        self._save_pending = False
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete the saved state (the entry is being removed)."""
        await self._store.async_remove()

    @callback
    def async_listen(
        self, listener: Listener, key: str, vehicle_id: str | None = None
    ) -> CALLBACK_TYPE:
        """Be told when `key` changes, for one vehicle or (None) for any."""
        listeners = self._listeners.setdefault((vehicle_id, key), [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    @callback
    def _notify(self, vehicle: VehicleState, changed: set[str]) -> None:
        # Devices first, then new entities, then the entities that changed. An
        # entity added meanwhile does not hear this delivery: it was made from it.
        listeners = [
            listener
            for key in (KEY_INFO, KEY_NEW, *changed - {KEY_INFO, KEY_NEW})
            if key in changed
            for scope in (vehicle.vehicle_id, None)
            for listener in self._listeners.get((scope, key), ())
        ]
        for listener in listeners:
            listener(vehicle, changed)
        vehicle.events, vehicle.battery_change = (), None

    @callback
    def async_add_vehicle(self, info: VehicleInfo) -> None:
        """Know a vehicle before its first delivery (subscribed through Connect)."""
        self._removed.pop(info.vehicle_id, None)
        if info.vehicle_id not in self.vehicles:
            self.vehicles[info.vehicle_id] = VehicleState(info.vehicle_id, info)
            self._notify(self.vehicles[info.vehicle_id], {KEY_INFO, KEY_NEW})
            self.async_save_soon()

    @callback
    def async_remove_vehicle(self, vehicle_id: str) -> None:
        """Forget a vehicle; only a delivery newer than all it sent brings it back."""
        if (vehicle := self.vehicles.pop(vehicle_id, None)) is None:
            return
        self._removed[vehicle_id] = Removed(
            frozenset(vehicle.recent),
            vehicle.newest_sent,
            vehicle.last_update,
            vehicle.last_event[1] if vehicle.last_event else None,
        )
        self.async_save_soon()

    def _vehicle(
        self, info: VehicleInfo, proves_new: Callable[[Removed], bool]
    ) -> tuple[VehicleState | None, set[str]]:
        """The vehicle, created when new; None for a replay of a removed one."""
        if (vehicle := self.vehicles.get(info.vehicle_id)) is not None:
            if info.make is None or info == vehicle.info:
                return vehicle, set()
            vehicle.info = info
            return vehicle, {KEY_INFO}
        if (removed := self._removed.get(info.vehicle_id)) is not None:
            if not proves_new(removed):
                return None, set()
            del self._removed[info.vehicle_id]
        vehicle = self.vehicles[info.vehicle_id] = VehicleState(info.vehicle_id, info)
        return vehicle, {KEY_INFO, KEY_NEW}

    def _accept(
        self,
        vehicle: VehicleState | None,
        delivery_id: str,
        sent_at: datetime | None,
    ) -> Outcome:
        if vehicle is None:
            return Outcome.STALE
        if delivery_id and delivery_id in vehicle.recent:
            return Outcome.DUPLICATE
        if vehicle.is_stale(sent_at):
            return Outcome.STALE
        if delivery_id:
            vehicle.recent.append(delivery_id)
        return Outcome.APPLIED

    @callback
    def async_apply(
        self, delivery: DataDelivery | ErrorDelivery | ChargingEvent
    ) -> Outcome:
        """Merge a parsed delivery and notify; the outcome of its best part."""
        if isinstance(delivery, DataDelivery):
            outcomes = self._apply_data(delivery)
        elif isinstance(delivery, ErrorDelivery):
            outcomes = [self._apply_errors(delivery)]
        else:
            outcomes = [self._apply_charging_event(delivery)]
        if Outcome.APPLIED in outcomes:
            self.async_save_soon()
            return Outcome.APPLIED
        return Outcome.DUPLICATE if Outcome.DUPLICATE in outcomes else Outcome.STALE

    def _delivered(
        self, vehicle: VehicleState, delivery: DataDelivery | ErrorDelivery
    ) -> set[str]:
        changed: set[str] = set()
        sent = delivery.delivered_at
        if sent is not None and not_older(sent, vehicle.newest_sent):
            vehicle.newest_sent = sent
        if not_older(delivery.received_at, vehicle.last_delivery):
            vehicle.last_delivery = delivery.received_at
            changed.add(KEY_LAST_DELIVERY)
        return changed

    def _apply_data(self, delivery: DataDelivery) -> list[Outcome]:
        outcomes: list[Outcome] = []
        new_vehicles = 0
        for report in delivery.vehicles:
            if report.vehicle.vehicle_id not in self.vehicles:
                if new_vehicles == MAX_NEW_VEHICLES:
                    LOGGER.warning(
                        "A delivery named too many new vehicles; ignored the rest"
                    )
                    break
                new_vehicles += 1

            def proves_new(
                removed: Removed, readings: tuple[Reading, ...] = report.readings
            ) -> bool:
                return (
                    delivery.delivered_at is not None
                    and not not_older(removed.newest_sent, delivery.delivered_at)
                ) or any(
                    r.recorded_at is not None
                    and not not_older(removed.last_update, r.recorded_at)
                    for r in readings
                )

            vehicle, changed = self._vehicle(report.vehicle, proves_new)
            outcome = self._accept(vehicle, report.delivery_id, delivery.delivered_at)
            outcomes.append(outcome)
            if outcome is not Outcome.APPLIED or vehicle is None:
                continue
            changed |= self._delivered(vehicle, delivery)
            changed |= vehicle.merge(
                report.readings, _report_time(delivery, report), self.low_battery()
            )
            self._notify(vehicle, changed)
        return outcomes

    def _apply_errors(self, delivery: ErrorDelivery) -> Outcome:
        sent = delivery.delivered_at
        at = _order_time(delivery)
        vehicle, changed = self._vehicle(
            delivery.vehicle,
            lambda removed: (
                sent is not None and not not_older(removed.newest_sent, sent)
            ),
        )
        outcome = self._accept(vehicle, delivery.delivery_id, sent)
        if outcome is not Outcome.APPLIED or vehicle is None:
            return outcome
        changed |= self._delivered(vehicle, delivery)
        before = vehicle.active_errors
        for error in delivery.errors:
            key = (error.type, error.code)
            known = vehicle.errors.get(key)
            if known is None or not_older(at, known[1]):
                vehicle.errors[key] = (error, at)
        if vehicle.active_errors != before:
            changed.add(KEY_PROBLEM)
        self._notify(vehicle, changed)
        return outcome

    def _apply_charging_event(self, event: ChargingEvent) -> Outcome:
        at = event.event_time
        vehicle, changed = self._vehicle(
            VehicleInfo(event.vehicle_id),
            lambda removed: at is not None and not not_older(removed.last_event_at, at),
        )
        outcome = self._accept(vehicle, event.delivery_id, None)
        if outcome is not Outcome.APPLIED or vehicle is None:
            return outcome
        # An event older than the last one (a late retry) fires nothing.
        if vehicle.last_event is None:
            changed.add(KEY_NEW)
        last_at = None if vehicle.last_event is None else vehicle.last_event[1]
        # Strictly newer: the same event sent again, however late, fires nothing.
        if vehicle.last_event is None or (
            not_older(at, last_at) and (at is None or at != last_at)
        ):
            vehicle.last_event = (event.event_type, at)
            kind = VehicleEventType(event.event_type.value)
            if vehicle.fires(kind, at, event_based=True):
                vehicle.events = (VehicleEvent(kind, vehicle.battery_level, at),)
                changed.add(KEY_CHARGING_EVENT)
        self._notify(vehicle, changed)
        return outcome
