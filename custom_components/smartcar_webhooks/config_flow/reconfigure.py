"""Reconfigure: a new management token, verified again on the entry's webhook.

A VERIFY changes nothing in the entry: it only shows that Smartcar (or
someone) reached the callback URI while the window was open.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_WEBHOOK_ID

from ..const import CONF_MANAGEMENT_TOKEN
from ..smartcar import token_unique_id
from .base import TOKEN_SCHEMA, SmartcarFlowBase
from .flow_webhook import CallbackUrlError, async_callback_url


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
            unique_id = token_unique_id(token)
            if not token:
                errors["base"] = "empty_token"
            elif any(
                other.unique_id == unique_id
                or other.data.get(CONF_MANAGEMENT_TOKEN) == token
                for other in self._async_current_entries(include_ignore=False)
                if other.entry_id != entry.entry_id
            ):
                return self.async_abort(reason="already_configured")
            else:
                self.hass.config_entries.async_update_entry(
                    entry,
                    unique_id=unique_id,
                    data={**entry.data, CONF_MANAGEMENT_TOKEN: token},
                )
                await self.hass.config_entries.async_reload(entry.entry_id)
                if entry.state is not ConfigEntryState.LOADED:
                    return self.async_abort(reason="entry_not_loaded")
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
