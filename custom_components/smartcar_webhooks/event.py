"""Event entity: charging started, stopped or completed (2.0 eventBased webhooks)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmartcarConfigEntry
from .entity import (
    SmartcarEntityDescription,
    SmartcarVehicleEntity,
    async_setup_vehicle_entities,
)
from .smartcar import ChargingEventType
from .store import KEY_CHARGING_EVENT, VehicleState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarEventEntityDescription(SmartcarEntityDescription, EventEntityDescription):
    """A Smartcar event entity."""


EVENTS: tuple[SmartcarEventEntityDescription, ...] = (
    SmartcarEventEntityDescription(
        key=KEY_CHARGING_EVENT,
        event_types=[event_type.value for event_type in ChargingEventType],
    ),
)


class SmartcarChargingEvent(SmartcarVehicleEntity, EventEntity):
    """Fires when Smartcar reports a charging event."""

    entity_description: SmartcarEventEntityDescription

    async def async_added_to_hass(self) -> None:
        """Follow the store; fire for an event that created this entity."""
        await super().async_added_to_hass()
        self._async_follow_store(self._handle_event)
        if self._vehicle.last_charging_event is not None and self.state is None:
            self._handle_event()

    @callback
    def _handle_event(self) -> None:
        event = self._vehicle.last_charging_event
        assert event is not None  # only ever notified after a charging event
        self._trigger_event(event.event_type.value)
        self.async_write_ha_state()


def _has_charging_events(
    vehicle: VehicleState, _description: SmartcarEventEntityDescription
) -> bool:
    return vehicle.last_charging_event is not None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up charging event entities once a vehicle reports charging events."""
    async_setup_vehicle_entities(
        hass,
        entry,
        Platform.EVENT,
        EVENTS,
        SmartcarChargingEvent,
        async_add_entities,
        _has_charging_events,
    )
