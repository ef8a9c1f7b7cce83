"""Event entity: charging started, stopped or completed (2.0 eventBased webhooks)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmartcarConfigEntry
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .smartcar import ChargingEventType
from .vehicle import KEY_CHARGING_EVENT, VehicleState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarEventEntityDescription(SmartcarEntityDescription, EventEntityDescription):
    """A Smartcar event entity."""


EVENTS: tuple[SmartcarEventEntityDescription, ...] = (
    SmartcarEventEntityDescription(
        key=KEY_CHARGING_EVENT,
        event_types=[event_type.value for event_type in ChargingEventType],
        exists_fn=lambda vehicle: vehicle.last_event is not None,
    ),
)


class SmartcarEvent(SmartcarEntity, EventEntity):
    """Fires when the car reports a charging event; never for a restored one."""

    entity_description: SmartcarEventEntityDescription

    @callback
    def _async_made_by_change(self) -> None:
        # Fire the event that made this entity (never one from a restart).
        self._fire()
        self.async_write_ha_state()

    @callback
    def _handle_change(self, vehicle: VehicleState, changed: set[str]) -> None:
        self._fire()
        self.async_write_ha_state()

    @callback
    def _fire(self) -> None:
        if self.vehicle.last_event is not None:
            self._trigger_event(self.vehicle.last_event[0].value)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entity once a vehicle reports charging events."""
    async_add_vehicle_entities(entry, EVENTS, SmartcarEvent, async_add_entities)
