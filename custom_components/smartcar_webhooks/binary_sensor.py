"""Binary sensors: plugged in, charging, locked, and problems Smartcar reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .runtime import SmartcarConfigEntry
from .smartcar import Closures, Field
from .vehicle import KEY_PROBLEM, VehicleState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarBinarySensorEntityDescription(
    SmartcarEntityDescription, BinarySensorEntityDescription
):
    """A Smartcar binary sensor; without `is_on_fn` it shows its boolean field."""

    is_on_fn: Callable[[VehicleState], bool | None] | None = None


def _open(field: Field) -> Callable[[VehicleState], bool | None]:
    def is_open(vehicle: VehicleState) -> bool | None:
        closures = vehicle.value(field)
        return closures.is_open if isinstance(closures, Closures) else None

    return is_open


def _items(field: Field) -> Callable[[VehicleState], dict[str, Any]]:
    """Each door (window, ...) with its place, and whether it is open or locked."""

    def items(vehicle: VehicleState) -> dict[str, Any]:
        closures = vehicle.value(field)
        if not isinstance(closures, Closures):
            return {}
        return {
            "items": [
                {
                    "row": item.row,
                    "column": item.column,
                    "open": item.is_open,
                    "locked": item.is_locked,
                }
                for item in closures.items
            ]
        }

    return items


def _closure(
    field: Field, device_class: BinarySensorDeviceClass
) -> SmartcarBinarySensorEntityDescription:
    return SmartcarBinarySensorEntityDescription(
        key=field.value,
        field=field,
        device_class=device_class,
        is_on_fn=_open(field),
        attr_fn=_items(field),
    )


def _unlocked(vehicle: VehicleState) -> bool | None:
    # The lock device class is on when unlocked.
    locked = vehicle.value(Field.LOCKED)
    return None if locked is None else not locked


BINARY_SENSORS: tuple[SmartcarBinarySensorEntityDescription, ...] = (
    SmartcarBinarySensorEntityDescription(
        key=Field.PLUGGED_IN.value,
        field=Field.PLUGGED_IN,
        device_class=BinarySensorDeviceClass.PLUG,
    ),
    SmartcarBinarySensorEntityDescription(
        key=Field.CHARGING.value,
        field=Field.CHARGING,
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
    ),
    SmartcarBinarySensorEntityDescription(
        key=Field.LOCKED.value,
        field=Field.LOCKED,
        device_class=BinarySensorDeviceClass.LOCK,
        is_on_fn=_unlocked,
    ),
    _closure(Field.DOORS, BinarySensorDeviceClass.DOOR),
    _closure(Field.WINDOWS, BinarySensorDeviceClass.WINDOW),
    _closure(Field.TRUNK, BinarySensorDeviceClass.OPENING),
    _closure(Field.FRUNK, BinarySensorDeviceClass.OPENING),
    _closure(Field.SUNROOF, BinarySensorDeviceClass.WINDOW),
    SmartcarBinarySensorEntityDescription(
        key=Field.ONLINE.value,
        field=Field.ONLINE,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SmartcarBinarySensorEntityDescription(
        key=Field.ASLEEP.value,
        field=Field.ASLEEP,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SmartcarBinarySensorEntityDescription(
        key=KEY_PROBLEM,
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda vehicle: vehicle.has_problem,
        attr_fn=lambda vehicle: {
            "errors": [
                {"type": error.type, "code": error.code, "resolution": error.resolution}
                for error in vehicle.active_errors
            ],
            "field_errors": {
                key.value: "/".join(part for part in (error.type, error.code) if part)
                for key, error in vehicle.field_errors.items()
            },
        },
    ),
)


class SmartcarBinarySensor(SmartcarEntity, BinarySensorEntity):
    """A binary sensor of one vehicle."""

    entity_description: SmartcarBinarySensorEntityDescription

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        description = self.entity_description
        if description.is_on_fn is not None:
            self._attr_is_on = description.is_on_fn(self.vehicle)
        else:
            value = description.value(self.vehicle)
            self._attr_is_on = None if value is None else bool(value)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors as vehicles report their fields."""
    async_add_vehicle_entities(
        entry, BINARY_SENSORS, SmartcarBinarySensor, async_add_entities
    )
