"""Actions: `request_update` reads vehicles afresh through Smartcar's API."""

from __future__ import annotations

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID, Platform
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
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
    await _async_check_permission(call, controlled)
    await controller.async_request_updates(controlled)


async def _async_check_permission(call: ServiceCall, vehicle_ids: list[str]) -> None:
    """A billed read: only for a user who may press the vehicles' update buttons.

    As Home Assistant checks its entity services: no user (an automation) or an
    admin may; anyone else needs control of each vehicle's button entity.
    """
    if (user_id := call.context.user_id) is None:
        return
    if (user := await call.hass.auth.async_get_user(user_id)) is None:
        raise UnknownUser(context=call.context, permission=POLICY_CONTROL)
    if user.is_admin:
        return
    from .button import KEY_REQUEST_UPDATE  # noqa: PLC0415 - the platform imports us

    registry = er.async_get(call.hass)
    for vehicle_id in vehicle_ids:
        entity_id = registry.async_get_entity_id(
            Platform.BUTTON, DOMAIN, f"{vehicle_id}_{KEY_REQUEST_UPDATE}"
        )
        if entity_id is None or not user.permissions.check_entity(
            entity_id, POLICY_CONTROL
        ):
            raise Unauthorized(
                context=call.context, entity_id=entity_id, permission=POLICY_CONTROL
            )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, whatever entries exist)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_REQUEST_UPDATE,
        _async_request_update,
        schema=REQUEST_UPDATE_SCHEMA,
    )
