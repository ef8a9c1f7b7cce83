"""Per-vehicle state: merges parsed readings, newest recorded time wins.

Data flows one way: the webhook hands a parsed delivery to `VehicleStore.apply`,
which merges it and notifies only the entities whose value changed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, callback

from .const import DEDUPE_MEMORY
from .smartcar import (
    ChargingEvent,
    DataDelivery,
    ErrorDelivery,
    ErrorState,
    Field,
    Reading,
    VehicleError,
    VehicleInfo,
)

# Keys of entities that are not a Smartcar field.
KEY_LAST_UPDATE = "last_update"
KEY_LAST_DELIVERY = "last_delivery"
KEY_PROBLEM = "problem"
KEY_CHARGING_EVENT = "charging_event"

type Listener = Callable[[], None]
type VehicleListener = Callable[["VehicleState"], None]


@dataclass(slots=True)
class VehicleState:
    """What is known about one vehicle."""

    vehicle_id: str
    info: VehicleInfo
    readings: dict[Field, Reading] = field(default_factory=dict)
    errors: dict[tuple[str, str | None], VehicleError] = field(default_factory=dict)
    last_delivery: datetime | None = None
    last_charging_event: ChargingEvent | None = None
    # Keys that have had a value: an entity may exist for each of them.
    present: set[str] = field(default_factory=set)
    seen_deliveries: deque[str] = field(
        default_factory=lambda: deque(maxlen=DEDUPE_MEMORY)
    )

    @property
    def last_update(self) -> datetime | None:
        """The newest time the car recorded any good reading."""
        return max(
            (r.recorded_at for r in self.readings.values() if r.error is None),
            default=None,
        )

    def has_value(self, key: Field) -> bool:
        """Whether the field's latest reading is a good value."""
        reading = self.readings.get(key)
        return reading is not None and reading.error is None

    def merge(self, readings: Iterable[Reading]) -> set[str]:
        """Merge readings, newest recorded time per field wins; return changed keys."""
        changed: set[str] = set()
        for reading in readings:
            current = self.readings.get(reading.field)
            if current is not None and reading.recorded_at < current.recorded_at:
                continue
            self.readings[reading.field] = reading
            if (
                current is None
                or current.value != reading.value
                or (current.error is None) != (reading.error is None)
            ):
                changed.add(reading.field.value)
        return changed

    def seen(self, delivery_id: str) -> bool:
        """Remember a delivery id; True when it was processed before."""
        if not delivery_id:
            return False
        if delivery_id in self.seen_deliveries:
            return True
        self.seen_deliveries.append(delivery_id)
        return False

    @property
    def active_errors(self) -> list[VehicleError]:
        """Errors reported by VEHICLE_ERROR and not yet resolved."""
        return list(self.errors.values())


class VehicleStore:
    """All vehicles of one config entry, and who to tell when they change."""

    def __init__(self) -> None:
        """Start empty; known vehicles are added at setup."""
        self.vehicles: dict[str, VehicleState] = {}
        # Unique ids of the entities the platforms made, so none is made twice.
        self.entity_unique_ids: set[str] = set()
        self._listeners: dict[tuple[str, str], list[Listener]] = {}
        self._device_listeners: list[VehicleListener] = []
        self._new_keys_listeners: list[VehicleListener] = []

    def vehicle(self, info: VehicleInfo) -> tuple[VehicleState, bool]:
        """Return the vehicle's state, creating it; True when new or renamed."""
        if (state := self.vehicles.get(info.vehicle_id)) is not None:
            if info.make is None or info == state.info:
                return state, False
            state.info = info
            return state, True
        state = VehicleState(info.vehicle_id, info)
        self.vehicles[info.vehicle_id] = state
        return state, True

    @callback
    def async_remove_vehicle(self, vehicle_id: str) -> None:
        """Forget a vehicle; its next delivery brings it back, entities included."""
        self.vehicles.pop(vehicle_id, None)
        prefix = f"{vehicle_id}_"
        self.entity_unique_ids -= {
            unique_id
            for unique_id in self.entity_unique_ids
            if unique_id.startswith(prefix)
        }

    @callback
    def async_add_device_listener(self, listener: VehicleListener) -> CALLBACK_TYPE:
        """Be told of a new vehicle, or new make/model/year for one."""
        self._device_listeners.append(listener)
        return lambda: self._device_listeners.remove(listener)

    @callback
    def async_add_new_keys_listener(self, listener: VehicleListener) -> CALLBACK_TYPE:
        """Be told of a new vehicle, or a key that has its first value."""
        self._new_keys_listeners.append(listener)
        return lambda: self._new_keys_listeners.remove(listener)

    @callback
    def async_add_listener(
        self, vehicle_id: str, key: str, listener: Listener
    ) -> CALLBACK_TYPE:
        """Be told when one entity key of one vehicle changes."""
        listeners = self._listeners.setdefault((vehicle_id, key), [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    @callback
    def _notify(self, state: VehicleState, changed: set[str], refreshed: bool) -> None:
        if refreshed:
            for device_listener in list(self._device_listeners):
                device_listener(state)
        if refreshed or not changed <= state.present:
            state.present |= {
                key
                for key in changed
                if key not in state.present
                and (key not in Field or state.has_value(Field(key)))
            }
            for new_keys_listener in list(self._new_keys_listeners):
                new_keys_listener(state)
        for key in changed:
            for listener in list(self._listeners.get((state.vehicle_id, key), ())):
                listener()

    @callback
    def async_apply(
        self, delivery: DataDelivery | ErrorDelivery | ChargingEvent
    ) -> bool:
        """Merge a parsed delivery; False when every part was a duplicate."""
        if isinstance(delivery, DataDelivery):
            return self._apply_data(delivery)
        if isinstance(delivery, ErrorDelivery):
            return self._apply_errors(delivery)
        return self._apply_charging_event(delivery)

    def _apply_data(self, delivery: DataDelivery) -> bool:
        applied = False
        for report in delivery.vehicles:
            state, new = self.vehicle(report.vehicle)
            if state.seen(report.delivery_id):
                continue
            applied = True
            last_update = state.last_update
            changed = state.merge(report.readings)
            if state.last_update != last_update:
                changed.add(KEY_LAST_UPDATE)
            if (
                state.last_delivery is None
                or delivery.delivered_at > state.last_delivery
            ):
                state.last_delivery = delivery.delivered_at
                changed.add(KEY_LAST_DELIVERY)
            self._notify(state, changed, new)
        return applied

    def _apply_errors(self, delivery: ErrorDelivery) -> bool:
        state, new = self.vehicle(delivery.vehicle)
        if state.seen(delivery.delivery_id):
            return False
        before = dict(state.errors)
        for error in delivery.errors:
            key = (error.type, error.code)
            if error.state is ErrorState.RESOLVED:
                state.errors.pop(key, None)
            else:
                state.errors[key] = error
        self._notify(state, {KEY_PROBLEM} if state.errors != before else set(), new)
        return True

    def _apply_charging_event(self, event: ChargingEvent) -> bool:
        state, new = self.vehicle(VehicleInfo(event.vehicle_id))
        if state.seen(event.delivery_id):
            return False
        state.last_charging_event = event
        self._notify(state, {KEY_CHARGING_EVENT}, new)
        return True
