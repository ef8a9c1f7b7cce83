"""Sensors: battery, range, charging state, odometer and what else a car reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfPower,
    UnitOfPressure,
    UnitOfSpeed,
    UnitOfTemperature,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .runtime import SmartcarConfigEntry
from .smartcar import ChargingState, Field
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


def _percent(field: Field, **kwargs: object) -> SmartcarSensorEntityDescription:
    return SmartcarSensorEntityDescription(
        key=field.value,
        field=field,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        **kwargs,  # type: ignore[arg-type]
    )


def _distance(
    field: Field, state_class: SensorStateClass = SensorStateClass.MEASUREMENT
) -> SmartcarSensorEntityDescription:
    return SmartcarSensorEntityDescription(
        key=field.value,
        field=field,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=state_class,
        suggested_display_precision=0,
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


def _measurement(
    field: Field, device_class: SensorDeviceClass, unit: str, **kwargs: object
) -> SmartcarSensorEntityDescription:
    return SmartcarSensorEntityDescription(
        key=field.value,
        field=field,
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        **kwargs,  # type: ignore[arg-type]
    )


def _charge_complete_at(vehicle: VehicleState) -> datetime | None:
    """When charging will finish: the car's time plus the minutes it expects."""
    minutes = vehicle.value(Field.TIME_TO_FULL)
    state = vehicle.fields.get(Field.TIME_TO_FULL)
    if not isinstance(minutes, float) or minutes <= 0 or state is None:
        return None
    since = state.recorded_at or state.good_at
    return None if since is None else since + timedelta(minutes=minutes)


def _charging_state(vehicle: VehicleState) -> str | None:
    state = vehicle.value(Field.CHARGING_STATE)
    return state.value if isinstance(state, ChargingState) else None


SENSORS: tuple[SmartcarSensorEntityDescription, ...] = (
    _percent(Field.BATTERY_LEVEL, device_class=SensorDeviceClass.BATTERY),
    _distance(Field.RANGE),
    SmartcarSensorEntityDescription(
        key=Field.CHARGING_STATE.value,
        field=Field.CHARGING_STATE,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ChargingState],
        value_fn=_charging_state,
    ),
    _distance(Field.ODOMETER, state_class=SensorStateClass.TOTAL_INCREASING),
    _percent(Field.CHARGE_LIMIT),
    SmartcarSensorEntityDescription(
        key=Field.BATTERY_CAPACITY.value,
        field=Field.BATTERY_CAPACITY,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _percent(Field.FUEL_LEVEL),
    _distance(Field.FUEL_RANGE),
    SmartcarSensorEntityDescription(
        key=Field.FUEL_AMOUNT.value,
        field=Field.FUEL_AMOUNT,
        device_class=SensorDeviceClass.VOLUME_STORAGE,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _percent(Field.OIL_LIFE, entity_category=EntityCategory.DIAGNOSTIC),
    _tire(Field.TIRE_PRESSURE_FRONT_LEFT),
    _tire(Field.TIRE_PRESSURE_FRONT_RIGHT),
    _tire(Field.TIRE_PRESSURE_BACK_LEFT),
    _tire(Field.TIRE_PRESSURE_BACK_RIGHT),
    _measurement(
        Field.CHARGING_POWER,
        SensorDeviceClass.POWER,
        UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=1,
    ),
    _measurement(
        Field.CHARGING_CURRENT,
        SensorDeviceClass.CURRENT,
        UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    ),
    _measurement(
        Field.CHARGING_VOLTAGE,
        SensorDeviceClass.VOLTAGE,
        UnitOfElectricPotential.VOLT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    ),
    # Per charging session; total_increasing treats the reset as a new cycle,
    # so the Energy dashboard can use it.
    SmartcarSensorEntityDescription(
        key=Field.ENERGY_ADDED.value,
        field=Field.ENERGY_ADDED,
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
    ),
    SmartcarSensorEntityDescription(
        key=Field.TIME_TO_FULL.value,
        field=Field.TIME_TO_FULL,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_charge_complete_at,
    ),
    _measurement(
        Field.CHARGE_RATE,
        SensorDeviceClass.SPEED,
        UnitOfSpeed.KILOMETERS_PER_HOUR,
        suggested_display_precision=0,
    ),
    _percent(
        Field.LOW_VOLTAGE_BATTERY,
        device_class=SensorDeviceClass.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _measurement(
        Field.CABIN_TEMPERATURE,
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
    ),
    _measurement(
        Field.OUTSIDE_TEMPERATURE,
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
    ),
    SmartcarSensorEntityDescription(
        key=KEY_LAST_UPDATE,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
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
        self._attr_native_value = (
            description.value_fn(self.vehicle)
            if description.value_fn is not None
            else description.value(self.vehicle)  # type: ignore[assignment]
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors as vehicles report their fields."""
    async_add_vehicle_entities(entry, SENSORS, SmartcarSensor, async_add_entities)
    async_add_usage_sensors(entry, async_add_entities)  # issue 18.8: billed calls
