"""Device conditions: the car is plugged in, unplugged, charging, or its battery is low.

They read the vehicle state of the loaded entry (never an entity, so they work
while an entity is disabled); a condition about a car whose entry is not
loaded, or whose value is unavailable, is not met.
"""

from __future__ import annotations

from typing import Any

from homeassistant.const import (
    CONF_BELOW,
    CONF_CONDITION,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_TYPE,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.condition import ConditionCheckerType
from homeassistant.helpers.config_validation import DEVICE_CONDITION_BASE_SCHEMA
from homeassistant.helpers.typing import ConfigType, TemplateVarsType
import probatio

from .const import DOMAIN
from .device_automation import (
    BATTERY_BELOW,
    BELOW_SCHEMA,
    async_loaded_vehicle,
    async_vehicle_of_device,
    battery_below_capabilities,
)
from .options import low_battery
from .smartcar import Field
from .vehicle import VehicleState

CONDITION_PLUGGED_IN = "is_plugged_in"
CONDITION_UNPLUGGED = "is_unplugged"
CONDITION_CHARGING = "is_charging"
CONDITION_BATTERY_BELOW = BATTERY_BELOW
# Each condition type, and the field the car must report for it.
CONDITION_FIELDS = {
    CONDITION_PLUGGED_IN: Field.PLUGGED_IN,
    CONDITION_UNPLUGGED: Field.PLUGGED_IN,
    CONDITION_CHARGING: Field.CHARGING,
    CONDITION_BATTERY_BELOW: Field.BATTERY_LEVEL,
}
CONDITION_SCHEMA = DEVICE_CONDITION_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In(list(CONDITION_FIELDS)), **BELOW_SCHEMA}
)


async def async_get_conditions(
    hass: HomeAssistant, device_id: str
) -> list[dict[str, Any]]:
    """The conditions that fit what the car reports (all while unknown)."""
    if (found := async_vehicle_of_device(hass, device_id)) is None:
        return []
    vehicle = async_loaded_vehicle(*found)
    return [
        {
            CONF_CONDITION: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: kind,
        }
        for kind, key in CONDITION_FIELDS.items()
        if vehicle is None or not vehicle.reported or vehicle.has(key)
    ]


async def async_get_condition_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, probatio.Schema]:
    """The level of "battery below", by default the entry's threshold."""
    if config[CONF_TYPE] != CONDITION_BATTERY_BELOW:
        return {}
    return battery_below_capabilities(hass, config)


def _met(kind: str, vehicle: VehicleState, below: float) -> bool:
    if kind == CONDITION_BATTERY_BELOW:
        level = vehicle.battery_level
        return level is not None and level < below
    value = vehicle.value(CONDITION_FIELDS[kind])
    # Unplugged is a reported False, never an unknown plug.
    return value is False if kind == CONDITION_UNPLUGGED else value is True


@callback
def async_condition_from_config(
    hass: HomeAssistant, config: ConfigType
) -> ConditionCheckerType:
    """A check of the car's state as it is now."""
    device_id, kind = config[CONF_DEVICE_ID], config[CONF_TYPE]
    below: float | None = config.get(CONF_BELOW)

    @callback
    def check(hass: HomeAssistant, variables: TemplateVarsType = None) -> bool:
        if (found := async_vehicle_of_device(hass, device_id)) is None:
            return False
        entry, vehicle_id = found
        if (vehicle := async_loaded_vehicle(entry, vehicle_id)) is None:
            return False
        return _met(kind, vehicle, low_battery(entry) if below is None else below)

    return check
