"""Sensors: battery, range, charging state, odometer and what else a car reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfPressure,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmartcarConfigEntry
from .entity import (
    SmartcarEntityDescription,
    SmartcarFieldEntity,
    SmartcarTimestampEntity,
    async_setup_vehicle_entities,
)
from .smartcar import ChargingState, Field, Value
from .store import KEY_LAST_DELIVERY, KEY_LAST_UPDATE

# Push only: entities never poll, so no request is ever made in parallel.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarSensorEntityDescription(
    SmartcarEntityDescription, SensorEntityDescription
):
    """A Smartcar sensor."""


def _percent(
    key: str, field: Field, **kwargs: object
) -> SmartcarSensorEntityDescription:
    return SmartcarSensorEntityDescription(
        key=key,
        field=field,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        **kwargs,  # type: ignore[arg-type]
    )


def _tire(field: Field) -> SmartcarSensorEntityDescription:
    return SmartcarSensorEntityDescription(
        key=field.value,
        field=field,
        device_class=SensorDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.KPA,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
    )


FIELD_SENSORS: tuple[SmartcarSensorEntityDescription, ...] = (
    _percent(
        "battery_level",
        Field.BATTERY_LEVEL,
        device_class=SensorDeviceClass.BATTERY,
        always=True,
    ),
    SmartcarSensorEntityDescription(
        key="range",
        field=Field.RANGE,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        always=True,
    ),
    SmartcarSensorEntityDescription(
        key="charging_state",
        field=Field.CHARGING_STATE,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ChargingState],
        always=True,
    ),
    SmartcarSensorEntityDescription(
        key="odometer",
        field=Field.ODOMETER,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0,
    ),
    _percent("charge_limit", Field.CHARGE_LIMIT),
    SmartcarSensorEntityDescription(
        key="battery_capacity",
        field=Field.BATTERY_CAPACITY,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _percent("fuel_level", Field.FUEL_LEVEL),
    SmartcarSensorEntityDescription(
        key="fuel_range",
        field=Field.FUEL_RANGE,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    SmartcarSensorEntityDescription(
        key="fuel_amount",
        field=Field.FUEL_AMOUNT,
        device_class=SensorDeviceClass.VOLUME_STORAGE,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _percent("oil_life", Field.OIL_LIFE, entity_category=EntityCategory.DIAGNOSTIC),
    _tire(Field.TIRE_PRESSURE_FRONT_LEFT),
    _tire(Field.TIRE_PRESSURE_FRONT_RIGHT),
    _tire(Field.TIRE_PRESSURE_BACK_LEFT),
    _tire(Field.TIRE_PRESSURE_BACK_RIGHT),
)

TIMESTAMP_SENSORS: tuple[SmartcarSensorEntityDescription, ...] = (
    SmartcarSensorEntityDescription(
        key=KEY_LAST_UPDATE,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        always=True,
    ),
    # Changes with every delivery: off by default to spare the recorder.
    SmartcarSensorEntityDescription(
        key=KEY_LAST_DELIVERY,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        always=True,
    ),
)


class SmartcarSensor(SmartcarFieldEntity, SensorEntity):
    """A sensor showing one Smartcar field in its native unit."""

    entity_description: SmartcarSensorEntityDescription

    def _apply_value(self, value: Value | None) -> None:
        self._attr_native_value = (
            value.value if isinstance(value, ChargingState) else value  # type: ignore[assignment]
        )


class SmartcarTimestampSensor(SmartcarTimestampEntity, SensorEntity):
    """When the car last recorded data, or Smartcar last delivered it."""

    entity_description: SmartcarSensorEntityDescription

    @property
    def native_value(self) -> datetime | None:
        """The time."""
        return self._time


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up sensors for known vehicles and for vehicles as they appear."""
    async_setup_vehicle_entities(
        hass, entry, Platform.SENSOR, FIELD_SENSORS, SmartcarSensor, async_add_entities
    )
    async_setup_vehicle_entities(
        hass,
        entry,
        Platform.SENSOR,
        TIMESTAMP_SENSORS,
        SmartcarTimestampSensor,
        async_add_entities,
    )
