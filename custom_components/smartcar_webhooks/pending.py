"""Signed deliveries that arrive while the config flow is still open.

The flow answers them 2xx (Smartcar would not retry otherwise), keeps them
here, and the entry applies them, in order, once it is set up.
"""

from __future__ import annotations

from collections import deque

from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER
from .smartcar import ChargingEvent, DataDelivery, ErrorDelivery

type Delivery = DataDelivery | ErrorDelivery | ChargingEvent

MAX_PENDING = 100
PENDING: HassKey[dict[str, deque[Delivery]]] = HassKey(f"{DOMAIN}_pending")


@callback
def async_keep(hass: HomeAssistant, webhook_id: str, delivery: Delivery) -> bool:
    """Keep a delivery for the entry to come; the oldest goes beyond the bound."""
    kept = hass.data.setdefault(PENDING, {}).setdefault(
        webhook_id, deque(maxlen=MAX_PENDING)
    )
    if len(kept) == MAX_PENDING:
        LOGGER.debug("Too many deliveries during set-up; dropped the oldest")
    kept.append(delivery)
    return True


@callback
def async_pop(hass: HomeAssistant, webhook_id: str) -> list[Delivery]:
    """Take the deliveries kept for a webhook, oldest first."""
    return list(hass.data.get(PENDING, {}).pop(webhook_id, ()))


@callback
def async_discard(hass: HomeAssistant, webhook_id: str) -> None:
    """Forget the deliveries of an abandoned flow."""
    hass.data.get(PENDING, {}).pop(webhook_id, None)
