"""Constants of the Smartcar Webhooks integration."""

from __future__ import annotations

from datetime import timedelta
import logging
import os
from typing import Final
from urllib.parse import urlsplit

from homeassistant.const import Platform

from .smartcar.permissions import READ_SCOPES

DOMAIN: Final = "smartcar_webhooks"
PLATFORMS: Final = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.EVENT,
    Platform.LOCK,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]
DEFAULT_TITLE: Final = "Smartcar"
LOGGER = logging.getLogger(__package__)

CONF_MANAGEMENT_TOKEN: Final = "management_token"
CONF_SMARTCAR_WEBHOOK_ID: Final = "smartcar_webhook_id"
CONF_CLOUDHOOK: Final = "cloudhook"
CONF_VEHICLES: Final = "vehicles"
CONF_SMARTCAR_USER_ID: Final = "smartcar_user_id"
CONF_WEBHOOK_URL: Final = "webhook_url"
# The Smartcar permissions the Connect sign-in asked for (a list).
CONF_SCOPES: Final = "scopes"
# Option: hours without data after which a vehicle is read through the API (0: never).
CONF_FALLBACK_HOURS: Final = "fallback_hours"
# Flow field: whether Connect asks for the permissions to control the car.
CONF_CONTROL: Final = "control"
CONF_LOW_BATTERY: Final = "low_battery"  # option: % below which the battery is low

DEFAULT_LOW_BATTERY: Final = 20
ATTR_CAR_TIME: Final = "car_time"  # of an event: when the car recorded it

VERIFY_WINDOW: Final = timedelta(minutes=10)
MAX_BODY_BYTES: Final = 1024 * 1024

ISSUE_VERIFY_REFUSED: Final = "verify_refused"
ISSUE_BAD_SIGNATURES: Final = "bad_signatures"
ISSUE_STORAGE_DAMAGED: Final = "storage_damaged"
ISSUE_STORAGE_RECOVERED: Final = "storage_recovered"
ISSUE_DUPLICATE_VEHICLE: Final = "duplicate_vehicle"
# This many wrongly signed requests within the span, and no good delivery:
# the management token in Home Assistant is most likely not Smartcar's any more.
BAD_SIGNATURE_LIMIT: Final = 5
BAD_SIGNATURE_SPAN: Final = timedelta(hours=1)

# Development only (scripts/develop, scripts/e2e point these at the local
# Smartcar simulator); unset, the integration talks to Smartcar itself. The
# management token, the client secret and access tokens go to these URLs, so
# an override must be https, or plain http to this machine (loopback) only;
# anything else is refused and Smartcar's URL used. `async_setup` warns of both.
_LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
DEV_OVERRIDES: list[str] = []  # variables whose override is in use
DEV_REFUSED: list[str] = []  # variables whose override was refused


def is_safe_dev_url(url: str) -> bool:
    """Whether a development override may receive secrets: https, or loopback http."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (
        host in _LOOPBACK_HOSTS or host.startswith("127.")
    )


def _dev_url(variable: str, default: str) -> str:
    if (value := os.environ.get(variable)) is None:
        return default
    if is_safe_dev_url(value):
        DEV_OVERRIDES.append(variable)
        return value
    DEV_REFUSED.append(variable)
    return default


OAUTH2_AUTHORIZE: Final = _dev_url(
    "SMARTCAR_WEBHOOKS_DEV_AUTHORIZE_URL",
    "https://connect.smartcar.com/oauth/authorize",
)
OAUTH2_TOKEN: Final = _dev_url(
    "SMARTCAR_WEBHOOKS_DEV_TOKEN_URL", "https://auth.smartcar.com/oauth/token"
)
API_BASE: Final = _dev_url("SMARTCAR_WEBHOOKS_DEV_API_URL", "https://api.smartcar.com")
# What Connect asks for to read: every permission a signal we read needs (the
# signal registry, smartcar/signals.py).
OAUTH2_SCOPES: Final = READ_SCOPES

# --- Smartcar API v3 (issue 18) ------------------------------------------------
# Entry data of a v3 entry: the Application ID (Connect's client_id) marks it.
CONF_APPLICATION_ID: Final = "application_id"
# Flow field: which Smartcar user of the application this entry is.
CONF_SMARTCAR_USER: Final = "smartcar_user"
# Option: billed calls per vehicle and month the fallback update may spend (0: no limit).
CONF_MONTHLY_BUDGET: Final = "monthly_budget"
ISSUE_API_CREDENTIALS: Final = "api_credentials_refused"
ISSUE_BILLING: Final = "billing_limit"
ISSUE_CONNECTION_GONE: Final = "connection_gone"
ISSUE_BUDGET: Final = "budget_reached"
ISSUE_MOVE_TO_V3: Final = "move_to_v3"

# Development only, like the URLs above (scripts/develop, scripts/e2e): https or
# loopback, and a warning at every start while one is active.
V3_TOKEN_URL: Final = _dev_url(
    "SMARTCAR_WEBHOOKS_DEV_V3_TOKEN_URL", "https://iam.smartcar.com/oauth2/token"
)
VEHICLE_API_BASE: Final = _dev_url(
    "SMARTCAR_WEBHOOKS_DEV_VEHICLE_API_URL", "https://vehicle.api.smartcar.com/v3"
)
MANAGEMENT_API_BASE: Final = _dev_url(
    "SMARTCAR_WEBHOOKS_DEV_MANAGEMENT_API_URL",
    "https://management.api.smartcar.com/v3",
)
