"""Reconfigure: a new management token, verified again on the entry's webhook.

A VERIFY changes nothing in the entry: it only shows that Smartcar (or
someone) reached the callback URI while the window was open.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from ..const import CONF_MANAGEMENT_TOKEN, DOMAIN
from ..smartcar import token_unique_id
from .base import TOKEN_SCHEMA, SmartcarFlowBase
from .flow_webhook import CallbackUrlError, async_callback_url


async def async_change_token(
    hass: HomeAssistant, entry: ConfigEntry, token: str
) -> str | None:
    """Give the entry a new management token and reload it; an error key or None.

    Used by reconfigure and by the repair raised when deliveries stop passing
    the signature check. The caller then opens the entry's window.
    """
    unique_id = token_unique_id(token)
    if not token:
        return "empty_token"
    if any(
        other.unique_id == unique_id or other.data.get(CONF_MANAGEMENT_TOKEN) == token
        for other in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if other.entry_id != entry.entry_id
    ):
        return "already_configured"
    hass.config_entries.async_update_entry(
        entry, unique_id=unique_id, data={**entry.data, CONF_MANAGEMENT_TOKEN: token}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    return None if entry.state is ConfigEntryState.LOADED else "entry_not_loaded"


class ReconfigureSteps(SmartcarFlowBase):
    """Store a new token, reload, and wait for VERIFY on the entry's window."""

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new management token: store it and open the entry's window."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_MANAGEMENT_TOKEN].strip()
            if (error := await async_change_token(self.hass, entry, token)) is not None:
                if error != "empty_token":
                    return self.async_abort(reason=error)
                errors["base"] = error
            else:
                self._token = token
                self._window = entry.runtime_data.window
                self._webhook_url = await self._async_entry_url(entry)
                return await self.async_step_verify()
        return self.async_show_form(
            step_id="reconfigure", data_schema=TOKEN_SCHEMA, errors=errors
        )

    async def _async_entry_url(self, entry: ConfigEntry) -> str:
        """The entry's callback URI, or its path when there is no usable URL."""
        try:
            return (await async_callback_url(self.hass, entry.data[CONF_WEBHOOK_ID]))[0]
        except CallbackUrlError:
            return webhook.async_generate_path(entry.data[CONF_WEBHOOK_ID])
