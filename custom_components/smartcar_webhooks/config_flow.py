"""Config flow: token, callback URI and VERIFY, then Smartcar Connect or webhook-only.

Also reauth, reconfigure (a new management token re-opens verification) and
the options flow that subscribes or unsubscribes vehicles.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import hashlib
import logging
from typing import Any

from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import (
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2FlowHandler,
    ImplementationUnavailableError,
    async_get_implementations,
)
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio
from yarl import URL

from .cloudhook import async_delete_cloudhook, async_get_cloudhook_url
from .connect import (
    MISSING_CREDENTIALS_ERRORS,
    api_error_key,
    async_access_token,
    async_subscribe,
    async_unsubscribe,
    has_connect,
    known_vehicle_ids,
    smartcar_client,
)
from .const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    LOGGER,
)
from .smartcar import SmartcarClient, SmartcarError, VehicleInfo, VerifyRequest
from .webhook import VerificationWindow, async_create_handler

STEP_USER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_MANAGEMENT_TOKEN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)
DEFAULT_TITLE = "Smartcar"
CONF_SELECTED = "vehicles"


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


def vehicle_label(info: VehicleInfo, vin: str | None) -> str:
    """What the user picks from: "POLESTAR Polestar 2 (2024) · VIN …1234"."""
    name = " ".join(part for part in (info.make, info.model) if part) or (
        f"Vehicle {info.vehicle_id[:8]}"
    )
    if info.year:
        name += f" ({info.year})"
    return f"{name} · VIN …{vin[-4:]}" if vin else name


def vehicle_record(info: VehicleInfo) -> dict[str, Any]:
    """How a subscribed vehicle is kept in the entry."""
    return {"make": info.make, "model": info.model, "year": info.year}


async def async_discover_vehicles(
    client: SmartcarClient, access_token: str
) -> dict[str, tuple[VehicleInfo, str | None]]:
    """The user's vehicles with make/model/year and, where permitted, the VIN."""
    ids = await client.vehicle_ids(access_token)

    async def describe(vehicle_id: str) -> tuple[VehicleInfo, str | None]:
        try:
            info = await client.vehicle_info(access_token, vehicle_id)
        except SmartcarError:
            info = VehicleInfo(vehicle_id)
        try:
            vin = await client.vin(access_token, vehicle_id)
        except SmartcarError:
            vin = None  # read_vin not granted, or not supported
        return info, vin

    described = await asyncio.gather(*(describe(vehicle_id) for vehicle_id in ids))
    return dict(zip(ids, described, strict=True))


# Why Connect failed, for the menu that keeps the verified webhook.
CONNECT_FAILURES = {
    "invalid_auth": "Smartcar refused the sign-in",
    "rate_limited": "Smartcar is rate limiting requests",
    "smartcar_unavailable": "Smartcar is unavailable",
    "cannot_connect": "Smartcar could not be reached",
    "smartcar_error": "Smartcar refused the request",
    "no_vehicles": "the Smartcar account has no vehicles for this application",
    "user_rejected_authorize": "the sign-in was not allowed",
    "authorize_url_timeout": "the sign-in URL could not be made in time",
    "no_url_available": "Home Assistant has no URL for the sign-in redirect",
    "oauth_error": "Smartcar sent an invalid token",
    "oauth_failed": "getting the Smartcar token failed",
    "oauth_timeout": "getting the Smartcar token timed out",
    "oauth_unauthorized": "Smartcar refused the client ID or secret",
    "missing_credentials": "the application credentials are missing",
    "missing_configuration": "the application credentials are missing",
    "oauth_implementation_unavailable": "the application credentials are unavailable",
}

RESULT_TEXT = {
    "invalid_auth": "refused: sign in again",
    "rate_limited": "Smartcar is rate limiting, try again later",
    "smartcar_unavailable": "Smartcar is unavailable, try again later",
    "cannot_connect": "Smartcar could not be reached",
    "smartcar_error": "Smartcar refused it",
    "unknown_webhook": "Smartcar's webhook id is not known yet",
}


def results_text(
    results: Mapping[str, str | None], labels: Mapping[str, str], done: str
) -> str:
    """A Markdown list: one line per vehicle with what happened."""
    return "\n".join(
        f"- {labels.get(vehicle_id, vehicle_id[:8])}: "
        f"{done if error is None else RESULT_TEXT.get(error, RESULT_TEXT['smartcar_error'])}"
        for vehicle_id, error in results.items()
    )


