"""Smartcar API v3 for one entry: what its ids look like, its application token.

A v3 entry keeps the Application ID (Connect's `client_id`) and Smartcar's
user id; the API credentials (`client_…` and a secret) are Home Assistant's
application credentials. One `AppToken` per entry, on Home Assistant's shared
session, serves every vehicle of the entry and the Management API.
"""

from __future__ import annotations

import re

from homeassistant.components.application_credentials import AuthImplementation
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2Implementation,
    ImplementationUnavailableError,
    async_get_config_entry_implementation,
    async_get_implementations,
)

from .const import (
    CONF_APPLICATION_ID,
    CONF_SMARTCAR_USER_ID,
    CONF_VEHICLES,
    DOMAIN,
    ISSUE_API_CREDENTIALS,
    ISSUE_CONNECTION_GONE,
    ISSUE_MOVE_TO_V3,
    MANAGEMENT_API_BASE,
    V3_TOKEN_URL,
    VEHICLE_API_BASE,
)
from .smartcar.app_token import AppToken
from .smartcar.v3 import SmartcarV3Client

# Smartcar's Dashboard: API Credentials give `client_…`; the Application ID is a UUID.
API_CLIENT_PREFIX = "client_"
MAX_ID_LENGTH = 128
_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)


def is_api_client_id(value: str) -> bool:
    """Whether a client id is of API credentials (v3), as the Dashboard shows them."""
    return value.startswith(API_CLIENT_PREFIX)


def is_application_id(value: str) -> bool:
    """Whether a value looks like an Application ID (a UUID)."""
    return _UUID.fullmatch(value) is not None


def application_id_error(value: str) -> str | None:
    """The form error of a value given as the Application ID, naming the right field."""
    if is_api_client_id(value):
        return "api_client_id_as_application_id"
    if "://" in value or value.lower().startswith(("http", "my.home-assistant")):
        return "url_as_application_id"
    # Smartcar shows a UUID; anything id-like passes (a simulator's id too).
    if (
        not value
        or len(value) > MAX_ID_LENGTH
        or not value.isascii()
        or not all(ch.isalnum() or ch in "-_." for ch in value)
    ):
        return "invalid_application_id"
    return None


def management_token_error(value: str) -> str | None:
    """The form error of a value given as the Application Management Token."""
    if is_api_client_id(value):
        return "api_client_id_as_management_token"
    if "://" in value or value.lower().startswith("http"):
        return "url_as_management_token"
    return None


def is_v3(entry: ConfigEntry) -> bool:
    """Whether the entry speaks Smartcar API v3 (it keeps an Application ID)."""
    return CONF_APPLICATION_ID in entry.data


def vehicle_user_id(entry: ConfigEntry, vehicle_id: str) -> str | None:
    """The Smartcar user a vehicle of the entry belongs to (`sc-user-id`)."""
    record = entry.data.get(CONF_VEHICLES, {}).get(vehicle_id)
    user = record.get("user_id") if isinstance(record, dict) else None
    if isinstance(user, str):
        return user
    entry_user = entry.data.get(CONF_SMARTCAR_USER_ID)
    return entry_user if isinstance(entry_user, str) else None


def v3_client(hass: HomeAssistant, client_id: str, secret: str) -> SmartcarV3Client:
    """A v3 client with its own application token, on the shared session."""
    session = async_get_clientsession(hass)
    return SmartcarV3Client(
        session,
        AppToken(session, client_id, secret, token_url=V3_TOKEN_URL),
        vehicle_base=VEHICLE_API_BASE,
        management_base=MANAGEMENT_API_BASE,
    )


def implementation_client(
    hass: HomeAssistant, implementation: AbstractOAuth2Implementation
) -> SmartcarV3Client | None:
    """The v3 client of application credentials; None unless they are API credentials."""
    if not isinstance(implementation, AuthImplementation) or not is_api_client_id(
        implementation.client_id
    ):
        return None
    return v3_client(hass, implementation.client_id, implementation.client_secret)


def api_credentials_issue_id(entry: ConfigEntry) -> str:
    """The repair raised when Smartcar refuses the entry's API credentials."""
    return f"{ISSUE_API_CREDENTIALS}_{entry.entry_id}"


