"""Config flow: management token, callback URI, and Smartcar's VERIFY inside the flow."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio
from yarl import URL

from .cloudhook import async_delete_cloudhook, async_get_cloudhook_url
from .const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    DOMAIN,
    LOGGER,
)
from .smartcar import VerifyRequest
from .webhook import VerificationWindow, async_create_handler

STEP_USER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_MANAGEMENT_TOKEN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)
DEFAULT_TITLE = "Smartcar"


class CallbackUrlError(Exception):
    """The form cannot go on; the message is the form error key."""


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


class SmartcarWebhooksConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a Smartcar webhook."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing registered."""
        self._token = ""
        self._webhook_id = ""
        self._webhook_url = ""
        self._cloudhook = False
        self._registered = False
        self._window = VerificationWindow()
        self._verify_task: asyncio.Task[VerifyRequest] | None = None
        self._verified: VerifyRequest | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the Application Management Token and work out the callback URI."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._token = user_input[CONF_MANAGEMENT_TOKEN].strip()
            webhook_id = webhook.async_generate_id()
            if not self._token:
                errors["base"] = "empty_token"
            else:
                try:
                    url, cloudhook = await async_callback_url(self.hass, webhook_id)
                except CallbackUrlError as err:
                    errors["base"] = str(err)
                else:
                    self._webhook_id, self._webhook_url = webhook_id, url
                    self._cloudhook = cloudhook
                    self._register_webhook()
                    return await self.async_step_verify()
        return self.async_show_form(
            step_id="user", data_schema=STEP_USER_SCHEMA, errors=errors
        )

    def _register_webhook(self) -> None:
        # Until the entry exists, the flow's own handler answers VERIFY.
        webhook.async_register(
            self.hass,
            DOMAIN,
            DEFAULT_TITLE,
            self._webhook_id,
            async_create_handler(
                self._token, self._window, lambda _delivery: True, lambda: None
            ),
            allowed_methods=[METH_POST],
        )
        self._registered = True

    def _unregister_webhook(self) -> None:
        if self._registered:
            webhook.async_unregister(self.hass, self._webhook_id)
            self._registered = False

    async def async_step_verify(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Wait, with the verification window open, for Smartcar's VERIFY."""
        if self._verify_task is None:
            self._verify_task = self.hass.async_create_task(self._window.async_wait())
        if not self._verify_task.done():
            return self.async_show_progress(
                step_id="verify",
                progress_action="wait_for_verify",
                description_placeholders={"webhook_url": self._webhook_url},
                progress_task=self._verify_task,
            )
        task, self._verify_task = self._verify_task, None
        try:
            self._verified = task.result()
        except TimeoutError:
            return self.async_show_progress_done(next_step_id="verify_timeout")
        return self.async_show_progress_done(next_step_id="finish")

    async def async_step_verify_timeout(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Nothing arrived: explain the usual causes and offer to wait again."""
        if user_input is not None:
            return await self.async_step_verify()
        return self.async_show_form(
            step_id="verify_timeout",
            data_schema=probatio.Schema({}),
            description_placeholders={"webhook_url": self._webhook_url},
        )

    async def async_step_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create the entry; one entry per Smartcar webhook."""
        assert self._verified is not None
        smartcar_webhook_id = self._verified.webhook_id
        await self.async_set_unique_id(
            smartcar_webhook_id or hashlib.sha256(self._token.encode()).hexdigest()[:32]
        )
        self._unregister_webhook()
        if existing := self._async_entry_for_unique_id():
            # Smartcar now delivers to the URI it just verified: move the entry there.
            if existing.data.get(CONF_CLOUDHOOK) and (
                existing.data[CONF_WEBHOOK_ID] != self._webhook_id
            ):
                await async_delete_cloudhook(self.hass, existing.data[CONF_WEBHOOK_ID])
            updates = {
                CONF_WEBHOOK_ID: self._webhook_id,
                CONF_MANAGEMENT_TOKEN: self._token,
                CONF_CLOUDHOOK: self._cloudhook,
            }
            self._cloudhook = False  # now owned by the entry
            return self.async_update_reload_and_abort(
                existing, data_updates=updates, reason="already_configured"
            )
        data: dict[str, Any] = {
            CONF_WEBHOOK_ID: self._webhook_id,
            CONF_MANAGEMENT_TOKEN: self._token,
            CONF_CLOUDHOOK: self._cloudhook,
        }
        if smartcar_webhook_id:
            data[CONF_SMARTCAR_WEBHOOK_ID] = smartcar_webhook_id
        self._cloudhook = False  # now owned by the entry
        return self.async_create_entry(title=DEFAULT_TITLE, data=data)

    @callback
    def _async_entry_for_unique_id(self) -> ConfigEntry | None:
        return self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, str(self.unique_id)
        )

    async def _async_delete_cloudhook(self) -> None:
        self._cloudhook = False
        await async_delete_cloudhook(self.hass, self._webhook_id)

    @callback
    def async_remove(self) -> None:
        """An abandoned flow leaves no webhook or cloudhook behind."""
        self._unregister_webhook()
        self._window.close()
        if self._cloudhook:
            LOGGER.debug("Deleting the cloudhook of an abandoned flow")
            self.hass.async_create_task(self._async_delete_cloudhook())
