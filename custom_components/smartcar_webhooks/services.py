"""Actions: `request_update` reads vehicles afresh through Smartcar's API."""

from __future__ import annotations

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    service,
)
import probatio

from .const import DOMAIN

SERVICE_REQUEST_UPDATE = "request_update"

REQUEST_UPDATE_SCHEMA = probatio.Schema(
    {
        probatio.Exclusive(ATTR_CONFIG_ENTRY_ID, "vehicles"): cv.string,
        probatio.Exclusive(ATTR_DEVICE_ID, "vehicles"): cv.string,
    }
)


def _invalid(key: str) -> ServiceValidationError:
    return ServiceValidationError(translation_domain=DOMAIN, translation_key=key)


async def _async_request_update(call: ServiceCall) -> None:
    """Every Connect vehicle of an entry (the only one if none is named), or one."""
    hass = call.hass
    if (device_id := call.data.get(ATTR_DEVICE_ID)) is not None:
        device = dr.async_get(hass).async_get(device_id)
        vehicle_ids = (
            []
            if device is None
            else [ident for domain, ident in device.identifiers if domain == DOMAIN]
        )
        if device is None or not vehicle_ids:
            raise _invalid("not_a_vehicle")
        entry = service.async_get_config_entry(hass, DOMAIN, device.config_entry_id)
    else:
        entry = service.async_get_config_entry(
            hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID)
        )
        vehicle_ids = list(entry.runtime_data.store.vehicles)
    controller = entry.runtime_data.controller
    if not (controlled := [v for v in vehicle_ids if controller.controls(v)]):
        raise _invalid("not_connected")
    await controller.async_request_updates(controlled)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, whatever entries exist)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_REQUEST_UPDATE,
        _async_request_update,
        schema=REQUEST_UPDATE_SCHEMA,
    )
