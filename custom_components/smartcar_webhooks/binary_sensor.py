"""Binary sensors: plugged in, charging, locked, and problems Smartcar reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmartcarConfigEntry
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    SmartcarFieldEntity,
    async_setup_vehicle_entities,
)
from .smartcar import ErrorState, Field, Value, VehicleError
from .store import KEY_PROBLEM

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarBinarySensorEntityDescription(
    SmartcarEntityDescription, BinarySensorEntityDescription
):
    """A Smartcar binary sensor; `inverted` when on means the field is false."""

    inverted: bool = False


FIELD_BINARY_SENSORS: tuple[SmartcarBinarySensorEntityDescription, ...] = (
    SmartcarBinarySensorEntityDescription(
        key="plugged_in",
        field=Field.PLUGGED_IN,
        device_class=BinarySensorDeviceClass.PLUG,
        always=True,
    ),
    SmartcarBinarySensorEntityDescription(
        key="charging",
        field=Field.CHARGING,
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        always=True,
    ),
    # The lock device class is on when unlocked.
    SmartcarBinarySensorEntityDescription(
        key="locked",
        field=Field.LOCKED,
        device_class=BinarySensorDeviceClass.LOCK,
        inverted=True,
    ),
)

PROBLEM_BINARY_SENSORS: tuple[SmartcarBinarySensorEntityDescription, ...] = (
    SmartcarBinarySensorEntityDescription(
        key=KEY_PROBLEM,
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        always=True,
    ),
)


class SmartcarBinarySensor(SmartcarFieldEntity, BinarySensorEntity):
    """A binary sensor showing one boolean Smartcar field."""

    entity_description: SmartcarBinarySensorEntityDescription

    def _apply_value(self, value: Value | None) -> None:
        self._attr_is_on = bool(value) != self.entity_description.inverted


class SmartcarProblemSensor(SmartcarEntity, BinarySensorEntity):
    """On while Smartcar reports an unresolved VEHICLE_ERROR."""

    entity_description: SmartcarBinarySensorEntityDescription

    def _restore(self, last_state: State, extra: dict[str, Any]) -> None:
        if self._vehicle.errors or not isinstance(
            errors := last_state.attributes.get("errors"), list
        ):
            return
        for error in errors:
            if isinstance(error, dict) and isinstance(error.get("type"), str):
                restored = VehicleError(
                    type=error["type"],
                    code=error.get("code"),
                    description=None,
                    resolution=error.get("resolution"),
                    state=ErrorState.ERROR,
                )
                self._vehicle.errors[(restored.type, restored.code)] = restored

    @callback
    def _update_from_store(self) -> None:
        errors = self._vehicle.active_errors
        self._attr_is_on = bool(errors)
        self._attr_extra_state_attributes = {
            "errors": [
                {"type": error.type, "code": error.code, "resolution": error.resolution}
                for error in errors
            ]
        }


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up binary sensors for known vehicles and for vehicles as they appear."""
    async_setup_vehicle_entities(
        hass,
        entry,
        Platform.BINARY_SENSOR,
        FIELD_BINARY_SENSORS,
        SmartcarBinarySensor,
        async_add_entities,
    )
    async_setup_vehicle_entities(
        hass,
        entry,
        Platform.BINARY_SENSOR,
        PROBLEM_BINARY_SENSORS,
        SmartcarProblemSensor,
        async_add_entities,
    )
