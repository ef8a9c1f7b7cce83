"""Acting on the car: commands and fresh reads with the user's Connect token.

Only entries signed in with Smartcar Connect have a user token, and only the
vehicles signed in with it can be controlled. A fresh read is merged through
the store's apply path like any delivery (newest wins, with the car's times);
a refusal becomes a translated error, and a refused token starts reauth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    HomeAssistantError,
    ImplementationUnavailableError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .connect import (
    MISSING_CREDENTIALS_ERRORS,
    ConnectSession,
    granted_scopes,
    has_connect,
    smartcar_client,
)
from .const import CONF_VEHICLES, LOGGER
from .options import fallback_hours
from .refusals import Refusal, action_error, refusal
from .smartcar import (
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarClient,
    SmartcarConnectionError,
    SmartcarNotCapableError,
    fields_of_path,
    readable_paths,
)
from .store import NotKeptError, VehicleStore
from .vehicle import VehicleState

type Command = Callable[[SmartcarClient, str, str], Awaitable[None]]

# How often the optional fallback looks for vehicles that went silent.
FALLBACK_CHECK_INTERVAL = timedelta(minutes=10)
NOT_SUPPORTED = "COMPATIBILITY"


def _not_supported(vehicle: VehicleState, path: str) -> bool:
    """Whether the car gave nothing this endpoint carries, and said it cannot.

    Smartcar bills every endpoint of a batch: what the car answered with
    COMPATIBILITY (and never a value) is not asked for again.
    """
    states = [vehicle.fields.get(field) for field in fields_of_path(path)]
    return not any(
        state is not None and state.value is not None for state in states
    ) and any(
        state is not None
        and state.error is not None
        and state.error.type == NOT_SUPPORTED
        for state in states
    )


class SmartcarController:
    """Commands and fresh reads for the Connect vehicles of one entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        store: VehicleStore,
        connect: ConnectSession,
    ) -> None:
        """Bind to the entry, its store and its sign-in."""
        self._hass = hass
        self._entry = entry
        self._store = store
        self._connect = connect
        # When each vehicle was last read by the fallback (or by hand), and the
        # start: the fallback waits its hours from then, never polling at once.
        self._started = dt_util.utcnow()
        self._read_at: dict[str, datetime] = {}
        # Whether the fallback update's last read failed: it logs once when
        # reading starts to fail and once when it works again.
        self._fallback_failing = False
        # A read in flight per vehicle: concurrent requests share it (one bill).
        self._reads: dict[str, asyncio.Task[None]] = {}

    @property
    def scopes(self) -> frozenset[str]:
        """The permissions the user granted."""
        return granted_scopes(self._entry)

    def controls(self, vehicle_id: str) -> bool:
        """Whether the vehicle was signed in with this entry's Connect token."""
        return has_connect(self._entry) and vehicle_id in self._entry.data.get(
            CONF_VEHICLES, {}
        )

    @property
    def permitted(self) -> frozenset[str]:
        """The permissions controls may use: none for a webhook-only entry."""
        return self.scopes if has_connect(self._entry) else frozenset()

    @callback
    def async_remove_entities(self, domain: str, keys: set[str]) -> None:
        """Remove a platform's entities of these keys (a permission withdrawn)."""
        registry = er.async_get(self._hass)
        for entity in er.async_entries_for_config_entry(registry, self._entry.entry_id):
            if entity.domain == domain and any(
                entity.unique_id.endswith(f"_{key}") for key in keys
            ):
                registry.async_remove(entity.entity_id)

    async def _async_token(self) -> str:
        try:
            return await self._connect.async_access_token()
        except OAuth2TokenRequestReauthError as err:
            self._entry.async_start_reauth(self._hass)
            raise action_error("reauth_required") from err
        except MISSING_CREDENTIALS_ERRORS as err:
            raise action_error("missing_credentials") from err
        except (OAuth2TokenRequestBaseError, ImplementationUnavailableError) as err:
            raise action_error("cannot_connect") from err

    def _refused(self, err: Refusal, entity_id: str | None) -> HomeAssistantError:
        LOGGER.debug("Smartcar refused a request: %s", err)
        if isinstance(err, SmartcarAuthError):
            self._entry.async_start_reauth(self._hass)
        elif isinstance(err, SmartcarNotCapableError) and entity_id is not None:
            # Kept in the entity registry across restarts; the user may enable it again.
            er.async_get(self._hass).async_update_entity(
                entity_id, disabled_by=er.RegistryEntryDisabler.INTEGRATION
            )
        return refusal(err)

    async def async_command(
        self, vehicle_id: str, command: Command, entity_id: str | None = None
    ) -> datetime:
        """Send a command; when Smartcar accepted it. A refusal raises translated.

        A command the car cannot do at all disables `entity_id`.
        """
        token = await self._async_token()
        try:
            await command(smartcar_client(self._hass), token, vehicle_id)
        except (SmartcarApiError, SmartcarConnectionError) as err:
            raise self._refused(err, entity_id) from err
        return dt_util.utcnow()

    def read_paths(self, vehicle_id: str) -> tuple[str, ...]:
        """What a fresh read asks for: what was granted, less what the car cannot."""
        vehicle = self._store.vehicles.get(vehicle_id)
        return tuple(
            path
            for path in readable_paths(self.scopes)
            if vehicle is None or not _not_supported(vehicle, path)
        )

    async def async_request_update(self, vehicle_id: str) -> None:
        """Read the vehicle afresh and merge it like a delivery (newest wins).

        Requests while a read of the vehicle is in flight wait for that one.
        """
        if (read := self._reads.get(vehicle_id)) is None:
            read = self._reads[vehicle_id] = self._hass.async_create_task(
                self._async_read(vehicle_id), "smartcar read", eager_start=False
            )
            read.add_done_callback(lambda _done: self._reads.pop(vehicle_id, None))
        await asyncio.shield(read)

    async def _async_read(self, vehicle_id: str) -> None:
        if not (paths := self.read_paths(vehicle_id)):
            raise action_error("nothing_to_read")
        self._read_at[vehicle_id] = dt_util.utcnow()
        token = await self._async_token()
        try:
            delivery = await smartcar_client(self._hass).read(
                token, vehicle_id, paths, received_at=dt_util.utcnow()
            )
        except (SmartcarApiError, SmartcarConnectionError) as err:
            raise self._refused(err, None) from err
        # Unloaded meanwhile: the store keeps nothing more.
        with suppress(NotKeptError):
            self._store.async_apply(delivery)
            await self._store.async_commit()

    async def async_request_updates(self, vehicle_ids: Iterable[str]) -> None:
        """Read several vehicles at once; one error names how many failed."""
        ids = list(vehicle_ids)

        async def attempt(vehicle_id: str) -> HomeAssistantError | None:
            try:
                await self.async_request_update(vehicle_id)
            except HomeAssistantError as err:
                return err
            return None

        results = await asyncio.gather(*(attempt(vehicle_id) for vehicle_id in ids))
        failed = [err for err in results if err is not None]
        if len(ids) == 1 and failed:
            raise failed[0]
        if failed:
            raise action_error(
                "update_failed", {"failed": str(len(failed)), "total": str(len(ids))}
            ) from failed[0]

    @callback
    def async_start(self) -> None:
        """Look for silent vehicles on a schedule, when the option asks for it."""
        self._entry.async_on_unload(
            async_track_time_interval(
                self._hass, self._async_check_silent, FALLBACK_CHECK_INTERVAL
            )
        )

    @callback
    def _async_check_silent(self, now: datetime) -> None:
        hours = fallback_hours(self._entry)
        if not hours or not has_connect(self._entry):
            return
        due = now - timedelta(hours=hours)
        for vehicle_id, vehicle in self._store.vehicles.items():
            heard = [
                self._started,
                self._read_at.get(vehicle_id),
                vehicle.last_delivery,
            ]
            if self.controls(vehicle_id) and max(t for t in heard if t) <= due:
                self._entry.async_create_background_task(
                    self._hass,
                    self._async_fallback_read(vehicle_id),
                    "smartcar fallback update",
                )

    async def _async_fallback_read(self, vehicle_id: str) -> None:
        try:
            await self.async_request_update(vehicle_id)
        except HomeAssistantError as err:
            # No vehicle id: logs name what failed, not which car.
            if not self._fallback_failing:
                self._fallback_failing = True
                LOGGER.info(
                    "The fallback update cannot read vehicles through Smartcar (%s)",
                    err.translation_key,
                )
            else:
                LOGGER.debug("A fallback update failed (%s)", err.translation_key)
            return
        if self._fallback_failing:
            self._fallback_failing = False
            LOGGER.info("The fallback update reads vehicles through Smartcar again")
