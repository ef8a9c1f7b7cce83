"""The diagnostic sensor of billed Smartcar calls per vehicle this month (issue 18.8).

It exists for the vehicles the entry reads and controls through Smartcar's
API, counts what `UsageCounter` counts, and starts from zero each month.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .control import SmartcarController
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .runtime import SmartcarConfigEntry
from .store import VehicleStore
from .vehicle import VehicleState

KEY_API_CALLS = "api_calls"


@dataclass(frozen=True, kw_only=True)
class UsageSensorEntityDescription(SmartcarEntityDescription, SensorEntityDescription):
    """The count of billed calls; no Smartcar field behind it."""


class UsageSensor(SmartcarEntity, SensorEntity):
    """Billed Smartcar calls (reads and commands) of one vehicle this month."""

    entity_description: UsageSensorEntityDescription

    def __init__(
        self,
        controller: SmartcarController,
        store: VehicleStore,
        vehicle: VehicleState,
        description: UsageSensorEntityDescription,
        changed: set[str],
    ) -> None:
        """Bind to the controller, which counts the calls."""
        self._controller = controller
        super().__init__(store, vehicle, description, changed)

    async def async_added_to_hass(self) -> None:
        """Also follow the counter."""
        await super().async_added_to_hass()
        self.async_on_remove(self._controller.usage.async_listen(self._counted))

    @callback
    def _counted(self) -> None:
        self._async_update_attrs()
        self.async_write_ha_state()

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        self._attr_native_value = self._controller.usage.count(
            self.vehicle.vehicle_id, dt_util.utcnow()
        )


@callback
def async_add_usage_sensors(
    entry: SmartcarConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A usage sensor for each vehicle the entry calls Smartcar's API for."""
    controller = entry.runtime_data.controller
    description = UsageSensorEntityDescription(
        key=KEY_API_CALLS,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=lambda vehicle: controller.controls(vehicle.vehicle_id),
    )
    async_add_vehicle_entities(
        entry, [description], partial(UsageSensor, controller), async_add_entities
    )
