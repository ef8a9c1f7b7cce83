"""What device triggers and conditions share: finding the car, and "battery below".

Both follow the vehicle state of the loaded entry, never an entity.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.device_automation import InvalidDeviceAutomationConfig
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_BELOW, CONF_DEVICE_ID, PERCENTAGE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType
import probatio

from .const import DOMAIN
from .options import low_battery
from .runtime import SmartcarConfigEntry
from .vehicle import VehicleState

BATTERY_BELOW = "battery_below"
PERCENT = probatio.All(probatio.Coerce(float), probatio.Range(min=0, max=100))
# Only for battery_below; without it (or None, as a blueprint passes an empty
# input), the entry's low-battery threshold.
BELOW_SCHEMA: dict[probatio.Marker, Any] = {
    probatio.Optional(CONF_BELOW): probatio.Any(None, PERCENT)
}


@callback
def async_vehicle_of_device(
    hass: HomeAssistant, device_id: str
) -> tuple[SmartcarConfigEntry, str] | None:
    """The entry and vehicle id of one of our vehicle devices; None otherwise."""
    if (device := dr.async_get(hass).async_get(device_id)) is None:
        return None
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    vehicle_ids = [
        vehicle_id for domain, vehicle_id in device.identifiers if domain == DOMAIN
    ]
    if entry is None or entry.domain != DOMAIN or not vehicle_ids:
        return None
    return entry, vehicle_ids[0]


@callback
def async_require_vehicle(
    hass: HomeAssistant, device_id: str
) -> tuple[SmartcarConfigEntry, str]:
    """The entry and vehicle id of a device; a translated error if it is not ours."""
    if (found := async_vehicle_of_device(hass, device_id)) is None:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN, translation_key="not_a_vehicle"
        )
    return found


@callback
def async_loaded_vehicle(
    entry: SmartcarConfigEntry, vehicle_id: str
) -> VehicleState | None:
    """The vehicle's state while its entry is loaded."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return entry.runtime_data.store.vehicles.get(vehicle_id)


def battery_below_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, probatio.Schema]:
    """The level of "battery below", by default the entry's threshold."""
    entry, _vehicle_id = async_require_vehicle(hass, config[CONF_DEVICE_ID])
    return {
        "extra_fields": probatio.Schema(
            {
                probatio.Required(
                    CONF_BELOW,
                    default=low_battery(entry),
                    description={"suffix": PERCENTAGE},
                ): PERCENT
            }
        )
    }
