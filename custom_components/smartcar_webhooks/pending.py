"""What the set-up flow receives before its entry exists, kept for the entry.

While a set-up flow is open (waiting for VERIFY, the sign-in, the vehicle
pick), its own webhook handler answers Smartcar. A signed delivery it gets is
kept here, per Home Assistant webhook id, instead of being acknowledged and
lost. The flow's handler stays registered after the entry is created (it is
*held*), so nothing Smartcar sends while the entry sets up is lost either:
the entry's runtime calls `async_pop` right before it registers its own
handler, which ends the held one and hands over the deliveries, to be applied
in order. An abandoned flow discards everything (`async_discard`).

Also kept: the rest of the flow's verification window, so that the entry still
answers Smartcar's VERIFY when a forged one completed the flow first.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER
from .smartcar import ChargingEvent, DataDelivery, ErrorDelivery

# A set-up flow takes minutes and a real account has a handful of vehicles:
# far more than that is a flood, of which the newest matter.
MAX_PENDING_DELIVERIES = 100

type PendingDelivery = DataDelivery | ErrorDelivery | ChargingEvent


@dataclass(slots=True)
class _Kept:
    deliveries: deque[PendingDelivery] = field(
        default_factory=lambda: deque(maxlen=MAX_PENDING_DELIVERIES)
    )
    overflowed: bool = False


DATA_DELIVERIES: HassKey[dict[str, _Kept]] = HassKey(f"{DOMAIN}_pending_deliveries")
DATA_WINDOWS: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_pending_windows")
DATA_HELD: HassKey[set[str]] = HassKey(f"{DOMAIN}_pending_held")


def _identity(delivery: PendingDelivery) -> tuple[str, ...]:
    """What makes a retry of the same delivery recognisable."""
    if isinstance(delivery, DataDelivery):
        return tuple(report.delivery_id for report in delivery.vehicles)
    return (delivery.delivery_id,)


@callback
def async_keep(hass: HomeAssistant, webhook_id: str, delivery: PendingDelivery) -> bool:
    """Keep a signed delivery for the entry; False when it is already kept.

    Beyond `MAX_PENDING_DELIVERIES` the oldest is dropped (logged once per
    webhook): Smartcar must get a 2xx either way, never a 5xx.
    """
    kept = hass.data.setdefault(DATA_DELIVERIES, {}).setdefault(webhook_id, _Kept())
    identity = _identity(delivery)
    if any(_identity(earlier) == identity for earlier in kept.deliveries):
        return False
    if len(kept.deliveries) == MAX_PENDING_DELIVERIES and not kept.overflowed:
        kept.overflowed = True
        LOGGER.warning(
            "More than %s deliveries arrived during the set-up; keeping the newest",
            MAX_PENDING_DELIVERIES,
        )
    kept.deliveries.append(delivery)
    return True


@callback
def async_hold(hass: HomeAssistant, webhook_id: str) -> None:
    """The flow's handler stays registered for the entry, until `async_pop`."""
    hass.data.setdefault(DATA_HELD, set()).add(webhook_id)


@callback
def _async_release(hass: HomeAssistant, webhook_id: str) -> None:
    """Unregister the flow's handler if it is still held for the webhook."""
    held = hass.data.get(DATA_HELD, set())
    if webhook_id in held:
        held.discard(webhook_id)
        webhook.async_unregister(hass, webhook_id)


@callback
def async_pop(hass: HomeAssistant, webhook_id: str) -> list[PendingDelivery]:
    """Take the deliveries kept for a webhook, oldest first; nothing stays kept.

    Also ends the set-up flow's handler if it is still held: call this right
    before registering the entry's own handler for the webhook.
    """
    _async_release(hass, webhook_id)
    kept = hass.data.get(DATA_DELIVERIES, {}).pop(webhook_id, None)
    return list(kept.deliveries) if kept else []


@callback
def async_keep_verify_window(
    hass: HomeAssistant, webhook_id: str, until: datetime
) -> None:
    """Keep until when the flow's verification window was open, for the entry."""
    hass.data.setdefault(DATA_WINDOWS, {})[webhook_id] = until


@callback
def async_pop_verify_window(hass: HomeAssistant, webhook_id: str) -> datetime | None:
    """Take until when the entry should answer VERIFY; None when that is past."""
    until = hass.data.get(DATA_WINDOWS, {}).pop(webhook_id, None)
    return until if until is not None and until > dt_util.utcnow() else None


@callback
def async_discard(hass: HomeAssistant, webhook_id: str) -> None:
    """Forget everything kept for a webhook, and end a held flow handler.

    For a flow that ended without an entry, or an entry that is removed.
    """
    _async_release(hass, webhook_id)
    hass.data.get(DATA_DELIVERIES, {}).pop(webhook_id, None)
    hass.data.get(DATA_WINDOWS, {}).pop(webhook_id, None)
