"""The callback URI, and the webhook a set-up flow listens on until its entry exists."""

from __future__ import annotations

from typing import Self

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from yarl import URL

from . import webhook_owner
from .cloudhook import async_delete_cloudhook, async_get_cloudhook_url
from .const import DEFAULT_TITLE, LOGGER
from .smartcar import VerifyRequest, is_webhook_id
from .webhook import VerificationWindow, async_create_handler

__all__ = ["DEFAULT_TITLE", "CallbackUrlError", "FlowWebhook", "async_callback_url"]
# VERIFY bodies are unsigned: an attacker may send many, so keep only a few ids.
MAX_CANDIDATES = 3


class CallbackUrlError(Exception):
    """No callback URI Smartcar could deliver to; `key` is the form error."""

    def __init__(self, key: str) -> None:
        """Keep the translation key of the form error."""
        super().__init__(key)
        self.key = key


async def async_callback_url(hass: HomeAssistant, webhook_id: str) -> tuple[str, bool]:
    """The callback URI for a webhook id, and whether it is a cloudhook.

    A Home Assistant Cloud cloudhook when subscribed, else the external URL,
    which Smartcar only delivers to over https.
    """
    if (cloudhook_url := await async_get_cloudhook_url(hass, webhook_id)) is not None:
        return cloudhook_url, True
    try:
        url = webhook.async_generate_url(hass, webhook_id, allow_internal=False)
    except NoURLAvailableError as err:
        raise CallbackUrlError("no_url") from err
    if URL(url).scheme != "https":
        raise CallbackUrlError("not_https")
    return url, False


class FlowWebhook:
    """The set-up flow's own webhook, until the entry it creates takes it over.

    Its handler answers VERIFY inside the flow's window and keeps signed
    deliveries for the entry (`webhook_owner`, which owns the registration). The Smartcar webhook ids that VERIFY
    bodies name are remembered as candidates only: a VERIFY is unsigned, so
    an id in it is trusted once Smartcar's API accepted it, never before.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        management_token: str,
        webhook_id: str,
        url: str,
        cloudhook: bool,
    ) -> None:
        """Register the handler; the window opens when the flow waits."""
        self._hass = hass
        self.webhook_id = webhook_id
        self.url = url
        self.cloudhook = cloudhook
        self.window = VerificationWindow(self._on_verified)
        self.candidates: list[str] = []
        self._owner = webhook_owner.async_get(hass, webhook_id)
        self._owner.attach(
            async_create_handler(
                management_token, self.window, self._async_keep, lambda: None
            )
        )
        self._active = True

    @classmethod
    async def async_create(cls, hass: HomeAssistant, management_token: str) -> Self:
        """A new webhook with its callback URI; raises `CallbackUrlError`."""
        webhook_id = webhook.async_generate_id()
        url, cloudhook = await async_callback_url(hass, webhook_id)
        return cls(hass, management_token, webhook_id, url, cloudhook)

    async def _async_keep(self, delivery: webhook_owner.PendingDelivery) -> str:
        """Keep a signed delivery for the entry; the status word to answer."""
        return "ok" if self._owner.keep(delivery) else "duplicate"

    def _on_verified(self, request: VerifyRequest) -> None:
        candidate = request.webhook_id
        if (
            is_webhook_id(candidate)
            and candidate not in self.candidates
            and len(self.candidates) < MAX_CANDIDATES
        ):
            self.candidates.append(str(candidate))

    @callback
    def async_hand_over(self) -> None:
        """The entry takes the webhook, the kept deliveries and the open window.

        The handler keeps answering (and keeping deliveries) until the entry's
        runtime attaches its own to the same registration: no gap in which
        Smartcar's first delivery after a subscription would get Home
        Assistant's 200 for an unknown webhook and be lost.
        """
        self._active = False
        if (until := self.window.closes_at) is not None:
            self._owner.keep_window(until)

    @callback
    def async_discard(self) -> None:
        """The flow ended without an entry: nothing it made stays behind."""
        if not self._active:
            return
        self._active = False
        webhook_owner.async_release(self._hass, self.webhook_id)
        self.window.close()
        if self.cloudhook:
            LOGGER.debug("Deleting the cloudhook of an abandoned flow")
            self._hass.async_create_task(
                async_delete_cloudhook(self._hass, self.webhook_id)
            )
