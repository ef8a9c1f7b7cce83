"""Diagnostics: what the integration knows, with secrets and positions redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .connect import has_connect
from .const import (
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
)
from .runtime import SmartcarConfigEntry

TO_REDACT = {
    CONF_WEBHOOK_ID,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_SMARTCAR_USER_ID,
    CONF_TOKEN,
    "user_id",  # a v3 vehicle's Smartcar user
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> dict[str, Any]:
    """Entry settings (redacted) and, per vehicle, which fields have data.

    Vehicle ids, VINs, values and coordinates are left out: only field names,
    whether each is an error, and times.
    """
    store = entry.runtime_data.store
    return {
        "entry": async_redact_data(
            {
                **entry.data,
                # Keyed by vehicle id: keep only how many were subscribed.
                **(
                    {CONF_VEHICLES: len(entry.data[CONF_VEHICLES])}
                    if CONF_VEHICLES in entry.data
                    else {}
                ),
            },
            TO_REDACT,
        ),
        "options": dict(entry.options),
        # What the user granted (the token's own list is redacted with the token).
        "permissions": sorted(entry.runtime_data.controller.scopes)
        if has_connect(entry)
        else [],
        "verification_window_open": entry.runtime_data.window.is_open,
        "vehicles": [
            {
                "make": vehicle.info.make,
                "model": vehicle.info.model,
                "year": vehicle.info.year,
                "last_update": vehicle.last_update,
                "last_delivery": vehicle.last_delivery,
                "fields": {
                    field.value: (
                        f"error: {state.error.type}"
                        if state.error
                        else "ok"
                        if state.available
                        else "no value"
                    )
                    for field, state in vehicle.fields.items()
                },
                "errors": [
                    {"type": error.type, "code": error.code}
                    for error in vehicle.active_errors
                ],
            }
            for vehicle in store.vehicles.values()
        ],
    }