def vehicles_schema(choices: Mapping[str, str], default: list[str]) -> probatio.Schema:
    """A multi-select of vehicles."""
    return probatio.Schema(
        {
            probatio.Required(CONF_SELECTED, default=default): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=vehicle_id, label=label)
                        for vehicle_id, label in choices.items()
                    ],
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            )
        }
    )


class SmartcarWebhooksConfigFlow(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Set up a Smartcar webhook, and optionally its vehicles through Connect."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing registered."""
        super().__init__()
        self._token = ""
        self._webhook_id = ""
        self._webhook_url = ""
        self._cloudhook = False
        self._registered = False
        self._window = VerificationWindow()
        self._verify_task: asyncio.Task[VerifyRequest] | None = None
        self._verified: VerifyRequest | None = None
        self._oauth_data: dict[str, Any] = {}
        self._user_id: str | None = None
        self._discovered: dict[str, tuple[VehicleInfo, str | None]] = {}
        self._connect_failure = "smartcar_error"

    @property
    def logger(self) -> logging.Logger:
        """The integration's logger."""
        return LOGGER

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Add or remove vehicles."""
        return SmartcarOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Vehicles are managed only for entries signed in with Connect."""
        return has_connect(config_entry)

    # --- management token and verification ---------------------------------

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
                self._token, self._window, lambda _delivery: "ok", lambda: None
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
        """Smartcar verified the callback URI: connect vehicles, or webhook-only."""
        assert self._verified is not None
        if self.source == SOURCE_RECONFIGURE:
            return self._finish_reconfigure(self._verified.webhook_id)
        smartcar_webhook_id = self._verified.webhook_id
        await self.async_set_unique_id(
            smartcar_webhook_id or hashlib.sha256(self._token.encode()).hexdigest()[:32]
        )
        if existing := self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, str(self.unique_id)
        ):
            return await self._async_move_existing_entry(existing)
        if smartcar_webhook_id is None:
            # Subscribing needs Smartcar's webhook id; deliveries will tell it.
            return await self.async_step_webhook_only()
        return await self.async_step_mode()

    async def async_step_mode(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect vehicles now, or finish in webhook-only mode."""
        return self.async_show_menu(
            step_id="mode", menu_options=["connect", "webhook_only"]
        )

    async def _async_move_existing_entry(
        self, existing: ConfigEntry
    ) -> ConfigFlowResult:
        # Smartcar now delivers to the URI it just verified: move the entry there.
        self._unregister_webhook()
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

    def _entry_data(self) -> dict[str, Any]:
        assert self._verified is not None
        data: dict[str, Any] = {
            CONF_WEBHOOK_ID: self._webhook_id,
            CONF_MANAGEMENT_TOKEN: self._token,
            CONF_CLOUDHOOK: self._cloudhook,
        }
        if self._verified.webhook_id:
            data[CONF_SMARTCAR_WEBHOOK_ID] = self._verified.webhook_id
        return data

    def _create_entry(
        self,
        data: dict[str, Any],
        description: str | None = None,
        placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        self._unregister_webhook()
        self._cloudhook = False  # now owned by the entry
        return self.async_create_entry(
            title=DEFAULT_TITLE,
            data=data,
            description=description,
            description_placeholders=placeholders,
        )

    async def async_step_webhook_only(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Finish without Connect: vehicles are subscribed in the Smartcar Dashboard."""
        return self._create_entry(self._entry_data())

    # --- Smartcar Connect ---------------------------------------------------

    def _keep_verified(self, result: ConfigFlowResult) -> ConfigFlowResult:
        """A failed Connect after VERIFY must not throw the verified webhook away."""
        reason = result.get("reason")
        if (
            result["type"] is FlowResultType.ABORT
            and self.source == SOURCE_USER
            and self._verified is not None
            and reason in CONNECT_FAILURES
        ):
            self._connect_failure = reason
            return self.async_show_menu(
                step_id="connect_failed",
                menu_options=["connect", "webhook_only"],
                description_placeholders={"reason": CONNECT_FAILURES[reason]},
            )
        return result

    async def async_step_pick_implementation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the credentials; a failure keeps the verified webhook."""
        return self._keep_verified(
            await super().async_step_pick_implementation(user_input)
        )

    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Send the user to Smartcar Connect; a failure keeps the verified webhook."""
        return self._keep_verified(await super().async_step_auth(user_input))

    async def async_step_creation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Exchange the code; a failure keeps the verified webhook."""
        return self._keep_verified(await super().async_step_creation(user_input))

    async def async_step_authorize_rejected(
        self, data: None = None
    ) -> ConfigFlowResult:
        """The user said no at Smartcar; the verified webhook is kept."""
        return self._keep_verified(await super().async_step_authorize_rejected(data))

    async def async_step_connect_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect failed: try again, or finish in webhook-only mode."""
        return self._keep_verified(self.async_abort(reason=self._connect_failure))

    async def async_step_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in with Smartcar Connect, once application credentials exist."""
        try:
            implementations = await async_get_implementations(self.hass, DOMAIN)
        except ImplementationUnavailableError:
            implementations = {}
        if not implementations:
            return await self.async_step_no_credentials()
        return await self.async_step_pick_implementation()

    async def async_step_no_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain how to add application credentials; then try again or finish."""
        return self.async_show_menu(
            step_id="no_credentials", menu_options=["connect", "webhook_only"]
        )

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Signed in: check the user, then list their vehicles."""
        access_token = data["token"]["access_token"]
        client = smartcar_client(self.hass)
        try:
            user_id = await client.user_id(access_token)
            if self.source == SOURCE_REAUTH:
                return self._finish_reauth(data, user_id)
            discovered = await async_discover_vehicles(client, access_token)
        except SmartcarError as err:
            return self._keep_verified(self.async_abort(reason=api_error_key(err)))
        self._oauth_data, self._user_id, self._discovered = data, user_id, discovered
        if not discovered:
            return self._keep_verified(self.async_abort(reason="no_vehicles"))
        return await self.async_step_vehicles()

    async def async_step_vehicles(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the vehicles to subscribe (all by default), subscribe them, report."""
        labels = {
            vehicle_id: vehicle_label(info, vin)
            for vehicle_id, (info, vin) in self._discovered.items()
        }
        if user_input is None:
            return self.async_show_form(
                step_id="vehicles", data_schema=vehicles_schema(labels, list(labels))
            )
        assert self._verified is not None and self._verified.webhook_id is not None
        selected = [v for v in user_input[CONF_SELECTED] if v in self._discovered]
        results = await async_subscribe(
            smartcar_client(self.hass),
            self._oauth_data["token"]["access_token"],
            self._verified.webhook_id,
            selected,
        )
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
        return self._create_entry(
            data,
            description="subscribed",
            placeholders={
                "results": results_text(results, labels, "subscribed") or "-"
            },
        )

    # --- reauth and reconfigure --------------------------------------------

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Smartcar refused the tokens: sign in again."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain, then run Connect again."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        return await self.async_step_pick_implementation()

    def _finish_reauth(self, data: dict[str, Any], user_id: str) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        if entry.data.get(CONF_SMARTCAR_USER_ID) not in (None, user_id):
            return self.async_abort(reason="wrong_account")
        return self.async_update_reload_and_abort(
            entry, data_updates={**data, CONF_SMARTCAR_USER_ID: user_id}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new management token: store it and open a verification window."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_MANAGEMENT_TOKEN].strip()
            if not token:
                errors["base"] = "empty_token"
            else:
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_MANAGEMENT_TOKEN: token}
                )
                await self.hass.config_entries.async_reload(entry.entry_id)
                if entry.state is not ConfigEntryState.LOADED:
                    return self.async_abort(reason="entry_not_loaded")
                self._token = token
                self._window = entry.runtime_data.window
                self._webhook_url = await self._async_entry_url(entry)
                return await self.async_step_verify()
        return self.async_show_form(
            step_id="reconfigure", data_schema=STEP_USER_SCHEMA, errors=errors
        )

    def _finish_reconfigure(self, smartcar_webhook_id: str | None) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        if smartcar_webhook_id and smartcar_webhook_id != entry.data.get(
            CONF_SMARTCAR_WEBHOOK_ID
        ):
            # The webhook was re-created in the Smartcar Dashboard: follow it.
            if self.hass.config_entries.async_entry_for_domain_unique_id(
                DOMAIN, smartcar_webhook_id
            ):
                return self.async_abort(reason="already_configured")
            self.hass.config_entries.async_update_entry(
                entry,
                unique_id=smartcar_webhook_id,
                data={**entry.data, CONF_SMARTCAR_WEBHOOK_ID: smartcar_webhook_id},
            )
        return self.async_abort(reason="reconfigure_successful")

    async def _async_entry_url(self, entry: ConfigEntry) -> str:
        try:
            return (await async_callback_url(self.hass, entry.data[CONF_WEBHOOK_ID]))[0]
        except CallbackUrlError:
            return webhook.async_generate_path(entry.data[CONF_WEBHOOK_ID])

    @callback
    def async_remove(self) -> None:
        """An abandoned flow leaves no webhook, cloudhook or open window behind."""
        self._unregister_webhook()
        self._window.close()
        if self._cloudhook:
            LOGGER.debug("Deleting the cloudhook of an abandoned flow")
            self.hass.async_create_task(
                async_delete_cloudhook(self.hass, self._webhook_id)
            )


