"""Config flow: token, callback URI and VERIFY, then Smartcar Connect or webhook-only.

The set-up asks for the Application Management Token, shows the callback URI
(`flow_webhook`) and waits for Smartcar's VERIFY. Then the user signs in with
Smartcar Connect and picks vehicles to subscribe, or finishes webhook-only.
Reconfigure takes a new token and waits for VERIFY on the entry's own window;
reauth signs in again. The options flow holds the low-battery threshold and a
Connect entry's vehicles.

After VERIFY a failed sign-in never throws the verified webhook away: the
failure becomes a form that names the reason and offers to try again or to
finish webhook-only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
import logging
from typing import Any

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
from homeassistant.const import CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import callback
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
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio
from yarl import URL

from .api_v3 import (
    V3Session,
    application_id_error,
    async_connections_listed,
    implementation_client,
    is_application_id,
    is_v3,
    management_token_error,
)
from .connect import (
    MISSING_CREDENTIALS_ERRORS,
    ConnectSession,
    Discovered,
    async_discover_vehicles,
    async_subscribe,
    async_subscribe_confirming,
    async_unsubscribe,
    connect_scopes,
    connection_users,
    discovered_from,
    grants_control,
    has_connect,
    known_vehicle_ids,
    smartcar_client,
    vehicle_record,
)
from .const import (
    CONF_APPLICATION_ID,
    CONF_CLOUDHOOK,
    CONF_CONTROL,
    CONF_FALLBACK_HOURS,
    CONF_LOW_BATTERY,
    CONF_MANAGEMENT_TOKEN,
    CONF_MONTHLY_BUDGET,
    CONF_SCOPES,
    CONF_SMARTCAR_USER,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DEFAULT_TITLE,
    DOMAIN,
    LOGGER,
)
from .device import make_name, vehicle_name
from .flow_webhook import CallbackUrlError, FlowWebhook, async_callback_url
from .management_token import TOKEN_SCHEMA, async_change_token
from .options import low_battery
from .refusals import form_error_key
from .smartcar import (
    SmartcarAuthError,
    SmartcarError,
    VehicleInfo,
    VerifyRequest,
    is_webhook_id,
    token_unique_id,
)
from .smartcar.client import SmartcarCredentialsError
from .smartcar.v3 import Connection, SmartcarV3Client
from .webhook import VerificationWindow

CONF_SELECTED = "vehicles"
CONF_NEXT = "next_step"
NOBODY = "-"  # an empty outcome group
# Up to a week; 0 turns the fallback update off.
MAX_FALLBACK_HOURS = 168

# Subscription failures worth trying again later, as opposed to refusals.
RETRY_LATER = frozenset({"rate_limited", "smartcar_unavailable", "cannot_connect"})
# Abort reasons of the sign-in that, after VERIFY, leave the user a choice.
CONNECT_FAILURES = frozenset(
    {
        "authorize_url_timeout",
        "cannot_connect",
        "invalid_auth",
        "missing_configuration",
        "missing_credentials",
        "no_url_available",
        "no_vehicles",
        "oauth_error",
        "oauth_failed",
        "oauth_implementation_unavailable",
        "oauth_timeout",
        "oauth_unauthorized",
        "rate_limited",
        "smartcar_error",
        "smartcar_unavailable",
        "user_rejected_authorize",
        # API v3
        "api_credentials_refused",
        "legacy_credentials",
        "billing_limit",
    }
)

type Results = Mapping[str, str | None]

CONNECT_FAILED_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_NEXT, default="connect"): SelectSelector(
            SelectSelectorConfig(
                options=["connect", "webhook_only"],
                mode=SelectSelectorMode.LIST,
                translation_key="connect_failed_next_step",
            )
        )
    }
)
WEBHOOK_ID_SCHEMA = probatio.Schema(
    {probatio.Optional(CONF_SMARTCAR_WEBHOOK_ID, default=""): TextSelector()}
)
APPLICATION_SCHEMA = probatio.Schema(
    {probatio.Required(CONF_APPLICATION_ID): TextSelector()}
)
# Up to what a paid plan may allow; 0 is no budget.
MAX_MONTHLY_BUDGET = 100000
LOW_BATTERY_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_LOW_BATTERY): NumberSelector(
            NumberSelectorConfig(
                min=1,
                max=99,
                step=1,
                unit_of_measurement="%",
                mode=NumberSelectorMode.SLIDER,
            )
        )
    }
)


def control_schema(default: bool) -> probatio.Schema:
    """Whether to allow controlling the car, for reauth."""
    return probatio.Schema(
        {probatio.Required(CONF_CONTROL, default=default): BooleanSelector()}
    )


def users_schema(connections: Sequence[Connection]) -> probatio.Schema:
    """Pick one Smartcar user of the application, each shown with their vehicles."""
    options = []
    for user_id in connection_users(connections):
        cars = ", ".join(
            vehicle_label(info, None)
            for info, _vin in discovered_from(connections, user_id).values()
        )
        options.append(
            SelectOptionDict(value=user_id, label=f"…{user_id[-8:]}: {cars}")
        )
    return probatio.Schema(
        {
            probatio.Required(CONF_SMARTCAR_USER): SelectSelector(
                SelectSelectorConfig(options=options, mode=SelectSelectorMode.LIST)
            )
        }
    )


def budget_schema(budget: int) -> dict[probatio.Marker, object]:
    """The monthly budget of billed calls the fallback update may spend (v3)."""
    return {
        probatio.Required(CONF_MONTHLY_BUDGET, default=budget): NumberSelector(
            NumberSelectorConfig(
                min=0, max=MAX_MONTHLY_BUDGET, step=1, mode=NumberSelectorMode.BOX
            )
        )
    }


def settings_schema(control: bool, hours: int) -> dict[probatio.Marker, object]:
    """The control choice and the fallback hours, beside the vehicles."""
    return {
        probatio.Required(CONF_CONTROL, default=control): BooleanSelector(),
        probatio.Required(CONF_FALLBACK_HOURS, default=hours): NumberSelector(
            NumberSelectorConfig(
                min=0,
                max=MAX_FALLBACK_HOURS,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="h",
            )
        ),
    }


def vehicle_label(info: VehicleInfo, vin: str | None) -> str:
    """What the user picks from: "Volkswagen ID.4 (2022) · …1234".

    Data only, named as the device will be: the steps' descriptions say that
    the end is the VIN's, and that a vehicle Smartcar did not describe is
    shown by its id's start.
    """
    if info.model:
        name = vehicle_name(info)
    else:
        name = make_name(info.make) if info.make else info.vehicle_id[:8]
    if info.year:
        name += f" ({info.year})"
    return f"{name} · …{vin[-4:]}" if vin else name


def vehicle_labels(discovered: Discovered) -> dict[str, str]:
    """Vehicle id -> label, in Smartcar's order."""
    return {
        vehicle_id: vehicle_label(info, vin)
        for vehicle_id, (info, vin) in discovered.items()
    }


