"""Sensors: battery, range, charging state, odometer and what else a car reports.

Each is a row of the signal registry (`smartcar/signals.py`) shown on this platform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .control_entity import async_without_controlled
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
    presented,
)
from .runtime import SmartcarConfigEntry
from .smartcar import Field, Kind, Presentation, Signal, TroubleCodes, native_unit
from .usage_sensor import async_add_usage_sensors
from .vehicle import KEY_LAST_DELIVERY, KEY_LAST_UPDATE, VehicleState

# Push only: entities never poll, so no request is ever made in parallel.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarSensorEntityDescription(
    SmartcarEntityDescription, SensorEntityDescription
):
    """A Smartcar sensor; without `value_fn` it shows its field's value."""

    value_fn: Callable[[VehicleState], StateType | datetime] | None = None
    # A time that moves less than this keeps its state (the pattern of
    # homeassistant.util.variance): an estimate's jitter is no logbook entry.
    ignored_variance: timedelta | None = None


def _charge_complete_at(vehicle: VehicleState) -> datetime | None:
    """When charging will finish: the car's time plus the minutes it expects.

    Only while the car charges: a full or unplugged car still reports a time
    to complete (often its last estimate), which finishes nothing.
    """
    if vehicle.value(Field.CHARGING) is not True:
        return None
    minutes = vehicle.value(Field.TIME_TO_FULL)
    state = vehicle.fields.get(Field.TIME_TO_FULL)
    if not isinstance(minutes, float) or minutes <= 0 or state is None:
        return None
    since = state.recorded_at or state.good_at
    return None if since is None else since + timedelta(minutes=minutes)


def _enum_value(field: Field) -> Callable[[VehicleState], str | None]:
    def value(vehicle: VehicleState) -> str | None:
        member = vehicle.value(field)
        return member.value if isinstance(member, StrEnum) else None

    return value


def _trouble_codes(vehicle: VehicleState) -> dict[str, Any]:
    codes = vehicle.value(Field.TROUBLE_CODES)
    return {"codes": list(codes.codes) if isinstance(codes, TroubleCodes) else []}


# What a sensor does beyond showing its field's value: behaviour, not data.
_VALUE_FNS: dict[Field, Callable[[VehicleState], StateType | datetime]] = {
    Field.TIME_TO_FULL: _charge_complete_at,
}
_EXTRAS: dict[Field, dict[str, Any]] = {
    Field.TIME_TO_FULL: {
        "extra_keys": (Field.CHARGING.value,),
        "ignored_variance": timedelta(minutes=5),
    },
    Field.TROUBLE_CODE_COUNT: {
        "attr_fn": _trouble_codes,
        "extra_keys": (Field.TROUBLE_CODES.value,),
    },
}


def _description(row: Signal, shown: Presentation) -> SmartcarSensorEntityDescription:
    """A row of the signal registry as a sensor description."""
    device_class = (
        None if shown.device_class is None else SensorDeviceClass(shown.device_class)
    )
    value_fn = _VALUE_FNS.get(row.field)
    options: list[str] | None = None
    if row.kind is Kind.ENUM:
        assert row.options is not None
        options = list(dict.fromkeys(member.value for member in row.options.values()))
        value_fn = _enum_value(row.field)
    unit = native_unit(row.field)
    return SmartcarSensorEntityDescription(
        key=row.field.value,
        field=row.field,
        translation_key=shown.translation_key,
        device_class=device_class,
        state_class=None
        if shown.state_class is None
        else SensorStateClass(shown.state_class),
        entity_category=None
        if shown.category is None
        else EntityCategory(shown.category),
        entity_registry_enabled_default=shown.enabled,
        # A timestamp is computed from the value: it has no unit.
        native_unit_of_measurement=None
        if unit is None or device_class is SensorDeviceClass.TIMESTAMP
        else unit.value,
        suggested_unit_of_measurement=shown.suggested_unit,
        suggested_display_precision=shown.precision,
        options=options,
        value_fn=value_fn,
        **_EXTRAS.get(row.field, {}),
    )


SENSORS: tuple[SmartcarSensorEntityDescription, ...] = (
    *(_description(row, shown) for row, shown in presented(Platform.SENSOR)),
    # Changes with most deliveries: off by default, so the car's logbook tells
    # what it did, not when it last spoke (the device page shows that too).
    SmartcarSensorEntityDescription(
        key=KEY_LAST_UPDATE,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda vehicle: vehicle.last_update,
    ),
    # Changes with every delivery: off by default to spare the recorder.
    SmartcarSensorEntityDescription(
        key=KEY_LAST_DELIVERY,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda vehicle: vehicle.last_delivery,
    ),
)


class SmartcarSensor(SmartcarEntity, SensorEntity):
    """A sensor of one vehicle, in its native unit."""

    entity_description: SmartcarSensorEntityDescription

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        description = self.entity_description
        value = (
            description.value_fn(self.vehicle)
            if description.value_fn is not None
            else description.value(self.vehicle)
        )
        shown = self._attr_native_value
        if not (
            isinstance(value, datetime)
            and isinstance(shown, datetime)
            and description.ignored_variance is not None
            and abs(value - shown) < description.ignored_variance
        ):
            self._attr_native_value = value  # type: ignore[assignment]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors as vehicles report their fields."""
    sensors = async_without_controlled(entry, Platform.SENSOR, SENSORS)
    async_add_vehicle_entities(entry, sensors, SmartcarSensor, async_add_entities)
    async_add_usage_sensors(entry, async_add_entities)  # issue 18.8: billed calls
