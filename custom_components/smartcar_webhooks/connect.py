"""Smartcar Connect upkeep: token refresh, vehicle subscriptions, unsubscribe on removal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
    UnknownImplementationError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.event import async_track_time_interval

from .const import (
    API_BASE,
    CONF_MANAGEMENT_TOKEN,
    CONF_SCOPES,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    LOGGER,
    OAUTH2_SCOPES,
)
from .smartcar import (
    CONTROL_CHARGE,
    CONTROL_SECURITY,
    SmartcarAuthError,
    SmartcarClient,
    SmartcarConnectionError,
    SmartcarError,
    SmartcarRateLimitError,
    SmartcarServerError,
)

# Refresh tokens live 60 days and webhooks never use them: refresh well inside that.
TOKEN_REFRESH_INTERVAL = timedelta(days=7)
UNSUBSCRIBE_TIMEOUT = 20


def smartcar_client(hass: HomeAssistant) -> SmartcarClient:
    """A Smartcar API client on Home Assistant's shared session."""
    return SmartcarClient(async_get_clientsession(hass), api_base=API_BASE)


# The credentials an entry signed in with are gone (removed, or storage restored);
# ImplementationUnavailableError, by contrast, says they may come back by themselves.
MISSING_CREDENTIALS_ERRORS = (UnknownImplementationError,)


def api_error_key(err: SmartcarError) -> str:
    """The translation key of a Smartcar API error."""
    match err:
        case SmartcarAuthError():
            return "invalid_auth"
        case SmartcarRateLimitError():
            return "rate_limited"
        case SmartcarServerError():
            return "smartcar_unavailable"
        case SmartcarConnectionError():
            return "cannot_connect"
    return "smartcar_error"


def connect_scopes(control: bool) -> tuple[str, ...]:
    """The permissions Connect asks for: reading, and controlling the car if chosen."""
    return (
        (*OAUTH2_SCOPES, CONTROL_CHARGE, CONTROL_SECURITY) if control else OAUTH2_SCOPES
    )


def granted_scopes(entry: ConfigEntry) -> frozenset[str]:
    """The permissions the user granted: the token's, else what the flow asked for.

    Entries signed in before the control permissions existed asked for reading only.
    """
    token = entry.data.get(CONF_TOKEN)
    scope = token.get("scope") if isinstance(token, dict) else None
    if isinstance(scope, str):
        return frozenset(scope.split())
    if isinstance(scopes := entry.data.get(CONF_SCOPES), list):
        return frozenset(s for s in scopes if isinstance(s, str))
    return frozenset(OAUTH2_SCOPES)


def grants_control(entry: ConfigEntry) -> bool:
    """Whether the user allowed Home Assistant to control the car."""
    return bool(granted_scopes(entry) & {CONTROL_CHARGE, CONTROL_SECURITY})


def has_connect(entry: ConfigEntry) -> bool:
    """Whether the entry signed in with Smartcar Connect (else webhook-only)."""
    return CONF_TOKEN in entry.data


async def async_access_token(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """A valid access token, refreshed (and stored) when needed.

    Raises the OAuth2 token errors of Home Assistant, or one of
    `MISSING_CREDENTIALS_ERRORS` when the credentials are gone. A loaded entry
    shares one session, so two refreshes never spend the same refresh token.
    """
    # runtime_data exists from early in setup (the first refresh runs then).
    runtime = getattr(entry, "runtime_data", None)
    session: OAuth2Session | None = runtime.oauth_session if runtime else None
    if session is None:
        implementation = await async_get_config_entry_implementation(hass, entry)
        session = OAuth2Session(hass, entry, implementation)
        if runtime is not None:
            runtime.oauth_session = session
    await session.async_ensure_token_valid()
    return str(session.token["access_token"])


@callback
def async_setup_token_upkeep(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Keep the refresh token alive on a schedule; a 4xx refusal starts reauth."""
    if not has_connect(entry):
        return

    async def refresh(_now: datetime | None = None) -> None:
        try:
            await async_access_token(hass, entry)
        except OAuth2TokenRequestReauthError:
            LOGGER.warning("Smartcar refused the refresh token; sign in again")
            entry.async_start_reauth(hass)
        except MISSING_CREDENTIALS_ERRORS:
            LOGGER.warning("The Smartcar application credentials are missing")
        except OAuth2TokenRequestBaseError, ImplementationUnavailableError:
            LOGGER.warning("Could not refresh the Smartcar token; will try again")

    entry.async_on_unload(
        async_track_time_interval(hass, refresh, TOKEN_REFRESH_INTERVAL)
    )
    entry.async_create_background_task(hass, refresh(), "smartcar token refresh")


def known_vehicle_ids(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Every vehicle the entry knows: subscribed through Connect or seen in deliveries."""
    ids = set(entry.data.get(CONF_VEHICLES, ()))
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        ids.update(
            identifier for domain, identifier in device.identifiers if domain == DOMAIN
        )
    return ids


async def _async_per_vehicle(
    vehicle_ids: list[str], action: Callable[[str], Awaitable[object]]
) -> dict[str, str | None]:
    """Run an API call for each vehicle at once; vehicle id -> error key or None."""

    async def attempt(vehicle_id: str) -> str | None:
        try:
            await action(vehicle_id)
        except SmartcarError as err:
            return api_error_key(err)
        return None

    results = await asyncio.gather(*(attempt(vehicle_id) for vehicle_id in vehicle_ids))
    return dict(zip(vehicle_ids, results, strict=True))


async def async_subscribe(
    client: SmartcarClient,
    access_token: str,
    webhook_id: str,
    vehicle_ids: list[str],
) -> dict[str, str | None]:
    """Subscribe vehicles with the user's access token."""
    return await _async_per_vehicle(
        vehicle_ids,
        lambda vehicle_id: client.subscribe(access_token, vehicle_id, webhook_id),
    )


async def async_unsubscribe(
    hass: HomeAssistant,
    entry: ConfigEntry,
    vehicle_ids: set[str],
    *,
    webhook_id: str | None = None,
) -> dict[str, str | None]:
    """Unsubscribe vehicles with the management token; vehicle id -> error or None.

    From the entry's Smartcar webhook, or from `webhook_id` (one being confirmed).
    """
    webhook_id = webhook_id or entry.data.get(CONF_SMARTCAR_WEBHOOK_ID)
    if not vehicle_ids:
        return {}
    if webhook_id is None:
        LOGGER.warning("Smartcar's webhook id is unknown; cannot unsubscribe vehicles")
        return dict.fromkeys(vehicle_ids, "unknown_webhook")
    client = smartcar_client(hass)
    token = entry.data[CONF_MANAGEMENT_TOKEN]

    ordered = sorted(vehicle_ids)
    try:
        async with asyncio.timeout(UNSUBSCRIBE_TIMEOUT):
            outcome = await _async_per_vehicle(
                ordered,
                lambda vehicle_id: client.unsubscribe(token, vehicle_id, webhook_id),
            )
    except TimeoutError:
        outcome = dict.fromkeys(ordered, "cannot_connect")
    if failed := sum(1 for error in outcome.values() if error is not None):
        LOGGER.warning("Could not unsubscribe %s of %s vehicles", failed, len(ordered))
    return outcome
