"""Binary sensors: plugged in, charging, locked, and problems Smartcar reports.

Each field's is a row of the signal registry (`smartcar/signals.py`) shown here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .control_entity import async_without_controlled
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
    presented,
)
from .runtime import SmartcarConfigEntry
from .smartcar import Alert, Closures, Field, Kind, Presentation, Signal
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


def _unlocked(vehicle: VehicleState) -> bool | None:
    # The lock device class is on when unlocked.
    locked = vehicle.value(Field.LOCKED)
    return None if locked is None else not locked


def _alerting(field: Field) -> Callable[[VehicleState], bool | None]:
    def is_on(vehicle: VehicleState) -> bool | None:
        alert = vehicle.value(field)
        return alert.active if isinstance(alert, Alert) else None

    return is_on


def _alert_description(field: Field) -> Callable[[VehicleState], dict[str, Any]]:
    def attributes(vehicle: VehicleState) -> dict[str, Any]:
        alert = vehicle.value(field)
        return {"description": alert.description if isinstance(alert, Alert) else None}

    return attributes


def _behaviour(row: Signal) -> dict[str, Any]:
    """What a binary sensor of this row does beyond `bool(value)`, by its kind."""
    if row.field is Field.LOCKED:
        return {"is_on_fn": _unlocked}
    if row.kind is Kind.CLOSURES:
        return {"is_on_fn": _open(row.field), "attr_fn": _items(row.field)}
    if row.kind is Kind.ALERT:
        return {
            "is_on_fn": _alerting(row.field),
            "attr_fn": _alert_description(row.field),
        }
    return {}


def _description(
    row: Signal, shown: Presentation
) -> SmartcarBinarySensorEntityDescription:
    """A row of the signal registry as a binary sensor description."""
    return SmartcarBinarySensorEntityDescription(
        key=row.field.value,
        field=row.field,
        translation_key=shown.translation_key,
        device_class=None
        if shown.device_class is None
        else BinarySensorDeviceClass(shown.device_class),
        entity_category=None
        if shown.category is None
        else EntityCategory(shown.category),
        entity_registry_enabled_default=shown.enabled,
        **_behaviour(row),
    )


BINARY_SENSORS: tuple[SmartcarBinarySensorEntityDescription, ...] = (
    *(_description(row, shown) for row, shown in presented(Platform.BINARY_SENSOR)),
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
    sensors = async_without_controlled(entry, Platform.BINARY_SENSOR, BINARY_SENSORS)
    async_add_vehicle_entities(entry, sensors, SmartcarBinarySensor, async_add_entities)
