"""One owner of each Home Assistant webhook registration, whoever handles it now.

A webhook id is registered once, by the first who needs it: a set-up flow
(its callback URI), or the integration's `async_setup` for every entry at
start-up, before any entry loads. The registration routes each request to the
handler that owns the webhook now: the set-up flow's, then the loaded entry's.
While nobody does (the entry starts, reloads, is unloaded or failed), every
request is answered 503, which Smartcar retries, never Home Assistant's empty
200 for an unknown webhook, which would lose the delivery. The registration
ends only when the entry is removed or its set-up flow is abandoned.

The set-up flow's handler stays in charge after the flow created the entry,
until the entry's runtime takes over (`attach`): what it kept meanwhile
(signed deliveries, the rest of its verification window) is handed over here
(`take_kept`, `take_window`), to be applied in order.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from http import HTTPStatus

from aiohttp import web
from aiohttp.hdrs import METH_POST, RETRY_AFTER
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DEFAULT_TITLE, DOMAIN, LOGGER
from .smartcar import ChargingEvent, DataDelivery, ErrorDelivery
from .webhook import Handler

# A set-up flow takes minutes and a real account has a handful of vehicles:
# far more than that is a flood, of which the newest matter.
MAX_PENDING_DELIVERIES = 100
# Smartcar retries after 25 s at the earliest; a reload takes about a second.
RETRY_AFTER_SECONDS = "30"

type PendingDelivery = DataDelivery | ErrorDelivery | ChargingEvent

DATA_WEBHOOKS: HassKey[dict[str, WebhookOwner]] = HassKey(f"{DOMAIN}_webhooks")


def _identity(delivery: PendingDelivery) -> tuple[str, ...]:
    """What makes a retry of the same delivery recognisable."""
    if isinstance(delivery, DataDelivery):
        return tuple(report.delivery_id for report in delivery.vehicles)
    return (delivery.delivery_id,)


def not_ready() -> web.Response:
    """The answer while nobody can keep a delivery: Smartcar sends it again."""
    return web.json_response(
        {"error": "not ready"},
        status=HTTPStatus.SERVICE_UNAVAILABLE,
        headers={RETRY_AFTER: RETRY_AFTER_SECONDS},
    )


class WebhookOwner:
    """The one registration of a webhook id, and who handles its requests now."""

    def __init__(self, hass: HomeAssistant, webhook_id: str, name: str) -> None:
        """Register the webhook; until a handler is attached it answers 503."""
        self._hass = hass
        self.webhook_id = webhook_id
        self._handler: Handler | None = None
        self._kept: deque[PendingDelivery] = deque(maxlen=MAX_PENDING_DELIVERIES)
        self._overflowed = False
        self._window_until: datetime | None = None
        webhook.async_register(
            hass,
            DOMAIN,
            name,
            webhook_id,
            self._async_handle,
            allowed_methods=[METH_POST],
        )

    @property
    def ready(self) -> bool:
        """Whether a handler takes the requests now."""
        return self._handler is not None

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        if (handler := self._handler) is None:
            LOGGER.debug("A webhook request arrived while the entry was not ready")
            return not_ready()
        return await handler(hass, webhook_id, request)

    @callback
    def attach(self, handler: Handler) -> None:
        """Route the requests to `handler` from now on."""
        self._handler = handler

    @callback
    def detach(self, handler: Handler | None = None) -> None:
        """Nobody handles (503) until the next `attach`; only if `handler` still does."""
        if handler is None or self._handler is handler:
            self._handler = None

    @callback
    def keep(self, delivery: PendingDelivery) -> bool:
        """Keep a signed delivery for the entry; False when it is already kept.

        Beyond `MAX_PENDING_DELIVERIES` the oldest is dropped (logged once).
        """
        identity = _identity(delivery)
        if any(_identity(earlier) == identity for earlier in self._kept):
            return False
        if len(self._kept) == MAX_PENDING_DELIVERIES and not self._overflowed:
            self._overflowed = True
            LOGGER.warning(
                "More than %s deliveries arrived during the set-up; keeping the newest",
                MAX_PENDING_DELIVERIES,
            )
        self._kept.append(delivery)
        return True

    @callback
    def take_kept(self) -> list[PendingDelivery]:
        """The deliveries kept for the entry, oldest first; nothing stays kept."""
        kept = list(self._kept)
        self._kept.clear()
        return kept

    @callback
    def keep_window(self, until: datetime) -> None:
        """Keep until when the flow's verification window is open, for the entry."""
        self._window_until = until

    @callback
    def take_window(self) -> datetime | None:
        """Take until when the entry should answer VERIFY; None when that is past."""
        until, self._window_until = self._window_until, None
        return until if until is not None and until > dt_util.utcnow() else None


@callback
def async_get(
    hass: HomeAssistant, webhook_id: str, name: str = DEFAULT_TITLE
) -> WebhookOwner:
    """The owner of a webhook id, registering the webhook on first use."""
    owners = hass.data.setdefault(DATA_WEBHOOKS, {})
    if (owner := owners.get(webhook_id)) is None:
        owner = owners[webhook_id] = WebhookOwner(hass, webhook_id, name)
    return owner


@callback
def async_release(hass: HomeAssistant, webhook_id: str) -> None:
    """End the registration and forget what was kept (entry removed, flow abandoned)."""
    if hass.data.get(DATA_WEBHOOKS, {}).pop(webhook_id, None) is not None:
        webhook.async_unregister(hass, webhook_id)
