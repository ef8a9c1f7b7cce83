"""What a Smartcar refusal is called: one map for the flows' forms and the actions' errors.

A flow shows a short form error (`config.error.*`, `config.abort.*`); an
action or a control raises a translated `HomeAssistantError`
(`exceptions.*`), which can say more (how long to wait, which vehicle state).
"""

from __future__ import annotations

import math

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .smartcar import (
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarConnectionError,
    SmartcarError,
    SmartcarNotCapableError,
    SmartcarPermissionError,
    SmartcarRateLimitError,
    SmartcarServerError,
    SmartcarVehicleStateError,
)
from .smartcar.client import SmartcarBillingError, SmartcarCredentialsError

# What the client raises: Smartcar answered with an error, or could not be reached.
type Refusal = SmartcarApiError | SmartcarConnectionError

# Most specific first: (error class, key of an action's error, key of a form's error).
REFUSALS: tuple[tuple[type[SmartcarError], str, str], ...] = (
    (SmartcarRateLimitError, "rate_limited", "rate_limited"),
    (SmartcarBillingError, "billing_limit", "billing_limit"),
    (SmartcarCredentialsError, "api_credentials_refused", "api_credentials_refused"),
    (SmartcarPermissionError, "missing_permission", "invalid_auth"),
    (SmartcarAuthError, "invalid_auth", "invalid_auth"),
    (SmartcarNotCapableError, "not_capable", "smartcar_error"),
    (SmartcarVehicleStateError, "vehicle_state", "smartcar_error"),
    (SmartcarServerError, "smartcar_unavailable", "smartcar_unavailable"),
    (SmartcarConnectionError, "cannot_connect", "cannot_connect"),
    (SmartcarApiError, "smartcar_refused", "smartcar_error"),
)
UNKNOWN_REFUSAL = ("smartcar_refused", "smartcar_error")

# VEHICLE_STATE codes with an action error of their own; others name the code.
VEHICLE_STATE_KEYS: dict[str, str] = {
    "ASLEEP": "vehicle_asleep",
    "UNREACHABLE": "vehicle_unreachable",
    "REMOTE_ACCESS_DISABLED": "remote_access_disabled",
    "CHARGING_PLUG_NOT_CONNECTED": "not_plugged_in",
    "CHARGING_IN_PROGRESS": "already_charging",
    "NOT_CHARGING": "not_charging",
    "FULLY_CHARGED": "fully_charged",
}


def _keys(err: SmartcarError) -> tuple[str, str]:
    for error_class, action_key, form_key in REFUSALS:
        if isinstance(err, error_class):
            return action_key, form_key
    return UNKNOWN_REFUSAL


def form_error_key(err: SmartcarError) -> str:
    """The key of a flow's form error (or abort reason) for a Smartcar error."""
    return _keys(err)[1]


def action_error(
    key: str, placeholders: dict[str, str] | None = None
) -> HomeAssistantError:
    """A translated error of this integration's actions and controls."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def refusal(err: Refusal) -> HomeAssistantError:
    """The translated error a user reads when Smartcar refused an action."""
    key = _keys(err)[0]
    placeholders: dict[str, str] | None = None
    match err:
        case SmartcarRateLimitError(retry_after=float() as seconds):
            key, placeholders = (
                "rate_limited_retry",
                {"seconds": str(math.ceil(seconds))},
            )
        case SmartcarVehicleStateError(code=code):
            if code in VEHICLE_STATE_KEYS:
                key = VEHICLE_STATE_KEYS[code]
            else:
                placeholders = {"code": code or "-"}
        case SmartcarApiError(error_type=error_type, code=code, status=status) if (
            key == "smartcar_refused"
        ):
            kind = "/".join(part for part in (error_type, code) if part)
            placeholders = {"error": kind or f"HTTP {status}"}
    return action_error(key, placeholders)