def connection_gone_issue_id(entry: ConfigEntry, vehicle_id: str) -> str:
    """The repair raised when a subscribed vehicle's connection is gone."""
    return f"{ISSUE_CONNECTION_GONE}_{entry.entry_id}_{vehicle_id}"


def _vehicle_name(record: object) -> str:
    if not isinstance(record, dict):
        return "-"
    parts = [str(record[k]) for k in ("make", "model", "year") if record.get(k)]
    return " ".join(parts) or "-"


@callback
def async_connections_listed(
    hass: HomeAssistant, entry: ConfigEntry, connected: set[str]
) -> None:
    """Smartcar listed the user's connections: a subscribed vehicle missing is shown.

    Its device stays (never silently dropped); a repair says how to connect it
    again, and Home Assistant asks to sign in with Smartcar Connect.
    """
    gone = False
    for vehicle_id, record in entry.data.get(CONF_VEHICLES, {}).items():
        issue_id = connection_gone_issue_id(entry, vehicle_id)
        if vehicle_id in connected:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
            continue
        gone = True
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_CONNECTION_GONE,
            translation_placeholders={
                "title": entry.title,
                "vehicle": _vehicle_name(record),
            },
        )
    if gone:
        entry.async_start_reauth(hass)


def move_to_v3_issue_id(entry: ConfigEntry) -> str:
    """The repair offering a v2.0 entry the move to API v3."""
    return f"{ISSUE_MOVE_TO_V3}_{entry.entry_id}"


async def async_offer_move_to_v3(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """A v2.0 entry, and API credentials exist: a repair offers to move it to v3.

    Moving is a sign-in with the API credentials (the entry's reauth); the
    entry, its devices, entities and history stay.
    """
    issue_id = move_to_v3_issue_id(entry)
    if CONF_TOKEN not in entry.data:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    try:
        implementations = await async_get_implementations(hass, DOMAIN)
    except ImplementationUnavailableError:
        return
    if not any(
        isinstance(implementation, AuthImplementation)
        and is_api_client_id(implementation.client_id)
        for implementation in implementations.values()
    ):
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_MOVE_TO_V3,
        translation_placeholders={"title": entry.title},
        data={"entry_id": entry.entry_id},
    )


class V3Session:
    """One entry's v3 client and application token, made on first use.

    Raises what `async_get_config_entry_implementation` raises when the
    credentials are gone or unavailable, and `LookupError` when they are not
    API credentials.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Bind to the entry; nothing is requested yet."""
        self._hass = hass
        self._entry = entry
        self._client: SmartcarV3Client | None = None
        self._tokens: AppToken | None = None

    def __repr__(self) -> str:
        """Never a token."""
        return f"V3Session(ready={self._client is not None})"

    async def async_client(self) -> SmartcarV3Client:
        """The entry's client; its token is requested by the first call."""
        if self._client is None:
            implementation = await async_get_config_entry_implementation(
                self._hass, self._entry
            )
            if not isinstance(
                implementation, AuthImplementation
            ) or not is_api_client_id(implementation.client_id):
                raise LookupError("not API credentials")
            session = async_get_clientsession(self._hass)
            self._tokens = AppToken(
                session,
                implementation.client_id,
                implementation.client_secret,
                token_url=V3_TOKEN_URL,
            )
            self._client = SmartcarV3Client(
                session,
                self._tokens,
                vehicle_base=VEHICLE_API_BASE,
                management_base=MANAGEMENT_API_BASE,
            )
        return self._client

    def forget(self) -> None:
        """Drop the token and the client (unload, or new credentials)."""
        if self._tokens is not None:
            self._tokens.forget()
        self._client = self._tokens = None

    def credentials_refused(self) -> None:
        """Smartcar refused the API credentials: a repair leads to new ones."""
        self.forget()
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            api_credentials_issue_id(self._entry),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_API_CREDENTIALS,
            translation_placeholders={"title": self._entry.title},
        )

    def credentials_accepted(self) -> None:
        """A call went through: any credentials repair is resolved."""
        ir.async_delete_issue(self._hass, DOMAIN, api_credentials_issue_id(self._entry))
