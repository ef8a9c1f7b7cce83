"""Token and verification: the callback URI, Smartcar's VERIFY, webhook-only.

Reconfigure reuses the verify step with the entry's own window.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlowResult
import probatio

from ..const import CONF_MANAGEMENT_TOKEN
from ..flow_webhook import CallbackUrlError, FlowWebhook
from ..management_token import TOKEN_SCHEMA
from ..smartcar import token_unique_id
from .base import SmartcarFlowBase


class VerifySteps(SmartcarFlowBase):
    """Ask for the token, show the callback URI, wait for Smartcar's VERIFY."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the Application Management Token and make the callback URI.

        An application already set up aborts here, before Smartcar is pointed
        at a URI that nobody would listen on.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_MANAGEMENT_TOKEN].strip()
            if not token:
                errors["base"] = "empty_token"
            else:
                await self.async_set_unique_id(token_unique_id(token))
                self._abort_if_unique_id_configured()
                # Entries made before the unique id was the token's.
                self._async_abort_entries_match({CONF_MANAGEMENT_TOKEN: token})
                try:
                    hook = await FlowWebhook.async_create(self.hass, token)
                except CallbackUrlError as err:
                    errors["base"] = err.key
                else:
                    self._token, self._hook = token, hook
                    self._window, self._webhook_url = hook.window, hook.url
                    return await self.async_step_verify()
        return self.async_show_form(
            step_id="user", data_schema=TOKEN_SCHEMA, errors=errors
        )

    async def async_step_verify(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Wait, with the verification window open, for Smartcar's VERIFY.

        The wait is a background task: Home Assistant cancels it when it stops
        instead of waiting ten minutes for it.
        """
        if self._verify_task is None:
            self._verify_task = self.hass.async_create_background_task(
                self._window.async_wait(), f"{self.handler} verify wait"
            )
        if not self._verify_task.done():
            return self.async_show_progress(
                step_id="verify",
                progress_action="wait_for_verify",
                description_placeholders={"webhook_url": self._webhook_url},
                progress_task=self._verify_task,
            )
        task, self._verify_task = self._verify_task, None
        if task.cancelled() or task.exception() is not None:
            return self.async_show_progress_done(next_step_id="verify_timeout")
        return self.async_show_progress_done(next_step_id="verified")

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

    async def async_step_verified(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Smartcar verified the callback URI (its window stays open meanwhile)."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_abort(reason="reconfigure_successful")
        return await self.async_step_mode()

    async def async_step_mode(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect vehicles now, or finish in webhook-only mode."""
        return self.async_show_menu(
            step_id="mode",
            menu_options=["connect", "connect_control", "webhook_only"],
        )

    async def async_step_webhook_only(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Finish without Connect: vehicles are subscribed in the Smartcar Dashboard.

        Smartcar's webhook id is learnt from the first signed delivery.
        """
        return self._create_entry(self._entry_data())
