"""What every part of the config flow shares: its state and the entry it makes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import callback
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2FlowHandler

from ..const import CONF_CLOUDHOOK, CONF_MANAGEMENT_TOKEN, DOMAIN, LOGGER
from ..flow_webhook import DEFAULT_TITLE, FlowWebhook
from ..smartcar import VerifyRequest
from ..webhook import VerificationWindow
from .vehicles import Discovered


class SmartcarFlowBase(AbstractOAuth2FlowHandler):
    """State shared by the parts of the flow, each a mixin of this class."""

    DOMAIN = DOMAIN
    VERSION = 1
    # 1.2: the unique id is the token's (1.1 took it from an unsigned VERIFY).
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with nothing registered."""
        super().__init__()
        self._token = ""
        # Set-up only: the flow's own webhook until the entry takes it over.
        self._hook: FlowWebhook | None = None
        # The window the verify step waits on: the hook's, or the entry's.
        self._window = VerificationWindow()
        self._webhook_url = ""
        self._verify_task: asyncio.Task[VerifyRequest] | None = None
        # Connect
        self._oauth_data: dict[str, Any] = {}
        self._user_id: str | None = None
        self._discovered: Discovered = {}
        self._selected: list[str] = []

    @property
    def logger(self) -> logging.Logger:
        """The integration's logger."""
        return LOGGER

    def _entry_data(self) -> dict[str, Any]:
        """The data of a new entry: the contract keys and whether it is a cloudhook."""
        assert self._hook is not None
        return {
            CONF_WEBHOOK_ID: self._hook.webhook_id,
            CONF_MANAGEMENT_TOKEN: self._token,
            CONF_CLOUDHOOK: self._hook.cloudhook,
        }

    def _create_entry(
        self,
        data: dict[str, Any],
        description: str | None = None,
        placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Create the entry; it takes over the webhook and what it received."""
        assert self._hook is not None
        self._hook.async_hand_over()
        return self.async_create_entry(
            title=DEFAULT_TITLE,
            data=data,
            description=description,
            description_placeholders=placeholders,
        )

    # Steps one part of the flow goes on to and another part defines.

    async def async_step_verify(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Wait for Smartcar's VERIFY (`VerifySteps`)."""
        raise NotImplementedError

    async def async_step_webhook_only(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Finish without Connect (`VerifySteps`)."""
        raise NotImplementedError

    async def async_step_vehicles(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick and subscribe vehicles (`SubscribeSteps`)."""
        raise NotImplementedError

    @callback
    def async_remove(self) -> None:
        """An abandoned set-up leaves no webhook, cloudhook, window or delivery.

        A reconfigure flow leaves the entry's window open for the rest of its
        ten minutes: Smartcar's VERIFY may still follow a forged one.
        """
        if self._hook is not None:
            self._hook.async_discard()