def vehicles_schema(labels: Mapping[str, str], default: list[str]) -> probatio.Schema:
    """A multi-select of vehicles."""
    return probatio.Schema(
        {
            probatio.Required(CONF_SELECTED, default=default): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=vehicle_id, label=label)
                        for vehicle_id, label in labels.items()
                    ],
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            )
        }
    )


def failure_key(results: Results) -> str:
    """The form error for subscriptions that all failed: the most actionable."""
    errors = set(results.values())
    for key in ("invalid_auth", *sorted(RETRY_LATER)):
        if key in errors:
            return key
    return "webhook_refused"


def _names(labels: Mapping[str, str], vehicle_ids: Iterable[str]) -> str:
    return ", ".join(labels[vehicle_id] for vehicle_id in vehicle_ids) or NOBODY


def report(
    labels: Mapping[str, str], subscribed: Results, unsubscribed: Results
) -> tuple[bool, dict[str, str]]:
    """Whether every call succeeded, and the vehicles named per outcome.

    Placeholders: `subscribed`, `unsubscribed`, and when something failed
    `retry_later`, `sign_in` and `refused`; an empty group is "-".
    """
    placeholders = {
        "subscribed": _names(labels, (v for v, e in subscribed.items() if e is None)),
        "unsubscribed": _names(
            labels, (v for v, e in unsubscribed.items() if e is None)
        ),
    }
    failed = {
        vehicle_id: error
        for results in (subscribed, unsubscribed)
        for vehicle_id, error in results.items()
        if error is not None
    }
    if not failed:
        return True, placeholders
    placeholders["retry_later"] = _names(
        labels, (v for v, e in failed.items() if e in RETRY_LATER)
    )
    placeholders["sign_in"] = _names(
        labels, (v for v, e in failed.items() if e == "invalid_auth")
    )
    placeholders["refused"] = _names(
        labels,
        (v for v, e in failed.items() if e not in RETRY_LATER and e != "invalid_auth"),
    )
    return False, placeholders


