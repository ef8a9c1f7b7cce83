"""One persisted source of truth per entry: every vehicle's state.

Deliveries are merged by the rules of `vehicle.py`; duplicates and stale
replays change nothing. Entities only read this state; listeners hear which
keys changed, so only the entities whose value changed write their state.
While listeners hear of a delivery, `VehicleState.events` holds the events it
made (and `battery_change` the battery level's); afterwards they are empty.

Durable by group commit: every change starts a write at once unless one is
in flight; what changes meanwhile goes into the next write. `async_commit`
returns once everything merged so far is on disk (the webhook answers 200
only then), and listeners hear of a change only once it is on disk, so an
automation never runs for a delivery that a power cut could make Smartcar
send again. A closed store (the entry unloaded) changes and writes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import os
from pathlib import Path
import tempfile
from typing import Any

from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
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
# A real account has a handful of vehicles; one delivery may not add more.
MAX_NEW_VEHICLES = 100

type Listener = Callable[[VehicleState, set[str]], None]


class NotKeptError(Exception):
    """A change could not be written (or the store is closed): do not answer 2xx."""


@dataclass(slots=True)
class _Note:
    """What listeners hear of one merge, once it is on disk."""

    vehicle: VehicleState
    changed: set[str]
    events: tuple[VehicleEvent, ...]
    battery_change: tuple[float, float] | None


def _temp_prefix(path: str) -> str:
    return f".{os.path.basename(path)}."


def remove_leftovers(path: str) -> None:
    """Delete the temporary files of writes a power cut interrupted."""
    for leftover in Path(path).parent.glob(f"{_temp_prefix(path)}*"):
        leftover.unlink(missing_ok=True)


def write_file(path: str, data: bytes | str) -> None:
    """Write all or nothing, and make it survive a power cut (fsync, then rename).

    Private (0600), like Home Assistant's own private storage files.
    """
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=_temp_prefix(path))
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data.encode() if isinstance(data, str) else data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class _WriteFailedError(Exception):
    """Raised out of `Store.async_save`, which logs and swallows its own errors."""


class DurableStore(Store[dict[str, Any]]):
    """Home Assistant's `Store`, whose writes are fsynced and raise on failure."""

    def _write_prepared_data(self, mode: str, json_data: str | bytes) -> None:
        try:
            write_file(self.path, json_data)
        except OSError as err:
            raise _WriteFailedError(str(err)) from err


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
        self._hass = hass
        # Serialised in the executor, off the event loop: a 200-car file is
        # about 1 MB of JSON. Safe, as `_data` hands over a snapshot whose
        # vehicle dicts are replaced, never changed, when a vehicle changes.
        self._store = DurableStore(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry_id}",
            private=True,
            serialize_in_event_loop=False,
        )
        self.vehicles: dict[str, VehicleState] = {}
        # Battery % below which a `low_battery` event fires (the entry's option,
        # read at each delivery so that a new threshold needs no reload).
        self.low_battery: Callable[[], float] = lambda: DEFAULT_LOW_BATTERY
        self._removed: dict[str, Removed] = {}
        self._listeners: dict[tuple[str | None, str], list[Listener]] = {}
        # Group commit: changes made (generation) and on disk (written).
        self._generation = 0
        self._written = 0
        self._notes: list[_Note] = []
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._write_failed = False
        self._closed = False
        # Each vehicle's JSON form, encoded again only when it changed.
        self._encoded: dict[str, dict[str, Any]] = {}
        self.writes = 0  # files written (scripts/bench counts them)
        # The last state that loaded whole, to recover from a damaged file.
        self._last_good: Store[dict[str, Any]] = DurableStore(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.last_good", private=True
        )
        self.dropped = 0  # stored vehicles (or a whole file) that could not be read
        self.recovered = False  # whether the last good copy was used

    async def async_load(self) -> bool:
        """Load the saved state; False when there was none (a first start).

        What cannot be read is dropped and counted (`dropped`); a file that
        cannot be read at all, or is gone, is replaced by the last good copy
        (`recovered`), which every load that dropped nothing renews.
        """
        with suppress(OSError):
            await self._hass.async_add_executor_job(remove_leftovers, self._store.path)
        data = await self._async_read(self._store)
        if data is not None and not self.dropped:
            # The copy is of what was taken in (clean), not of the raw file.
            with suppress(_WriteFailedError):
                await self._last_good.async_save(self._data())
            return True
        # Damaged or gone: what is readable stays, the last good copy fills in.
        vehicles, removed, dropped = (
            dict(self.vehicles),
            dict(self._removed),
            self.dropped,
        )
        self.vehicles.clear()
        self._removed.clear()
        good = await self._async_read(self._last_good)
        self.dropped = dropped
        if good is None:
            self.vehicles, self._removed = vehicles, removed
            return data is not None
        self.recovered = True
        self.vehicles.update(vehicles)
        self._removed.update(removed)
        self.async_save_soon()
        return True

    async def _async_read(self, store: Store[dict[str, Any]]) -> dict[str, Any] | None:
        """One file's state, taken in; None when there is none or it is unreadable."""
        try:
            data = await store.async_load()
        except HomeAssistantError, KeyError, TypeError, ValueError, AttributeError:
            # Valid JSON of the wrong shape makes Store itself fail.
            self.dropped = max(self.dropped, 1)
            return None
        if data is None:
            return None
        if not isinstance(data, dict) or not self.async_restore(data):
            self.dropped = max(self.dropped, 1)
            return None
        return data

    @callback
    def async_restore(self, data: dict[str, Any]) -> bool:
        """Take saved (or migrated) state; unusable parts are dropped and counted.

        False when nothing of it is usable (not the shape this version writes).
        """
        vehicles, removed = data.get("vehicles", {}), data.get("removed", {})
        if not isinstance(vehicles, dict) or not isinstance(removed, dict):
            return False
        for vehicle_id, raw in vehicles.items():
            if (vehicle := decode_vehicle(vehicle_id, raw)) is not None:
                self.vehicles[vehicle_id] = vehicle
            else:
                self.dropped += 1
        for vehicle_id, raw in removed.items():
            if (marks := decode_removed(vehicle_id, raw)) is not None:
                self._removed[vehicle_id] = marks
        return True

    def _data(self) -> dict[str, Any]:
        encoded = self._encoded
        for vehicle_id in encoded.keys() - self.vehicles.keys():
            del encoded[vehicle_id]
        return {
            "vehicles": {
                vehicle_id: encoded[vehicle_id]
                if vehicle_id in encoded
                else encoded.setdefault(vehicle_id, encode_vehicle(vehicle))
                for vehicle_id, vehicle in self.vehicles.items()
            },
            "removed": {
                vehicle_id: encode_removed(removed)
                for vehicle_id, removed in self._removed.items()
            },
        }

    @callback
    def async_save_soon(self, vehicle_id: str | None = None) -> None:
        """Write the change now, or with the next write when one is in flight.

        `vehicle_id` names the vehicle whose JSON form must be made again.
        """
        if self._closed:
            return
        if vehicle_id is not None:
            self._encoded.pop(vehicle_id, None)
        self._generation += 1
        self._start_writer()

    @callback
    def _start_writer(self) -> None:
        if self._writer is None:
            self._writer = self._hass.async_create_task(
                self._async_write(), f"{DOMAIN} store write", eager_start=False
            )

    async def _async_write(self) -> None:
        try:
            while self._written < self._generation and not self._closed:
                generation, notes = self._generation, self._notes
                self._notes = []
                try:
                    await self._store.async_save(self._data())
                except _WriteFailedError as err:
                    self._notes = notes + self._notes
                    if not self._write_failed:
                        self._write_failed = True
                        LOGGER.warning("Could not save the vehicles' state: %s", err)
                    self._wake(NotKeptError(str(err)))
                    return
                self.writes += 1
                self._write_failed = False
                for note in notes:
                    self._deliver(note)
                if self._hass.state is not CoreState.running:
                    # Stopping: Store keeps it for its final write, which a
                    # power cut may prevent. Not a promise to answer 2xx for.
                    self._wake(NotKeptError("stopping"))
                    return
                self._written = generation
                self._wake()
        finally:
            self._writer = None
            if self._closed:
                self._wake(NotKeptError("closed"))

    @callback
    def _wake(self, error: Exception | None = None) -> None:
        waiting, self._waiters = self._waiters, []
        for target, future in waiting:
            if future.done():
                continue
            if target <= self._written:
                future.set_result(None)
            elif error is not None:
                future.set_exception(error)
            else:
                self._waiters.append((target, future))

    async def async_commit(self) -> None:
        """Return once every change so far is on disk; else `NotKeptError`.

        Also refused while Home Assistant stops: its last write may never come.
        """
        if self._closed or self._hass.state in (
            CoreState.stopping,
            CoreState.final_write,
            CoreState.stopped,
        ):
            raise NotKeptError("not running")
        target = self._generation
        if target <= self._written:
            return
        # After a failed write nothing runs: try again for this delivery.
        self._start_writer()
        future: asyncio.Future[None] = self._hass.loop.create_future()
        self._waiters.append((target, future))
        await future

    async def async_flush(self) -> None:
        """Write what is not on disk yet (before an unload)."""
        if self._generation > self._written:
            await self.async_commit()

    async def async_close(self) -> None:
        """Write what is pending, then change and write nothing any more."""
        try:
            await self.async_flush()
        except NotKeptError:
            LOGGER.warning("The vehicles' last changes could not be saved")
        else:
            # What was just written whole is the copy to recover from.
            with suppress(_WriteFailedError):
                await self._last_good.async_save(self._data())
        self._closed = True
        self._wake(NotKeptError("closed"))

    @property
    def closed(self) -> bool:
        """Whether the store was closed (its entry unloaded)."""
        return self._closed

    async def async_remove(self) -> None:
        """Delete the saved state (the entry is being removed); write nothing more."""
        self._closed = True
        self._wake(NotKeptError("closed"))
        await self._store.async_remove()
        await self._last_good.async_remove()

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
        """Tell listeners of a merge once the write that holds it is done."""
        self._notes.append(
            _Note(vehicle, changed, vehicle.events, vehicle.battery_change)
        )
        vehicle.events, vehicle.battery_change = (), None
        self.async_save_soon(vehicle.vehicle_id)

    @callback
    def _deliver(self, note: _Note) -> None:
        vehicle, changed = note.vehicle, note.changed
        vehicle.events, vehicle.battery_change = note.events, note.battery_change
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
            vehicle = self.vehicles[info.vehicle_id] = VehicleState(
                info.vehicle_id, info
            )
            # Known from the entry's data: its device and entities at once.
            self._deliver(_Note(vehicle, {KEY_INFO, KEY_NEW}, (), None))
            self.async_save_soon(info.vehicle_id)

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
        self.async_save_soon(vehicle_id)

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
        """Merge a parsed delivery; the outcome of its best part.

        Listeners hear of it once it is written; `async_commit` waits for that.
        """
        if self._closed:
            raise NotKeptError("closed")
        if isinstance(delivery, DataDelivery):
            outcomes = self._apply_data(delivery)
        elif isinstance(delivery, ErrorDelivery):
            outcomes = [self._apply_errors(delivery)]
        else:
            outcomes = [self._apply_charging_event(delivery)]
        if Outcome.APPLIED in outcomes:
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
