"""Repairs: re-open the verification window, or take a new management token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import CONF_MANAGEMENT_TOKEN, ISSUE_BAD_SIGNATURES, ISSUE_MOVE_TO_V3
from .management_token import TOKEN_SCHEMA, async_change_token


def _loaded_entry(hass: HomeAssistant, entry_id: str | None) -> ConfigEntry | None:
    entry = hass.config_entries.async_get_entry(entry_id) if entry_id else None
    return (
        entry if entry is not None and entry.state is ConfigEntryState.LOADED else None
    )


class EntryConfirmFlow(ConfirmRepairFlow):
    """Confirming does one thing to the loaded entry the issue is about."""

    def __init__(
        self, entry_id: str | None, act: Callable[[ConfigEntry], object]
    ) -> None:
        """Remember the entry and what confirming does to it."""
        super().__init__()
        self._entry_id = entry_id
        self._act = act

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Act on the entry once the user confirms."""
        if user_input is not None:
            if (entry := _loaded_entry(self.hass, self._entry_id)) is None:
                return self.async_abort(reason="entry_not_loaded")
            self._act(entry)
            return self.async_create_entry(data={})
        return self.async_show_form(step_id="confirm")


class NewManagementTokenFlow(RepairsFlow):
    """Deliveries fail the signature check: take the token Smartcar signs with.

    The same as the entry's Reconfigure: store the token, reload, open the
    verification window, then the user presses Verify in the Smartcar Dashboard.
    """

    def __init__(self, entry_id: str | None) -> None:
        """Remember which entry the issue is about."""
        self._entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Start with the token form."""
        return await self.async_step_token()

    async def async_step_token(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask for the Application Management Token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if (entry := _loaded_entry(self.hass, self._entry_id)) is None:
                return self.async_abort(reason="entry_not_loaded")
            token = user_input[CONF_MANAGEMENT_TOKEN].strip()
            if (error := await async_change_token(self.hass, entry, token)) is None:
                entry.runtime_data.window.open()
                return await self.async_step_verify()
            if error not in ("empty_token", "token_mismatch"):
                return self.async_abort(reason=error)
            errors["base"] = error
        return self.async_show_form(
            step_id="token", data_schema=TOKEN_SCHEMA, errors=errors
        )

    async def async_step_verify(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Tell the user to press Verify; submitting closes the issue."""
        if user_input is not None:
            return self.async_create_entry(data={})
        return self.async_show_form(step_id="verify")


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the fix flow of a refused-VERIFY, bad-signatures or move-to-v3 issue."""
    entry_id = data.get("entry_id") if data else None
    entry_id = entry_id if isinstance(entry_id, str) else None
    if issue_id.startswith(ISSUE_BAD_SIGNATURES):
        return NewManagementTokenFlow(entry_id)
    if issue_id.startswith(ISSUE_MOVE_TO_V3):
        # The sign-in picks the API credentials; the entry moves once it is done.
        return EntryConfirmFlow(entry_id, lambda entry: entry.async_start_reauth(hass))
    # Open the entry's verification window; then the user presses Verify.
    return EntryConfirmFlow(entry_id, lambda entry: entry.runtime_data.window.open())
