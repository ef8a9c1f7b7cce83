"""Smartcar Connect upkeep: token refresh, vehicle subscriptions, unsubscribe on removal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

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

from .api_v3 import V3Session, is_v3, vehicle_user_id
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
from .refusals import form_error_key
from .smartcar import (
    CONTROL_CHARGE,
    CONTROL_SECURITY,
    SmartcarClient,
    SmartcarError,
    VehicleInfo,
)
from .smartcar.v3 import Connection
from .smartcar.vehicle_api import VehicleApi

# A user's vehicles as Connect lists them: id -> (make/model/year, VIN if permitted).
type Discovered = dict[str, tuple[VehicleInfo, str | None]]

# Refresh tokens live 60 days and webhooks never use them: refresh well inside that.
TOKEN_REFRESH_INTERVAL = timedelta(days=7)
UNSUBSCRIBE_TIMEOUT = 20


def smartcar_client(hass: HomeAssistant) -> SmartcarClient:
    """A Smartcar API client on Home Assistant's shared session."""
    return SmartcarClient(async_get_clientsession(hass), api_base=API_BASE)


# The credentials an entry signed in with are gone (removed, or storage restored);
# ImplementationUnavailableError, by contrast, says they may come back by themselves.
MISSING_CREDENTIALS_ERRORS = (UnknownImplementationError,)


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
    """Whether the entry signed in with Smartcar Connect (else webhook-only).

    A v2.0 entry keeps the user's tokens; a v3 entry the Application ID.
    """
    return CONF_TOKEN in entry.data or is_v3(entry)


class ConnectSession:
    """A Connect entry's sign-in: one OAuth2 session for the whole entry.

    The controls, the options and the upkeep share it, so two refreshes never
    spend the same refresh token.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Bind to the entry; the credentials are looked up on first use."""
        self._hass = hass
        self._entry = entry
        self._session: OAuth2Session | None = None

    async def async_access_token(self) -> str:
        """A valid access token, refreshed (and stored) when needed.

        Raises the OAuth2 token errors of Home Assistant, or one of
        `MISSING_CREDENTIALS_ERRORS` when the credentials are gone.
        """
        if self._session is None:
            implementation = await async_get_config_entry_implementation(
                self._hass, self._entry
            )
            self._session = OAuth2Session(self._hass, self._entry, implementation)
        await self._session.async_ensure_token_valid()
        return str(self._session.token["access_token"])


@callback
def async_setup_token_upkeep(
    hass: HomeAssistant, entry: ConfigEntry, connect: ConnectSession
) -> None:
    """Keep the refresh token alive on a schedule; a 4xx refusal starts reauth.

    The first refresh is set-up's own check of the credentials. A v3 entry
    has no user token: its application token is requested when needed.
    """
    if CONF_TOKEN not in entry.data:
        return

    async def refresh(_now: datetime) -> None:
        try:
            await connect.async_access_token()
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
            return form_error_key(err)
        return None

    results = await asyncio.gather(*(attempt(vehicle_id) for vehicle_id in vehicle_ids))
    return dict(zip(vehicle_ids, results, strict=True))


async def async_subscribe(
    client: VehicleApi,
    who: str,
    webhook_id: str,
    vehicle_ids: list[str],
) -> dict[str, str | None]:
    """Subscribe vehicles: v2.0 with the user's access token, v3 for the user id."""
    return await _async_per_vehicle(
        vehicle_ids,
        lambda vehicle_id: client.subscribe(who, vehicle_id, webhook_id),
    )


async def async_unsubscribe(
    hass: HomeAssistant,
    entry: ConfigEntry,
    vehicle_ids: set[str],
    *,
    webhook_id: str | None = None,
    v3: V3Session | None = None,
) -> dict[str, str | None]:
    """Unsubscribe vehicles; vehicle id -> error or None.

    v2.0 with the management token, v3 through the Management API with the
    application token (the entry's `v3` session, else a new one). From the
    entry's Smartcar webhook, or from `webhook_id` (one being confirmed).
    """
    webhook_id = webhook_id or entry.data.get(CONF_SMARTCAR_WEBHOOK_ID)
    if not vehicle_ids:
        return {}
    if webhook_id is None:
        LOGGER.warning("Smartcar's webhook id is unknown; cannot unsubscribe vehicles")
        return dict.fromkeys(vehicle_ids, "unknown_webhook")
    ordered = sorted(vehicle_ids)
    try:
        async with asyncio.timeout(UNSUBSCRIBE_TIMEOUT):
            client: VehicleApi
            if is_v3(entry):
                client = await (v3 or V3Session(hass, entry)).async_client()

                def who(vehicle_id: str) -> str:
                    return vehicle_user_id(entry, vehicle_id) or ""

            else:
                client = smartcar_client(hass)
                token = entry.data[CONF_MANAGEMENT_TOKEN]

                def who(vehicle_id: str) -> str:
                    return str(token)

            outcome = await _async_per_vehicle(
                ordered,
                lambda vehicle_id: client.unsubscribe(
                    who(vehicle_id), vehicle_id, webhook_id
                ),
            )
    except (
        LookupError,
        OAuth2TokenRequestBaseError,
        ImplementationUnavailableError,
        *MISSING_CREDENTIALS_ERRORS,
    ):
        LOGGER.warning("The Smartcar API credentials are missing; cannot unsubscribe")
        outcome = dict.fromkeys(ordered, "missing_credentials")
    except TimeoutError:
        outcome = dict.fromkeys(ordered, "cannot_connect")
    if failed := sum(1 for error in outcome.values() if error is not None):
        LOGGER.warning("Could not unsubscribe %s of %s vehicles", failed, len(ordered))
    return outcome


def vehicle_record(info: VehicleInfo, user_id: str | None = None) -> dict[str, Any]:
    """How a subscribed vehicle is kept in the entry (v3: with its Smartcar user)."""
    record: dict[str, Any] = {"make": info.make, "model": info.model, "year": info.year}
    if user_id is not None:
        record["user_id"] = user_id
    return record


async def async_discover_vehicles(
    client: SmartcarClient, access_token: str
) -> Discovered:
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


def connection_users(connections: Iterable[Connection]) -> list[str]:
    """The Smartcar users of the application's connections, in Smartcar's order."""
    return list(dict.fromkeys(connection.user_id for connection in connections))


def discovered_from(connections: Iterable[Connection], user_id: str) -> Discovered:
    """A user's vehicles as v3's connections describe them (v3 shares no VIN here)."""
    return {
        connection.vehicle_id: (connection.vehicle, None)
        for connection in connections
        if connection.user_id == user_id
    }


async def async_subscribe_confirming(
    client: VehicleApi,
    who: str,
    candidates: Sequence[str],
    vehicle_ids: list[str],
) -> tuple[str | None, dict[str, str | None]]:
    """Subscribe vehicles to the first candidate webhook id Smartcar accepts.

    Smartcar refuses a subscription, with the user's token, to a webhook of
    another application: one accepted subscription confirms the id. Returns
    the confirmed id (None if none was) and the results of the last attempt.
    """
    results: dict[str, str | None] = {}
    for candidate in candidates:
        results = await async_subscribe(client, who, candidate, vehicle_ids)
        if any(error is None for error in results.values()):
            return candidate, results
    return None, results
