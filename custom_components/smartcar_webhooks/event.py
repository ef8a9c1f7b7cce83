"""Event entity: plugged in, unplugged, charging started, stopped or completed, low battery.

The events come from 2.0 eventBased webhooks and from the transitions the
store derives from data deliveries; each fires once, when its delivery is
applied, and never for a restored state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.const import ATTR_BATTERY_LEVEL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import ATTR_CAR_TIME
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .events import VehicleEvent, VehicleEventType
from .runtime import SmartcarConfigEntry
from .smartcar import Field
from .store import VehicleStore
from .vehicle import KEY_CHARGING_EVENT, VehicleState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarEventEntityDescription(SmartcarEntityDescription, EventEntityDescription):
    """A Smartcar event entity."""


def _has_events(vehicle: VehicleState) -> bool:
    return vehicle.last_event is not None or any(
        vehicle.has(key)
        for key in (Field.PLUGGED_IN, Field.CHARGING, Field.BATTERY_LEVEL)
    )


EVENTS: tuple[SmartcarEventEntityDescription, ...] = (
    SmartcarEventEntityDescription(
        # The unique id keeps the key of the charging-only entity it grew from.
        key=KEY_CHARGING_EVENT,
        event_types=[event_type.value for event_type in VehicleEventType],
        exists_fn=_has_events,
    ),
)


def event_attributes(event: VehicleEvent) -> dict[str, float | str | None]:
    """What an event carries: the battery level then, and the car's time of it."""
    return {
        ATTR_BATTERY_LEVEL: event.battery_level,
        ATTR_CAR_TIME: None if event.car_time is None else event.car_time.isoformat(),
    }


class SmartcarEvent(SmartcarEntity, EventEntity):
    """Fires the events of each delivery; never for a restored state."""

    entity_description: SmartcarEventEntityDescription

    def __init__(
        self,
        store: VehicleStore,
        vehicle: VehicleState,
        description: SmartcarEntityDescription,
        changed: set[str],
    ) -> None:
        """Keep the events of the delivery that made this entity, if any."""
        super().__init__(store, vehicle, description, changed)
        # The store empties `vehicle.events` before this entity is added.
        self._first_events = vehicle.events if description.key in changed else ()

    @callback
    def _async_made_by_change(self) -> None:
        # Fire the events of the delivery that made this entity.
        self._fire(self._first_events)
        self._first_events = ()

    @callback
    def _handle_change(self, vehicle: VehicleState, changed: set[str]) -> None:
        self._fire(vehicle.events)

    @callback
    def _fire(self, events: Iterable[VehicleEvent]) -> None:
        # One state per event, so that automations see each of them.
        for event in events:
            self._trigger_event(event.type.value, event_attributes(event))
            self.async_write_ha_state()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entity once a vehicle reports its plug, charging or battery."""
    async_add_vehicle_entities(entry, EVENTS, SmartcarEvent, async_add_entities)
