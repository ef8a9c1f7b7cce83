"""Device tracker: the vehicle's GPS position on the map."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.device_tracker import (
    SourceType,
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmartcarConfigEntry
from .entity import (
    SmartcarEntityDescription,
    SmartcarFieldEntity,
    async_setup_vehicle_entities,
)
from .smartcar import Field, Location, Value

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarTrackerEntityDescription(
    SmartcarEntityDescription, TrackerEntityDescription
):
    """A Smartcar device tracker."""


TRACKERS: tuple[SmartcarTrackerEntityDescription, ...] = (
    SmartcarTrackerEntityDescription(key="location", field=Field.LOCATION, always=True),
)


class SmartcarTracker(SmartcarFieldEntity, TrackerEntity):
    """Where the car is (or was last parked)."""

    _attr_source_type = SourceType.GPS
    # Trackers default to diagnostic; the car's position is a primary entity.
    _attr_entity_category = None  # type: ignore[assignment]
    entity_description: SmartcarTrackerEntityDescription

    def _apply_value(self, value: Value | None) -> None:
        assert isinstance(value, Location)
        self._attr_latitude = value.latitude
        self._attr_longitude = value.longitude
        self._attr_extra_state_attributes = (
            {"heading": value.heading} if value.heading is not None else {}
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a tracker for every vehicle."""
    async_setup_vehicle_entities(
        hass,
        entry,
        Platform.DEVICE_TRACKER,
        TRACKERS,
        SmartcarTracker,
        async_add_entities,
    )
