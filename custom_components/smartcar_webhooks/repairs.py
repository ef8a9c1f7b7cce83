"""Repairs: re-open the verification window after a refused VERIFY."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant


class OpenVerificationWindowFlow(ConfirmRepairFlow):
    """Confirming opens the entry's verification window for ten minutes."""

    def __init__(self, entry_id: str | None) -> None:
        """Remember which entry the issue is about."""
        super().__init__()
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Open the window, then let the user press Verify in Smartcar."""
        if user_input is not None:
            entry = (
                self.hass.config_entries.async_get_entry(self._entry_id)
                if self._entry_id
                else None
            )
            if entry is None or entry.state is not ConfigEntryState.LOADED:
                return self.async_abort(reason="entry_not_loaded")
            entry.runtime_data.window.open()
            return self.async_create_entry(data={})
        return self.async_show_form(step_id="confirm")


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the fix flow of a refused-VERIFY issue."""
    entry_id = data.get("entry_id") if data else None
    return OpenVerificationWindowFlow(entry_id if isinstance(entry_id, str) else None)
