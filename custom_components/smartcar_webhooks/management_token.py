"""The Application Management Token: its form field, and giving an entry a new one.

Reconfigure and the bad-signatures repair both change it; neither owns it.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .const import CONF_MANAGEMENT_TOKEN, DOMAIN, ISSUE_BAD_SIGNATURES
from .smartcar import token_unique_id

TOKEN_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_MANAGEMENT_TOKEN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)


async def async_change_token(
    hass: HomeAssistant, entry: ConfigEntry, token: str
) -> str | None:
    """Give the entry a new management token and reload it; an error key or None.

    Used by reconfigure and by the repair raised when deliveries stop passing
    the signature check. The caller then opens the entry's window. When
    deliveries were refused recently, the token must verify one of them
    (`token_mismatch`): a wrong token would break a working set-up.
    """
    unique_id = token_unique_id(token)
    if not token:
        return "empty_token"
    if (
        entry.state is ConfigEntryState.LOADED
        and entry.runtime_data.token_verifies_failures(token) is False
    ):
        return "token_mismatch"
    if any(
        other.unique_id == unique_id or other.data.get(CONF_MANAGEMENT_TOKEN) == token
        for other in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if other.entry_id != entry.entry_id
    ):
        return "already_configured"
    hass.config_entries.async_update_entry(
        entry, unique_id=unique_id, data={**entry.data, CONF_MANAGEMENT_TOKEN: token}
    )
    # Something new: a repair the user ignored for the old token does not apply.
    ir.async_delete_issue(hass, DOMAIN, f"{ISSUE_BAD_SIGNATURES}_{entry.entry_id}")
    await hass.config_entries.async_reload(entry.entry_id)
    return None if entry.state is ConfigEntryState.LOADED else "entry_not_loaded"
