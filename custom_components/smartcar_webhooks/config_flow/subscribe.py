"""Subscribing the picked vehicles, and confirming Smartcar's webhook id with it.

Subscribing needs Smartcar's webhook id. A VERIFY names one, but a VERIFY is
unsigned: its id is only a candidate, trusted once Smartcar accepted a
subscription to it with the user's token (Smartcar refuses a webhook of
another application). Without a candidate Smartcar accepts, the user enters
the id the Smartcar Dashboard shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from homeassistant.config_entries import ConfigFlowResult

from ..connect import smartcar_client
from ..const import CONF_SMARTCAR_USER_ID, CONF_SMARTCAR_WEBHOOK_ID, CONF_VEHICLES
from ..smartcar import is_webhook_id
from .base import SmartcarFlowBase
from .vehicles import (
    CONF_SELECTED,
    WEBHOOK_ID_SCHEMA,
    async_subscribe_confirming,
    failure_key,
    report,
    vehicle_labels,
    vehicle_record,
    vehicles_schema,
)


class SubscribeSteps(SmartcarFlowBase):
    """Pick vehicles, subscribe them, and create the Connect entry."""

    _subscribe_errors: dict[str, str] | None = None

    async def async_step_vehicles(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the vehicles to subscribe (all by default), then subscribe them."""
        labels = vehicle_labels(self._discovered)
        if user_input is None:
            return self.async_show_form(
                step_id="vehicles", data_schema=vehicles_schema(labels, list(labels))
            )
        self._selected = [v for v in user_input[CONF_SELECTED] if v in labels]
        if not self._selected:
            return self._create_connect_entry(None, {})
        assert self._hook is not None
        return await self._async_subscribe(self._hook.candidates)

    async def async_step_smartcar_webhook_id(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the webhook id the Smartcar Dashboard shows; empty finishes."""
        if user_input is None:
            return self.async_show_form(
                step_id="smartcar_webhook_id",
                data_schema=WEBHOOK_ID_SCHEMA,
                errors=self._subscribe_errors,
            )
        webhook_id = user_input[CONF_SMARTCAR_WEBHOOK_ID].strip()
        if not webhook_id:
            return self._create_connect_entry(None, {})
        if not is_webhook_id(webhook_id):
            return self.async_show_form(
                step_id="smartcar_webhook_id",
                data_schema=WEBHOOK_ID_SCHEMA,
                errors={CONF_SMARTCAR_WEBHOOK_ID: "invalid_webhook_id"},
            )
        return await self._async_subscribe([webhook_id])

    async def _async_subscribe(self, candidates: Sequence[str]) -> ConfigFlowResult:
        """Subscribe to the first candidate Smartcar accepts, else ask for the id."""
        confirmed, results = await async_subscribe_confirming(
            smartcar_client(self.hass),
            self._oauth_data["token"]["access_token"],
            candidates,
            self._selected,
        )
        if confirmed is None:
            self._subscribe_errors = {"base": failure_key(results)} if results else None
            return await self.async_step_smartcar_webhook_id()
        return self._create_connect_entry(confirmed, results)

    def _create_connect_entry(
        self, confirmed: str | None, results: dict[str, str | None]
    ) -> ConfigFlowResult:
        """The entry with the sign-in, the subscribed vehicles and the confirmed id."""
        data = {
            **self._entry_data(),
            **self._oauth_data,
            CONF_SMARTCAR_USER_ID: self._user_id,
            CONF_VEHICLES: {
                vehicle_id: vehicle_record(self._discovered[vehicle_id][0])
                for vehicle_id, error in results.items()
                if error is None
            },
        }
        if confirmed is not None:
            data[CONF_SMARTCAR_WEBHOOK_ID] = confirmed
        if not results:
            return self._create_entry(data, description="nothing_subscribed")
        succeeded, placeholders = report(vehicle_labels(self._discovered), results, {})
        return self._create_entry(
            data,
            description="subscribed" if succeeded else "subscribed_partly",
            placeholders=placeholders,
        )
