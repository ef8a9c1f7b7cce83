"""Device triggers: the car's events, and its battery dropping below a level.

They follow the vehicle state, not entities: a trigger fires once per event of
a delivery (never for a duplicate, a late reading, a TEST delivery or a
restart), also while the event entity is disabled, and keeps working across a
reload of the entry.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.const import (
    ATTR_BATTERY_LEVEL,
    CONF_BELOW,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio

from .const import ATTR_CAR_TIME, DOMAIN
from .device_automation import (
    BATTERY_BELOW,
    BELOW_SCHEMA,
    async_loaded_vehicle,
    async_require_vehicle,
    async_vehicle_of_device,
    battery_below_capabilities,
)
from .events import CHARGING_EVENTS, VehicleEvent, VehicleEventType
from .options import low_battery
from .signals import signal_battery, signal_events
from .smartcar import Field
from .vehicle import VehicleState

TRIGGER_BATTERY_BELOW = BATTERY_BELOW
TRIGGER_TYPES = [*(kind.value for kind in VehicleEventType), TRIGGER_BATTERY_BELOW]

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In(TRIGGER_TYPES), **BELOW_SCHEMA}
)


def _offered(vehicle: VehicleState | None) -> list[str]:
    """The trigger types that fit what the car reports (all while unknown)."""
    if vehicle is None or not vehicle.reported:
        return TRIGGER_TYPES
    offered: list[str] = []
    if vehicle.has(Field.PLUGGED_IN):
        offered += (VehicleEventType.PLUGGED_IN, VehicleEventType.UNPLUGGED)
    if vehicle.has(Field.CHARGING) or vehicle.last_event is not None:
        offered += sorted(CHARGING_EVENTS, key=TRIGGER_TYPES.index)
    if vehicle.has(Field.BATTERY_LEVEL):
        offered += (VehicleEventType.LOW_BATTERY, TRIGGER_BATTERY_BELOW)
    return offered


async def async_get_triggers(
    hass: HomeAssistant, device_id: str
) -> list[dict[str, Any]]:
    """The triggers of one of our vehicle devices."""
    if (found := async_vehicle_of_device(hass, device_id)) is None:
        return []
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: str(kind),
        }
        for kind in _offered(async_loaded_vehicle(*found))
    ]


async def async_get_trigger_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, probatio.Schema]:
    """The level of "battery below", by default the entry's threshold."""
    if config[CONF_TYPE] != TRIGGER_BATTERY_BELOW:
        return {}
    return battery_below_capabilities(hass, config)


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Run the action on the vehicle's events of the configured type."""
    device_id, kind = config[CONF_DEVICE_ID], config[CONF_TYPE]
    entry, vehicle_id = async_require_vehicle(hass, device_id)
    job = HassJob(action, f"Smartcar device trigger {trigger_info['name']}")
    # What traces and the logbook say triggered it: the type's translated name.
    strings = await async_get_translations(
        hass, hass.config.language, "device_automation", {DOMAIN}
    )
    name = strings.get(
        f"component.{DOMAIN}.device_automation.trigger_type.{kind}", str(kind)
    )
    trigger: dict[str, Any] = {
        **trigger_info["trigger_data"],
        CONF_PLATFORM: "device",
        CONF_DOMAIN: DOMAIN,
        CONF_DEVICE_ID: device_id,
        CONF_TYPE: kind,
    }

    if kind != TRIGGER_BATTERY_BELOW:

        @callback
        def on_events(events: tuple[VehicleEvent, ...]) -> None:
            for event in events:
                if event.type == kind:
                    hass.async_run_hass_job(
                        job,
                        {
                            "trigger": {
                                **trigger,
                                ATTR_BATTERY_LEVEL: event.battery_level,
                                ATTR_CAR_TIME: event.car_time,
                                "description": name,
                            }
                        },
                    )

        return async_dispatcher_connect(
            hass, signal_events(entry.entry_id, vehicle_id), on_events
        )

    below: float | None = config.get(CONF_BELOW)

    @callback
    def on_battery(before: float, after: float) -> None:
        level = low_battery(entry) if below is None else below
        if before >= level > after:
            hass.async_run_hass_job(
                job,
                {
                    "trigger": {
                        **trigger,
                        CONF_BELOW: level,
                        ATTR_BATTERY_LEVEL: after,
                        "description": f"{name} ({level:g} %)",
                    }
                },
            )

    return async_dispatcher_connect(
        hass, signal_battery(entry.entry_id, vehicle_id), on_battery
    )
