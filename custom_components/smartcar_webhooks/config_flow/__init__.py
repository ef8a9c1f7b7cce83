"""Config flow: token, callback URI and VERIFY, then Smartcar Connect or webhook-only.

Home Assistant imports `<integration>.config_flow`; this package is it. The
handler is made of parts with one job each:

- `verify`: the token, the callback URI (`flow_webhook`) and Smartcar's VERIFY;
- `sign_in`: Smartcar Connect (OAuth) and reauth;
- `subscribe`: picking vehicles and subscribing them (`vehicles`);
- `reconfigure`: a new management token;
- `options`: the low-battery threshold, and subscribing and unsubscribing vehicles later.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.core import callback

from ..const import DOMAIN
from .options import SmartcarOptionsFlow
from .reconfigure import ReconfigureSteps
from .sign_in import SignInSteps
from .subscribe import SubscribeSteps
from .verify import VerifySteps


class SmartcarWebhooksConfigFlow(
    VerifySteps, SignInSteps, SubscribeSteps, ReconfigureSteps, domain=DOMAIN
):
    """Set up a Smartcar webhook, and optionally its vehicles through Connect."""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Every entry: the low-battery threshold; Connect entries: vehicles too."""
        return SmartcarOptionsFlow()


__all__ = ["SmartcarOptionsFlow", "SmartcarWebhooksConfigFlow"]
