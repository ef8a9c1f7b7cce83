"""What the set-up flow receives before its entry exists, kept for the entry.

While a set-up flow is open (waiting for VERIFY, the sign-in, the vehicle
pick), its own webhook handler answers Smartcar. A signed delivery it gets is
kept here, per Home Assistant webhook id, instead of being acknowledged and
lost: the entry's runtime takes the deliveries at setup (`async_pop`) and
applies them in order. An abandoned flow discards them.

Also kept: the rest of the flow's verification window, so that the entry still
answers Smartcar's VERIFY when a forged one completed the flow first.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

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
def async_pop(hass: HomeAssistant, webhook_id: str) -> list[PendingDelivery]:
    """Take the deliveries kept for a webhook, oldest first; nothing stays kept."""
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
    """Forget everything kept for a webhook: its flow ended without an entry."""
    hass.data.get(DATA_DELIVERIES, {}).pop(webhook_id, None)
    hass.data.get(DATA_WINDOWS, {}).pop(webhook_id, None)