class SmartcarWebhooksConfigFlow(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Set up a Smartcar webhook, and optionally its vehicles through Connect."""

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
        self._control = False  # whether Connect asks for the control permissions
        self._oauth_data: dict[str, Any] = {}
        self._user_id: str | None = None
        self._discovered: Discovered = {}
        self._selected: list[str] = []
        self._connect_failure = ""
        self._connect_failure_placeholders: Mapping[str, str] | None = None
        self._subscribe_errors: dict[str, str] | None = None
        # API v3: the API credentials' client, the Application ID, the connections
        self._v3: SmartcarV3Client | None = None
        self._application_id = ""
        self._connections: list[Connection] = []
        self._v3_webhook: str | None = None  # Smartcar's webhook id, once confirmed

    @property
    def logger(self) -> logging.Logger:
        """The integration's logger."""
        return LOGGER

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Every entry: the low-battery threshold; Connect entries: vehicles too."""
        return SmartcarOptionsFlow()

    # Token, callback URI and VERIFY

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
            elif (wrong := management_token_error(token)) is not None:
                errors[CONF_MANAGEMENT_TOKEN] = wrong
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
            step_id="user",
            # After an error the token the user typed stays in the field.
            data_schema=self.add_suggested_values_to_schema(
                TOKEN_SCHEMA, user_input or {}
            ),
            errors=errors,
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

    @callback
    def async_remove(self) -> None:
        """An abandoned set-up leaves no webhook, cloudhook, window or delivery.

        A reconfigure flow leaves the entry's window open for the rest of its
        ten minutes: Smartcar's VERIFY may still follow a forged one.
        """
        if self._hook is not None:
            self._hook.async_discard()

    # Smartcar Connect (OAuth): reading always, controlling the car when chosen

    def _keep_verified(self, result: ConfigFlowResult) -> ConfigFlowResult:
        """Turn a sign-in failure after VERIFY into the connect_failed form."""
        if (
            result["type"] is FlowResultType.ABORT
            and self.source == SOURCE_USER
            and self._hook is not None
            and result["reason"] in CONNECT_FAILURES
        ):
            return self._show_connect_failed(
                result["reason"], result["description_placeholders"]
            )
        return result

    def _show_connect_failed(
        self, reason: str | None = None, placeholders: Mapping[str, str] | None = None
    ) -> ConfigFlowResult:
        """The form naming why Connect failed (the last reason when none is given)."""
        if reason is not None:
            self._connect_failure = reason
            self._connect_failure_placeholders = placeholders
        return self.async_show_form(
            step_id="connect_failed",
            data_schema=CONNECT_FAILED_SCHEMA,
            errors={"base": self._connect_failure},
            description_placeholders=self._connect_failure_placeholders,
        )

    async def async_step_connect_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect failed: try again, or finish in webhook-only mode."""
        if user_input is None:
            return self._show_connect_failed()
        if user_input[CONF_NEXT] == "webhook_only":
            return await self.async_step_webhook_only()
        return await self.async_step_connect()

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

    async def async_step_connect_control(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in and allow controlling the car; a retry keeps the choice."""
        self._control = True
        return await self.async_step_connect()

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """The permissions chosen: they replace the implementation's read scopes."""
        return {"scope": " ".join(connect_scopes(self._control))}

    async def async_step_no_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain how to add application credentials; then try again or finish."""
        return self.async_show_menu(
            step_id="no_credentials", menu_options=["connect", "webhook_only"]
        )

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
        """Send the user to Smartcar Connect; a failure keeps the verified webhook.

        API credentials (`client_…`) are checked first (a token is requested)
        and the Application ID asked for; the Application ID pasted as the API
        client id is refused before anything is stored.
        """
        if user_input is None and self._v3 is None:
            client = implementation_client(self.hass, self.flow_impl)
            if client is not None:
                return await self._async_check_api_credentials(client)
            client_id = str(getattr(self.flow_impl, "client_id", ""))
            if self.source == SOURCE_USER and is_application_id(client_id):
                return self._show_connect_failed("legacy_credentials")
        return self._keep_verified(await super().async_step_auth(user_input))

    async def _async_check_api_credentials(
        self, client: SmartcarV3Client
    ) -> ConfigFlowResult:
        try:
            await client.check_credentials()
        except SmartcarCredentialsError:
            return self._keep_verified(
                self.async_abort(reason="api_credentials_refused")
            )
        except SmartcarError as err:
            return self._keep_verified(self.async_abort(reason=form_error_key(err)))
        self._v3 = client
        if self.source == SOURCE_REAUTH and is_v3(entry := self._get_reauth_entry()):
            self._application_id = entry.data[CONF_APPLICATION_ID]
            return self._keep_verified(await super().async_step_auth())
        return await self.async_step_application()

    async def async_step_application(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the Application ID (Connect's client id), shown in the Dashboard."""
        errors: dict[str, str] = {}
        if user_input is not None:
            application_id = user_input[CONF_APPLICATION_ID].strip()
            if (error := application_id_error(application_id)) is not None:
                errors[CONF_APPLICATION_ID] = error
            else:
                self._application_id = application_id
                return self._keep_verified(await super().async_step_auth())
        try:
            redirect_uri = str(getattr(self.flow_impl, "redirect_uri", "-"))
        except NoURLAvailableError:
            redirect_uri = "-"
        return self.async_show_form(
            step_id="application",
            data_schema=self.add_suggested_values_to_schema(
                APPLICATION_SCHEMA, user_input or {}
            ),
            errors=errors,
            description_placeholders={
                "redirect_uri": redirect_uri,
                "dashboard_url": "https://dashboard.smartcar.com",
            },
        )

    async def async_generate_authorize_url(self) -> str:
        """Connect's URL; with API credentials its client id is the Application ID."""
        url = await super().async_generate_authorize_url()
        if self._application_id:
            url = str(URL(url).update_query({"client_id": self._application_id}))
        return url

    async def async_step_creation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Exchange the code; a failure keeps the verified webhook.

        v3 has no user token: the grant is read from the application's
        connections, which name the user.
        """
        if self._v3 is not None:
            return await self._async_v3_signed_in(self._v3)
        return self._keep_verified(await super().async_step_creation(user_input))

    async def _async_v3_signed_in(self, client: SmartcarV3Client) -> ConfigFlowResult:
        try:
            self._connections = await client.connections()
        except SmartcarCredentialsError:
            return self._keep_verified(
                self.async_abort(reason="api_credentials_refused")
            )
        except SmartcarError as err:
            return self._keep_verified(self.async_abort(reason=form_error_key(err)))
        users = connection_users(self._connections)
        if self.source == SOURCE_REAUTH:
            known = self._get_reauth_entry().data.get(CONF_SMARTCAR_USER_ID)
            if known in users or (known is None and len(users) == 1):
                return await self._async_v3_user(known or users[0])
            return self.async_abort(reason="wrong_account")
        if not users:
            return self._show_connect_failed("no_vehicles")
        if len(users) == 1:
            return await self._async_v3_user(users[0])
        return await self.async_step_smartcar_user()

    async def async_step_smartcar_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The application has several users: pick the one signed in now."""
        if user_input is not None and user_input[CONF_SMARTCAR_USER] in (
            users := connection_users(self._connections)
        ):
            return await self._async_v3_user(
                users[users.index(user_input[CONF_SMARTCAR_USER])]
            )
        return self.async_show_form(
            step_id="smartcar_user", data_schema=users_schema(self._connections)
        )

    async def _async_v3_user(self, user_id: str) -> ConfigFlowResult:
        """The user's vehicles; nothing to subscribe when the webhook does it itself."""
        assert self._v3 is not None
        data: dict[str, Any] = {
            "auth_implementation": self.flow_impl.domain,
            CONF_APPLICATION_ID: self._application_id,
            CONF_SCOPES: list(connect_scopes(self._control)),
        }
        if self.source == SOURCE_REAUTH:
            return self._finish_reauth(data, user_id)
        self._oauth_data, self._user_id = data, user_id
        self._discovered = discovered_from(self._connections, user_id)
        if not self._discovered:
            return self._show_connect_failed("no_vehicles")
        assert self._hook is not None
        for candidate in self._hook.candidates:
            try:
                smartcar_webhook = await self._v3.webhook(candidate)
            except SmartcarError:
                continue  # not this application's webhook, or not reachable now
            self._v3_webhook = candidate
            if smartcar_webhook.auto_subscribe:
                self._selected = list(self._discovered)
                return self._create_connect_entry(
                    candidate, dict.fromkeys(self._selected), auto=True
                )
            break
        return await self.async_step_vehicles()

    async def async_step_authorize_rejected(
        self, data: None = None
    ) -> ConfigFlowResult:
        """The user said no at Smartcar; the verified webhook is kept."""
        return self._keep_verified(await super().async_step_authorize_rejected(data))

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Signed in: check the user, then list their vehicles."""
        data = {**data, CONF_SCOPES: list(connect_scopes(self._control))}
        access_token = data["token"]["access_token"]
        client = smartcar_client(self.hass)
        try:
            user_id = await client.user_id(access_token)
            if self.source == SOURCE_REAUTH:
                return self._finish_reauth(data, user_id)
            discovered = await async_discover_vehicles(client, access_token)
        except SmartcarError as err:
            return self._keep_verified(self.async_abort(reason=form_error_key(err)))
        if not discovered:
            return self._show_connect_failed("no_vehicles")
        self._oauth_data, self._user_id, self._discovered = data, user_id, discovered
        return await self.async_step_vehicles()

    # Picking vehicles and subscribing them (which confirms Smartcar's webhook id)

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
        """Ask for the webhook id the Smartcar Dashboard shows; empty finishes.

        A VERIFY names a webhook id, but a VERIFY is unsigned: its id is only a
        candidate, trusted once Smartcar accepted a subscription to it with the
        user's token (Smartcar refuses a webhook of another application).
        """
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
        if self._v3 is not None and self._user_id is not None:
            confirmed, results = await async_subscribe_confirming(
                self._v3,
                self._user_id,
                [self._v3_webhook] if self._v3_webhook else candidates,
                self._selected,
            )
        else:
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
        self,
        confirmed: str | None,
        results: dict[str, str | None],
        *,
        auto: bool = False,
    ) -> ConfigFlowResult:
        """The entry with the sign-in, the subscribed vehicles and the confirmed id.

        `auto`: the webhook subscribes every vehicle itself (Smartcar's
        Dashboard: Automatically subscribe all vehicles).
        """
        user = self._user_id if self._v3 is not None else None
        data = {
            **self._entry_data(),
            **self._oauth_data,
            CONF_SMARTCAR_USER_ID: self._user_id,
            CONF_VEHICLES: {
                vehicle_id: vehicle_record(self._discovered[vehicle_id][0], user)
                for vehicle_id, error in results.items()
                if error is None
            },
        }
        if confirmed is not None:
            data[CONF_SMARTCAR_WEBHOOK_ID] = confirmed
        if auto:
            return self._create_entry(
                data,
                description="auto_subscribed",
                placeholders={
                    "subscribed": _names(vehicle_labels(self._discovered), results)
                },
            )
        if not results:
            return self._create_entry(data, description="nothing_subscribed")
        succeeded, placeholders = report(vehicle_labels(self._discovered), results, {})
        return self._create_entry(
            data,
            description="subscribed" if succeeded else "subscribed_partly",
            placeholders=placeholders,
        )

    # Reauth: Smartcar refused the tokens, or the options changed the permissions

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Sign in again: Smartcar refused the tokens, or the options ask to.

        The options pass the wanted choice as `control`; else the entry's stays.
        """
        wanted = entry_data.get(CONF_CONTROL)
        self._control = (
            wanted
            if isinstance(wanted, bool)
            else grants_control(self._get_reauth_entry())
        )
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain and offer the control permissions, then run Connect again."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm", data_schema=control_schema(self._control)
            )
        self._control = user_input[CONF_CONTROL]
        return await self.async_step_pick_implementation()

    def _finish_reauth(self, data: dict[str, Any], user_id: str) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        if entry.data.get(CONF_SMARTCAR_USER_ID) not in (None, user_id):
            return self.async_abort(reason="wrong_account")
        if CONF_APPLICATION_ID in data:
            # API credentials: the entry speaks v3 now, without the v2.0 tokens;
            # its devices, entities and history stay.
            kept = {k: v for k, v in entry.data.items() if k != CONF_TOKEN}
            return self.async_update_reload_and_abort(
                entry, data={**kept, **data, CONF_SMARTCAR_USER_ID: user_id}
            )
        return self.async_update_reload_and_abort(
            entry, data_updates={**data, CONF_SMARTCAR_USER_ID: user_id}
        )

    # Reconfigure: a new management token, verified again on the entry's webhook

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new management token: store it and open the entry's window.

        A VERIFY then changes nothing in the entry: it only shows that
        Smartcar (or someone) reached the callback URI while the window was open.
        """
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_MANAGEMENT_TOKEN].strip()
            if (error := await async_change_token(self.hass, entry, token)) is not None:
                if error != "empty_token":
                    return self.async_abort(reason=error)
                errors["base"] = error
            else:
                self._token = token
                self._window = entry.runtime_data.window
                self._webhook_url = await self._async_entry_url(entry)
                return await self.async_step_verify()
        return self.async_show_form(
            step_id="reconfigure", data_schema=TOKEN_SCHEMA, errors=errors
        )

    async def _async_entry_url(self, entry: ConfigEntry) -> str:
        """The entry's callback URI, or its path when there is no usable URL."""
        try:
            return (await async_callback_url(self.hass, entry.data[CONF_WEBHOOK_ID]))[0]
        except CallbackUrlError:
            return webhook.async_generate_path(entry.data[CONF_WEBHOOK_ID])


class SmartcarOptionsFlow(OptionsFlow):
    """The low-battery threshold; a Connect entry's vehicles and their settings.

    A Connect entry first chooses between its vehicles (with the control
    permissions and the fallback update) and the threshold, so that changing
    the threshold never waits for Smartcar. Changing whether Home Assistant may
    control the car starts a new sign-in (reauth) asking for the chosen
    permissions. Subscribing uses the user's token, unsubscribing the
    management token; both need Smartcar's webhook id, which an entry that
    does not know it yet asks for, keeping it once Smartcar accepted a call.
    """

    def __init__(self) -> None:
        """Nothing fetched yet."""
        self._discovered: Discovered = {}
        self._access_token = ""
        self._selected: set[str] = set()
        self._current: set[str] = set()
        self._options: dict[str, Any] = {}
        self._v3: SmartcarV3Client | None = None

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A Connect entry chooses; a webhook-only one has only the threshold."""
        if has_connect(self.config_entry):
            return self.async_show_menu(
                step_id="init", menu_options=["vehicles", "low_battery"]
            )
        return await self.async_step_low_battery()

    async def async_step_low_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The battery level below which the car's battery counts as low."""
        entry = self.config_entry
        if user_input is not None:
            level = int(user_input[CONF_LOW_BATTERY])
            return self.async_create_entry(
                data={**entry.options, CONF_LOW_BATTERY: level}
            )
        return self.async_show_form(
            step_id="low_battery",
            data_schema=self.add_suggested_values_to_schema(
                LOW_BATTERY_SCHEMA, {CONF_LOW_BATTERY: round(low_battery(entry))}
            ),
        )

    def _connect_session(self) -> ConnectSession:
        """The loaded entry's sign-in (shared with its controls), else a new one."""
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            session: ConnectSession = entry.runtime_data.connect
            return session
        return ConnectSession(self.hass, entry)

    def _v3_session(self) -> V3Session:
        """The loaded entry's application token, else a new one."""
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            session: V3Session = entry.runtime_data.v3
            return session
        return V3Session(self.hass, entry)

    async def _async_v3_discover(self) -> ConfigFlowResult | None:
        """List the user's connections again; a vanished one raises its repair."""
        entry = self.config_entry
        session = self._v3_session()
        user_id = str(entry.data.get(CONF_SMARTCAR_USER_ID) or "")
        try:
            client = await session.async_client()
            connections = await client.connections(user_id=user_id or None)
        except SmartcarCredentialsError:
            session.credentials_refused()
            return self.async_abort(reason="api_credentials_refused")
        except (LookupError, *MISSING_CREDENTIALS_ERRORS):
            return self.async_abort(reason="missing_credentials")
        except ImplementationUnavailableError:
            return self.async_abort(reason="cannot_connect")
        except SmartcarError as err:
            return self.async_abort(reason=form_error_key(err))
        session.credentials_accepted()
        self._v3, self._access_token = client, user_id
        self._discovered = discovered_from(connections, user_id)
        async_connections_listed(self.hass, entry, set(self._discovered))
        return None

    async def async_step_vehicles(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List the user's vehicles with the subscribed ones selected."""
        entry = self.config_entry
        if not self._discovered and is_v3(entry):
            if (failed := await self._async_v3_discover()) is not None:
                return failed
        elif not self._discovered:
            try:
                self._access_token = await self._connect_session().async_access_token()
                self._discovered = await async_discover_vehicles(
                    smartcar_client(self.hass), self._access_token
                )
            except OAuth2TokenRequestReauthError, SmartcarAuthError:
                # A refused refresh, or a token Smartcar no longer accepts.
                entry.async_start_reauth(self.hass)
                return self.async_abort(reason="reauth_required")
            except MISSING_CREDENTIALS_ERRORS:
                return self.async_abort(reason="missing_credentials")
            except OAuth2TokenRequestBaseError, ImplementationUnavailableError:
                return self.async_abort(reason="cannot_connect")
            except SmartcarError as err:
                return self.async_abort(reason=form_error_key(err))
        labels = vehicle_labels(self._discovered)
        self._current = known_vehicle_ids(self.hass, entry) & set(labels)
        if user_input is None:
            schema = vehicles_schema(labels, sorted(self._current)).extend(
                settings_schema(
                    grants_control(entry),
                    int(entry.options.get(CONF_FALLBACK_HOURS, 0)),
                )
            )
            if is_v3(entry):
                schema = schema.extend(
                    budget_schema(int(entry.options.get(CONF_MONTHLY_BUDGET, 0)))
                )
            return self.async_show_form(step_id="vehicles", data_schema=schema)
        self._async_settings(user_input)
        self._selected = {v for v in user_input[CONF_SELECTED] if v in labels}
        if self._selected == self._current:
            return self.async_create_entry(data=self._options, description="unchanged")
        if (webhook_id := entry.data.get(CONF_SMARTCAR_WEBHOOK_ID)) is None:
            return await self.async_step_smartcar_webhook_id()
        return await self._async_apply(webhook_id, confirmed=True)

    async def async_step_smartcar_webhook_id(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the webhook id the Smartcar Dashboard shows."""
        errors: dict[str, str] = {}
        if user_input is not None:
            webhook_id = user_input[CONF_SMARTCAR_WEBHOOK_ID].strip()
            if is_webhook_id(webhook_id):
                return await self._async_apply(webhook_id, confirmed=False)
            errors[CONF_SMARTCAR_WEBHOOK_ID] = "invalid_webhook_id"
        return self.async_show_form(
            step_id="smartcar_webhook_id", data_schema=WEBHOOK_ID_SCHEMA, errors=errors
        )

    async def _async_apply(
        self, webhook_id: str, *, confirmed: bool
    ) -> ConfigFlowResult:
        """Subscribe and unsubscribe; an unconfirmed id changes nothing until accepted."""
        entry = self.config_entry
        subscribed = await async_subscribe(
            self._v3 or smartcar_client(self.hass),
            self._access_token,
            webhook_id,
            sorted(self._selected - self._current),
        )
        unsubscribed = await async_unsubscribe(
            self.hass,
            entry,
            self._current - self._selected,
            webhook_id=webhook_id,
            v3=self._v3_session() if self._v3 is not None else None,
        )
        outcome = {**subscribed, **unsubscribed}
        if not confirmed and all(error is not None for error in outcome.values()):
            return self.async_show_form(
                step_id="smartcar_webhook_id",
                data_schema=WEBHOOK_ID_SCHEMA,
                errors={"base": failure_key(outcome)},
            )
        vehicles = dict(entry.data.get(CONF_VEHICLES, {}))
        for vehicle_id, error in subscribed.items():
            if error is None:
                vehicles[vehicle_id] = vehicle_record(
                    self._discovered[vehicle_id][0],
                    self._access_token if self._v3 is not None else None,
                )
        for vehicle_id in unsubscribed:
            # The user removed it: it goes, even if Smartcar did not answer.
            vehicles.pop(vehicle_id, None)
            self._async_remove_vehicle(entry, vehicle_id)
        self.hass.config_entries.async_update_entry(
            entry,
            data={
                **entry.data,
                CONF_SMARTCAR_WEBHOOK_ID: webhook_id,
                CONF_VEHICLES: vehicles,
            },
        )
        if entry.state is ConfigEntryState.LOADED:
            # A vehicle subscribed now gets its device at once.
            entry.runtime_data.async_add_connect_vehicles()
        succeeded, placeholders = report(
            vehicle_labels(self._discovered), subscribed, unsubscribed
        )
        return self.async_create_entry(
            data=self._options,
            description="updated" if succeeded else "updated_partly",
            description_placeholders=placeholders,
        )

    def _async_settings(self, user_input: dict[str, Any]) -> None:
        """Keep the fallback hours (none when off); a new control choice signs in again."""
        entry = self.config_entry
        self._options = {
            key: value
            for key, value in entry.options.items()
            if key not in (CONF_FALLBACK_HOURS, CONF_MONTHLY_BUDGET)
        }
        if hours := int(user_input.get(CONF_FALLBACK_HOURS, 0)):
            self._options[CONF_FALLBACK_HOURS] = hours
        if budget := int(user_input.get(CONF_MONTHLY_BUDGET, 0)):
            self._options[CONF_MONTHLY_BUDGET] = budget
        control = bool(user_input.get(CONF_CONTROL, grants_control(entry)))
        if control != grants_control(entry):
            entry.async_start_reauth(self.hass, data={CONF_CONTROL: control})

    def _async_remove_vehicle(self, entry: ConfigEntry, vehicle_id: str) -> None:
        """Remove a vehicle's device, and the vehicle from a loaded entry."""
        device_registry = dr.async_get(self.hass)
        if device := device_registry.async_get_device_by_identifier(
            (DOMAIN, vehicle_id), entry.entry_id
        ):
            device_registry.async_remove_device(device.id)
        if entry.state is ConfigEntryState.LOADED:
            entry.runtime_data.async_remove_vehicle(vehicle_id)
