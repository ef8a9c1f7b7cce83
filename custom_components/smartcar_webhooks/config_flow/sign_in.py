"""Signing in with Smartcar Connect (OAuth), for the set-up and for reauth.

After VERIFY a failed sign-in must not throw the verified webhook away: the
failure becomes a form that names the reason (a translated error) and offers
to try again or to finish webhook-only.

Reading is always asked for; controlling the car (charging, charge limit,
locks) only when the user chose it: at set-up ("connect_control"), or when
signing in again (reauth, which the options can start to change the choice).
The choice sets the authorize URL's scopes and is kept in the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigFlowResult
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
    async_get_implementations,
)
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio

from ..connect import api_error_key, connect_scopes, grants_control, smartcar_client
from ..const import CONF_CONTROL, CONF_SCOPES, CONF_SMARTCAR_USER_ID, DOMAIN
from ..smartcar import SmartcarError
from .base import SmartcarFlowBase
from .vehicles import async_discover_vehicles

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
    }
)
CONF_NEXT = "next_step"
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


def control_schema(default: bool) -> probatio.Schema:
    """Whether to allow controlling the car, for reauth."""
    return probatio.Schema(
        {probatio.Required(CONF_CONTROL, default=default): BooleanSelector()}
    )


class SignInSteps(SmartcarFlowBase):
    """Smartcar Connect: credentials, sign-in, the user's vehicles; reauth."""

    _control = False  # whether Connect asks for the control permissions
    _connect_failure = ""
    _connect_failure_placeholders: Mapping[str, str] | None = None

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
            return self._keep_verified(self.async_abort(reason=api_error_key(err)))
        if not discovered:
            return self._show_connect_failed("no_vehicles")
        self._oauth_data, self._user_id, self._discovered = data, user_id, discovered
        return await self.async_step_vehicles()

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
        return self.async_update_reload_and_abort(
            entry, data_updates={**data, CONF_SMARTCAR_USER_ID: user_id}
        )