class SmartcarOptionsFlow(OptionsFlow):
    """Add or remove vehicles: subscribe or unsubscribe them."""

    def __init__(self) -> None:
        """Nothing fetched yet."""
        self._discovered: dict[str, tuple[VehicleInfo, str | None]] = {}
        self._access_token = ""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List the user's vehicles with the subscribed ones selected."""
        entry = self.config_entry
        if not self._discovered:
            try:
                self._access_token = await async_access_token(self.hass, entry)
                self._discovered = await async_discover_vehicles(
                    smartcar_client(self.hass), self._access_token
                )
            except OAuth2TokenRequestReauthError:
                entry.async_start_reauth(self.hass)
                return self.async_abort(reason="reauth_required")
            except MISSING_CREDENTIALS_ERRORS:
                return self.async_abort(reason="missing_credentials")
            except OAuth2TokenRequestBaseError, ImplementationUnavailableError:
                return self.async_abort(reason="cannot_connect")
            except SmartcarError as err:
                return self.async_abort(reason=api_error_key(err))
        labels = {
            vehicle_id: vehicle_label(info, vin)
            for vehicle_id, (info, vin) in self._discovered.items()
        }
        current = known_vehicle_ids(self.hass, entry) & set(labels)
        if user_input is None:
            return self.async_show_form(
                step_id="init", data_schema=vehicles_schema(labels, sorted(current))
            )
        selected = {v for v in user_input[CONF_SELECTED] if v in labels}
        return await self._async_apply(selected, current, labels)

    async def _async_apply(
        self, selected: set[str], current: set[str], labels: dict[str, str]
    ) -> ConfigFlowResult:
        entry = self.config_entry
        subscribed: dict[str, str | None] = {}
        if added := sorted(selected - current):
            subscribed = await async_subscribe(
                smartcar_client(self.hass),
                self._access_token,
                entry.data[CONF_SMARTCAR_WEBHOOK_ID],
                added,
            )
        unsubscribed = await async_unsubscribe(self.hass, entry, current - selected)
        vehicles = dict(entry.data.get(CONF_VEHICLES, {}))
        for vehicle_id, error in subscribed.items():
            if error is None:
                vehicles[vehicle_id] = vehicle_record(self._discovered[vehicle_id][0])
        device_registry = dr.async_get(self.hass)
        for vehicle_id in unsubscribed:
            # The user removed it: its device goes, even if Smartcar did not answer.
            vehicles.pop(vehicle_id, None)
            if device := device_registry.async_get_device_by_identifier(
                (DOMAIN, vehicle_id), entry.entry_id
            ):
                device_registry.async_update_device(
                    device.id, remove_config_entry_id=entry.entry_id
                )
            if entry.state is ConfigEntryState.LOADED:
                entry.runtime_data.store.async_remove_vehicle(vehicle_id)
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_VEHICLES: vehicles}
        )
        lines = [
            results_text(subscribed, labels, "subscribed"),
            results_text(unsubscribed, labels, "unsubscribed"),
        ]
        return self.async_create_entry(
            data=dict(entry.options),
            description="updated",
            description_placeholders={
                "results": "\n".join(line for line in lines if line) or "-"
            },
        )
