"""Device tracker: the vehicle's GPS position on the map."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.device_tracker import (
    SourceType,
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .runtime import SmartcarConfigEntry
from .smartcar import Field, Location

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarTrackerEntityDescription(
    SmartcarEntityDescription, TrackerEntityDescription
):
    """A Smartcar device tracker."""


TRACKERS: tuple[SmartcarTrackerEntityDescription, ...] = (
    SmartcarTrackerEntityDescription(key=Field.LOCATION.value, field=Field.LOCATION),
)


class SmartcarTracker(SmartcarEntity, TrackerEntity):
    """Where the car is (or was last parked)."""

    _attr_source_type = SourceType.GPS
    # Named after the car itself, so that the map labels it "Polestar 2".
    _attr_name = None
    # Trackers default to diagnostic; the car's position is a primary entity.
    _attr_entity_category = None  # type: ignore[assignment]
    entity_description: SmartcarTrackerEntityDescription

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        location = self.entity_description.value(self.vehicle)
        if isinstance(location, Location):
            self._attr_latitude = location.latitude
            self._attr_longitude = location.longitude
            self._attr_extra_state_attributes = {
                key: value
                for key, value in (
                    ("heading", location.heading),
                    (
                        "location_type",
                        location.location_type and location.location_type.value,
                    ),
                )
                if value is not None
            }


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tracker once a vehicle reports where it is."""
    async_add_vehicle_entities(entry, TRACKERS, SmartcarTracker, async_add_entities)
