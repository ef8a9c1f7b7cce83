"""Acting on the car: commands and fresh reads through Smartcar's API.

v2.0 entries act with the user's Connect token; v3 entries with the entry's
application token, naming the vehicle's Smartcar user (`sc-user-id`). Only
the vehicles signed in with Connect can be controlled. A fresh read is merged
through the store's apply path like any delivery (newest wins, with the car's
times); a refusal becomes a translated error. A refused user token starts
reauth; refused API credentials or Smartcar's billing limit raise a repair.
Every read and command is counted (billed per vehicle and month); a 429 is
waited out as Smartcar says, and a monthly budget stops only the fallback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from datetime import datetime, timedelta
import math

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    HomeAssistantError,
    ImplementationUnavailableError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .api_v3 import V3Session, is_v3, vehicle_user_id
from .connect import (
    MISSING_CREDENTIALS_ERRORS,
    ConnectSession,
    granted_scopes,
    has_connect,
    smartcar_client,
)
from .const import (
    CONF_MONTHLY_BUDGET,
    CONF_VEHICLES,
    DOMAIN,
    ISSUE_BILLING,
    ISSUE_BUDGET,
    LOGGER,
)
from .options import fallback_hours
from .refusals import Refusal, action_error, refusal
from .smartcar import (
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarConnectionError,
    SmartcarNotCapableError,
    SmartcarPermissionError,
    SmartcarRateLimitError,
    fields_of_path,
    readable_paths,
)
from .smartcar.client import SmartcarBillingError
from .smartcar.vehicle_api import CommandResult, VehicleApi
from .store import NotKeptError, VehicleStore
from .usage import UsageCounter
from .vehicle import VehicleState

# A command: the API (v2.0 or v3), who acts (a token or a user id), the vehicle.
type Command = Callable[[VehicleApi, str, str], Awaitable[CommandResult | None]]


async def start_charging(
    api: VehicleApi, who: str, vehicle_id: str
) -> CommandResult | None:
    """Start charging, whichever API version the entry speaks."""
    return await api.start_charging(who, vehicle_id)


async def stop_charging(
    api: VehicleApi, who: str, vehicle_id: str
) -> CommandResult | None:
    """Stop charging."""
    return await api.stop_charging(who, vehicle_id)


async def lock(api: VehicleApi, who: str, vehicle_id: str) -> CommandResult | None:
    """Lock the doors."""
    return await api.lock(who, vehicle_id)


async def unlock(api: VehicleApi, who: str, vehicle_id: str) -> CommandResult | None:
    """Unlock the doors."""
    return await api.unlock(who, vehicle_id)


async def set_charge_limit(
    api: VehicleApi, who: str, vehicle_id: str, percent: float
) -> CommandResult | None:
    """Set the charge limit in percent (v2.0 sends a fraction, v3 the percent)."""
    return await api.set_charge_limit(who, vehicle_id, percent)


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


def billing_issue_id(entry: ConfigEntry) -> str:
    """The repair raised when Smartcar answers 430 (the plan's limit)."""
    return f"{ISSUE_BILLING}_{entry.entry_id}"


def budget_issue_id(entry: ConfigEntry) -> str:
    """The notice raised when the fallback update stopped at the monthly budget."""
    return f"{ISSUE_BUDGET}_{entry.entry_id}"


class SmartcarController:
    """Commands and fresh reads for the Connect vehicles of one entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        store: VehicleStore,
        connect: ConnectSession,
        v3: V3Session | None = None,
        usage: UsageCounter | None = None,
    ) -> None:
        """Bind to the entry, its store, its sign-in and its application token."""
        self._hass = hass
        self._entry = entry
        self._store = store
        self._connect = connect
        self._v3 = v3 or V3Session(hass, entry)
        self.usage = usage or UsageCounter(hass, entry.entry_id)
        # Vehicle id -> when Smartcar's 429 said to try again.
        self._retry_at: dict[str, datetime] = {}
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

    async def _async_api(self, vehicle_id: str) -> tuple[VehicleApi, str]:
        """The API the entry speaks and who acts: the user's token, or the user id."""
        if not is_v3(self._entry):
            return smartcar_client(self._hass), await self._async_token()
        try:
            client = await self._v3.async_client()
        except (LookupError, *MISSING_CREDENTIALS_ERRORS) as err:
            raise action_error("missing_credentials") from err
        except ImplementationUnavailableError as err:
            raise action_error("cannot_connect") from err
        if (user_id := vehicle_user_id(self._entry, vehicle_id)) is None:
            raise action_error("reauth_required")
        return client, user_id

    def _wait_as_told(self, vehicle_id: str) -> None:
        """Smartcar said when to try again (429): nothing is sent before."""
        if (until := self._retry_at.get(vehicle_id)) is None:
            return
        if (left := (until - dt_util.utcnow()).total_seconds()) > 0:
            raise action_error("rate_limited_retry", {"seconds": str(math.ceil(left))})
        del self._retry_at[vehicle_id]

    def _billed(self, vehicle_id: str) -> None:
        self.usage.async_add(vehicle_id, dt_util.utcnow())

    def _accepted(self) -> None:
        if is_v3(self._entry):
            self._v3.credentials_accepted()
            ir.async_delete_issue(self._hass, DOMAIN, billing_issue_id(self._entry))

    def _refused(
        self, err: Refusal, entity_id: str | None, vehicle_id: str | None = None
    ) -> HomeAssistantError:
        LOGGER.debug("Smartcar refused a request: %s", err)
        if isinstance(err, SmartcarRateLimitError) and vehicle_id is not None:
            if err.retry_after:
                self._retry_at[vehicle_id] = dt_util.utcnow() + timedelta(
                    seconds=err.retry_after
                )
        if isinstance(err, SmartcarBillingError):
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                billing_issue_id(self._entry),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_BILLING,
                translation_placeholders={"title": self._entry.title},
            )
            return action_error("billing_limit")
        if (
            is_v3(self._entry)
            and isinstance(err, SmartcarAuthError)
            and not isinstance(err, SmartcarPermissionError)
        ):
            # The application token is the entry's, not the user's: new API
            # credentials are the remedy, never Connect.
            self._v3.credentials_refused()
            return action_error("api_credentials_refused")
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
        self._wait_as_told(vehicle_id)
        api, who = await self._async_api(vehicle_id)
        try:
            result = await command(api, who, vehicle_id)
        except (SmartcarApiError, SmartcarConnectionError) as err:
            if not isinstance(err, SmartcarConnectionError):
                self._billed(vehicle_id)
            raise self._refused(err, entity_id, vehicle_id) from err
        self._billed(vehicle_id)
        self._accepted()
        if result is not None and not result.done:
            # 202: still running; the control's assumed state waits for the car.
            LOGGER.debug("Smartcar is still running a command (%s)", result.outcome)
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
        v3 reads every signal in one call (`GET /vehicles/{id}/signals`).
        """
        if (read := self._reads.get(vehicle_id)) is None:
            read = self._reads[vehicle_id] = self._hass.async_create_task(
                self._async_read(vehicle_id), "smartcar read", eager_start=False
            )
            read.add_done_callback(lambda _done: self._reads.pop(vehicle_id, None))
        await asyncio.shield(read)

    async def _async_read(self, vehicle_id: str) -> None:
        v3 = is_v3(self._entry)
        if not (paths := self.read_paths(vehicle_id)) and not v3:
            raise action_error("nothing_to_read")
        self._wait_as_told(vehicle_id)
        self._read_at[vehicle_id] = dt_util.utcnow()
        api, who = await self._async_api(vehicle_id)
        try:
            delivery = await api.read(
                who, vehicle_id, paths, received_at=dt_util.utcnow()
            )
        except (SmartcarApiError, SmartcarConnectionError) as err:
            if not isinstance(err, SmartcarConnectionError):
                self._billed(vehicle_id)
            raise self._refused(err, None, vehicle_id) from err
        self._billed(vehicle_id)
        self._accepted()
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
        if not any(
            self._over_budget(vehicle_id, now) for vehicle_id in self._store.vehicles
        ):
            # A new month, or a larger budget: the notice goes by itself.
            ir.async_delete_issue(self._hass, DOMAIN, budget_issue_id(self._entry))
        for vehicle_id, vehicle in self._store.vehicles.items():
            heard = [
                self._started,
                self._read_at.get(vehicle_id),
                vehicle.last_delivery,
            ]
            if (
                self.controls(vehicle_id)
                and max(t for t in heard if t) <= due
                and self._within_budget(vehicle_id, now)
                and not self._told_to_wait(vehicle_id, now)
            ):
                self._entry.async_create_background_task(
                    self._hass,
                    self._async_fallback_read(vehicle_id),
                    "smartcar fallback update",
                )

    def _told_to_wait(self, vehicle_id: str, now: datetime) -> bool:
        until = self._retry_at.get(vehicle_id)
        return until is not None and now < until

    def _over_budget(self, vehicle_id: str, now: datetime) -> bool:
        budget = self._entry.options.get(CONF_MONTHLY_BUDGET)
        return (
            isinstance(budget, int)
            and budget > 0
            and self.controls(vehicle_id)
            and self.usage.count(vehicle_id, now) >= budget
        )

    def _within_budget(self, vehicle_id: str, now: datetime) -> bool:
        """Whether the fallback may spend one more billed call on the vehicle.

        Only the fallback stops: a command or a read the user asks for never.
        """
        if not self._over_budget(vehicle_id, now):
            return True
        budget = self._entry.options[CONF_MONTHLY_BUDGET]
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            budget_issue_id(self._entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_BUDGET,
            translation_placeholders={
                "title": self._entry.title,
                "budget": str(budget),
            },
        )
        return False

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
