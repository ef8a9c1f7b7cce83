"""Reconfigure: a new management token, verified again on the entry's webhook.

A VERIFY changes nothing in the entry: it only shows that Smartcar (or
someone) reached the callback URI while the window was open.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_WEBHOOK_ID

from ..const import CONF_MANAGEMENT_TOKEN
from ..flow_webhook import CallbackUrlError, async_callback_url
from ..management_token import TOKEN_SCHEMA, async_change_token
from .base import SmartcarFlowBase


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
