"""Constants of the Smartcar Webhooks integration."""

from __future__ import annotations

from datetime import timedelta
import logging
import os
from typing import Final

from homeassistant.const import Platform

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
# This many wrongly signed requests within the span, and no good delivery:
# the management token in Home Assistant is most likely not Smartcar's any more.
BAD_SIGNATURE_LIMIT: Final = 5
BAD_SIGNATURE_SPAN: Final = timedelta(hours=1)

# Development only (scripts/develop, scripts/e2e point these at the local
# Smartcar simulator); unset, the integration talks to Smartcar itself.
OAUTH2_AUTHORIZE: Final = os.environ.get(
    "SMARTCAR_WEBHOOKS_DEV_AUTHORIZE_URL",
    "https://connect.smartcar.com/oauth/authorize",
)
OAUTH2_TOKEN: Final = os.environ.get(
    "SMARTCAR_WEBHOOKS_DEV_TOKEN_URL", "https://auth.smartcar.com/oauth/token"
)
API_BASE: Final = os.environ.get(
    "SMARTCAR_WEBHOOKS_DEV_API_URL", "https://api.smartcar.com"
)
OAUTH2_SCOPES: Final = (
    "read_vehicle_info",
    "read_battery",
    "read_charge",
    "read_location",
    "read_odometer",
    "read_vin",
    "read_fuel",
    "read_tires",
    "read_engine_oil",
    "read_security",
)

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

# Development only, like the URLs above (scripts/develop, scripts/e2e).
V3_TOKEN_URL: Final = os.environ.get(
    "SMARTCAR_WEBHOOKS_DEV_V3_TOKEN_URL", "https://iam.smartcar.com/oauth2/token"
)
VEHICLE_API_BASE: Final = os.environ.get(
    "SMARTCAR_WEBHOOKS_DEV_VEHICLE_API_URL", "https://vehicle.api.smartcar.com/v3"
)
MANAGEMENT_API_BASE: Final = os.environ.get(
    "SMARTCAR_WEBHOOKS_DEV_MANAGEMENT_API_URL",
    "https://management.api.smartcar.com/v3",
)
