"""What a loaded entry runs: its webhook handler, verification window and store.

It attaches its handler to the webhook's one registration (`webhook_owner`)
once the store is loaded, receives parsed deliveries (answered once they are
on disk), learns Smartcar's webhook id from signed ones, starts reauth when
Smartcar asks for it, passes vehicle events and battery levels on to device
triggers, and on unload detaches (503 until loaded again) before the store's
last write, after which the store writes nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import datetime
from functools import partial
import re

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from . import webhook_owner
from .api_v3 import V3Session, is_v3
from .connect import ConnectSession, async_setup_token_upkeep, has_connect
from .const import (
    BAD_SIGNATURE_LIMIT,
    BAD_SIGNATURE_SPAN,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DEFAULT_TITLE,
    DOMAIN,
    ISSUE_BAD_SIGNATURES,
    ISSUE_DUPLICATE_VEHICLE,
    ISSUE_STORAGE_DAMAGED,
    ISSUE_STORAGE_RECOVERED,
    ISSUE_VERIFY_REFUSED,
    LOGGER,
)
from .control import SmartcarController
from .device import async_update_vehicle_device, vehicle_name
from .migrate import async_restored_state
from .options import low_battery
from .signals import signal_battery, signal_events
from .smartcar import (
    ChargingEvent,
    DataDelivery,
    ErrorDelivery,
    ErrorState,
    Field,
    InvalidDeliveryError,
    Mode,
    VehicleInfo,
    VerifyRequest,
    is_webhook_id,
    parse_delivery,
    verify_signature,
)
from .store import Outcome, VehicleStore
from .usage import UsageCounter
from .vehicle import KEY_CHARGING_EVENT, KEY_INFO, VehicleState, concerns_us
from .webhook import Handler, VerificationWindow, async_create_handler

type Delivery = DataDelivery | ErrorDelivery | ChargingEvent

STATUS_TEST = "test"
# Smartcar's deliveries are a few KB; larger bodies are not kept to compare.
MAX_FAILED_BODY_BYTES = 64 * 1024
_HEX = frozenset("0123456789abcdefABCDEF")


def looks_like_smartcar(body: bytes, signature: str) -> bool:
    """Whether a refused request looks like one of Smartcar's own deliveries.

    An HMAC-SHA256 in hex, over a body that parses as a Smartcar delivery:
    what Smartcar sends after the token changed, not any noise at the URL.
    """
    if (
        len(signature) != 64
        or not _HEX.issuperset(signature)
        or len(body) > MAX_FAILED_BODY_BYTES
    ):
        return False
    try:
        parse_delivery(body, received_at=dt_util.utcnow())
    except InvalidDeliveryError:
        return False
    return True


def bad_signatures_issue_id(entry: ConfigEntry) -> str:
    """The repair issue raised when deliveries keep failing the signature check."""
    return f"{ISSUE_BAD_SIGNATURES}_{entry.entry_id}"


def storage_issue_id(entry: ConfigEntry) -> str:
    """The repair issue raised when the entry's saved state was damaged."""
    return f"{ISSUE_STORAGE_DAMAGED}_{entry.entry_id}"


def verify_refused_issue_id(entry: ConfigEntry) -> str:
    """The repair issue raised when a VERIFY came outside a window."""
    return f"{ISSUE_VERIFY_REFUSED}_{entry.entry_id}"


# Words that name the receiving end, not a Smartcar application.
GENERIC_NAME_WORDS = frozenset(
    {
        "home",
        "assistant",
        "homeassistant",
        "hass",
        "ha",
        "smartcar",
        "webhook",
        "webhooks",
    }
)


def is_generic_webhook_name(name: str) -> bool:
    """Whether a webhook's name says no more than "Home Assistant" or "Smartcar"."""
    words = re.findall(r"\w+", name.casefold())
    return all(word in GENERIC_NAME_WORDS for word in words)


class SmartcarRuntime:
    """The loaded state of one entry."""

    def __init__(self, hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
        """Bind to the entry; `async_setup` loads the store."""
        self.hass = hass
        self.entry = entry
        self.store = VehicleStore(hass, entry.entry_id)
        # Connect entries: the one sign-in the controls, options and upkeep share.
        self.connect = ConnectSession(hass, entry)
        # v3 entries: the one application token all vehicles of the entry share.
        self.v3 = V3Session(hass, entry)
        self.usage = UsageCounter(hass, entry.entry_id)
        self.controller = SmartcarController(
            hass, entry, self.store, self.connect, self.v3, self.usage
        )
        self.window = VerificationWindow(self._on_verified)
        self._test_notice: asyncio.Task[None] | None = None
        self._handler: Handler | None = None
        # Recent wrongly signed requests that look like Smartcar's deliveries:
        # when, the body and its signature (a new token must verify one).
        self._bad_signatures: deque[tuple[datetime, bytes, str]] = deque(
            maxlen=BAD_SIGNATURE_LIMIT
        )

    async def async_setup(self) -> None:
        """Load the store (migrating an older version's states) and known vehicles."""
        entry, store = self.entry, self.store
        store.low_battery = partial(low_battery, entry)
        await self.usage.async_load()
        if not await store.async_load():
            store.async_restore(async_restored_state(self.hass, entry.entry_id))
            store.async_save_soon()  # what was migrated is the state from now on
        self._report_damage()
        # Registered before the platforms, so a device exists before its entities.
        entry.async_on_unload(store.async_listen(self._update_device, KEY_INFO))
        # Device triggers outlive a reload of the entry: they hear the dispatcher.
        entry.async_on_unload(store.async_listen(self._send_events, KEY_CHARGING_EVENT))
        entry.async_on_unload(
            store.async_listen(self._send_battery, Field.BATTERY_LEVEL.value)
        )
        for vehicle in self.store.vehicles.values():
            self._update_device(vehicle, {KEY_INFO})
        self.async_add_connect_vehicles()

    @callback
    def async_report_duplicate(
        self, vehicle: VehicleState, other_entry_id: str
    ) -> None:
        """The car already has its entities in another entry: a repair, once."""
        other = self.hass.config_entries.async_get_entry(other_entry_id)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_DUPLICATE_VEHICLE}_{self.entry.entry_id}_{vehicle.vehicle_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_DUPLICATE_VEHICLE,
            translation_placeholders={
                "title": self.entry.title,
                "other": other.title if other is not None else "-",
                "vehicle": vehicle_name(vehicle.info),
            },
        )

    @callback
    def _report_damage(self) -> None:
        """A repair naming what a damaged state file cost (nothing is retried)."""
        store, issue_id = self.store, storage_issue_id(self.entry)
        if not store.dropped and not store.recovered:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        LOGGER.warning(
            "The saved state of %s was damaged: %s part(s) dropped%s",
            self.entry.title,
            store.dropped,
            ", the last good copy used" if store.recovered else "",
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_STORAGE_RECOVERED
            if store.recovered
            else ISSUE_STORAGE_DAMAGED,
            translation_placeholders={
                "title": self.entry.title,
                "dropped": str(store.dropped),
            },
        )

    @callback
    def async_add_connect_vehicles(self) -> None:
        """Give each vehicle subscribed through Connect (set-up, options) its device."""
        for vehicle_id, record in self.entry.data.get(CONF_VEHICLES, {}).items():
            if vehicle_id not in self.store.vehicles:
                self.store.async_add_vehicle(
                    VehicleInfo(
                        vehicle_id,
                        record.get("make"),
                        record.get("model"),
                        record.get("year"),
                    )
                )

    @callback
    def async_start(self) -> None:
        """Receive deliveries (those kept while the flow was open first)."""
        hass, entry = self.hass, self.entry
        owner = webhook_owner.async_get(hass, entry.data[CONF_WEBHOOK_ID], entry.title)
        for delivery in owner.take_kept():
            self.async_receive(delivery)
        # A window the flow left open stays open (Smartcar may verify again).
        if (until := owner.take_window()) is not None:
            self.window.open(until)
        self._handler = async_create_handler(
            entry.data[CONF_MANAGEMENT_TOKEN],
            self.window,
            self.async_deliver,
            self._on_verify_refused,
            self._on_bad_signature,
        )
        owner.attach(self._handler)
        async_setup_token_upkeep(hass, entry, self.connect)
        self.controller.async_start()

    async def async_stop(self) -> None:
        """Unloading: answer 503 from now on, then write what is not saved yet.

        In that order: nothing gets into the store after its last write.
        """
        if (owners := self.hass.data.get(webhook_owner.DATA_WEBHOOKS)) and (
            owner := owners.get(self.entry.data[CONF_WEBHOOK_ID])
        ):
            owner.detach(self._handler)
        self.window.close()
        self.v3.forget()
        await self.store.async_close()
        await self.usage.async_flush()

    @callback
    def async_remove_vehicle(self, vehicle_id: str) -> None:
        """The user removed a vehicle's device (or unselected it in the options)."""
        self.store.async_remove_vehicle(vehicle_id)
        if vehicle_id in (vehicles := self.entry.data.get(CONF_VEHICLES, {})):
            self.hass.config_entries.async_update_entry(
                self.entry,
                data={
                    **self.entry.data,
                    CONF_VEHICLES: {
                        k: v for k, v in vehicles.items() if k != vehicle_id
                    },
                },
            )

    async def async_deliver(self, delivery: Delivery) -> str:
        """Apply a signed delivery from the webhook; its status once it is on disk.

        Raises `NotKeptError` when it could not be written (answered 503).
        """
        status = self.async_receive(delivery)
        if status != STATUS_TEST:
            # Also for a duplicate: the original may still be on its way to disk.
            await self.store.async_commit()
        return status

    @callback
    def async_receive(self, delivery: Delivery) -> str:
        """Apply a signed delivery; the status word the webhook answers with."""
        if self._bad_signatures:
            # A good signature: whatever failed before was not Smartcar. An
            # ignored repair stays ignored (a forger could raise it again).
            self._bad_signatures.clear()
            issue_id = bad_signatures_issue_id(self.entry)
            issue = ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id)
            if issue is not None and issue.dismissed_version is None:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        if delivery.mode is Mode.TEST:
            # Made-up data from the Dashboard, possibly for a real vehicle id.
            self._notify_test_delivery()
            return STATUS_TEST
        self._learn_webhook_id(delivery.webhook_id)
        if not isinstance(delivery, ChargingEvent):
            self._learn_title(delivery.webhook_name)
        outcome = self.store.async_apply(delivery)
        if not isinstance(delivery, ChargingEvent) and is_v3(self.entry):
            self._attach_user(delivery)
        if (
            outcome is Outcome.APPLIED
            and isinstance(delivery, ErrorDelivery)
            and has_connect(self.entry)
            and self._asks_to_sign_in(delivery)
        ):
            self.entry.async_start_reauth(self.hass)
        return outcome.value

    @callback
    def _attach_user(self, delivery: DataDelivery | ErrorDelivery) -> None:
        """A signed delivery names the vehicle's user (`data.user.id`): keep it.

        A vehicle of the entry's user that the entry did not list yet (the
        webhook subscribes every vehicle itself) joins it, so it can be read
        and controlled; a vehicle of another user is never attached to this one.
        """
        if (user_id := delivery.user_id) is None:
            return
        infos = (
            [report.vehicle for report in delivery.vehicles]
            if isinstance(delivery, DataDelivery)
            else [delivery.vehicle]
        )
        vehicles = dict(self.entry.data.get(CONF_VEHICLES, {}))
        changed = False
        for info in infos:
            record = vehicles.get(info.vehicle_id)
            if isinstance(record, dict):
                if record.get("user_id") != user_id and user_id == self.entry.data.get(
                    CONF_SMARTCAR_USER_ID
                ):
                    vehicles[info.vehicle_id] = {**record, "user_id": user_id}
                    changed = True
            elif user_id == self.entry.data.get(CONF_SMARTCAR_USER_ID):
                vehicles[info.vehicle_id] = {
                    "make": info.make,
                    "model": info.model,
                    "year": info.year,
                    "user_id": user_id,
                }
                changed = True
        if changed:
            self.hass.config_entries.async_update_entry(
                self.entry, data={**self.entry.data, CONF_VEHICLES: vehicles}
            )

    def _asks_to_sign_in(self, delivery: ErrorDelivery) -> bool:
        # Only a newly applied error about the account, the vehicle or a signal
        # the integration shows: never one about signals it does not use.
        vehicle = self.store.vehicles.get(delivery.vehicle.vehicle_id)
        return vehicle is not None and any(
            error.resolution == "REAUTHENTICATE"
            and error.state is ErrorState.ERROR
            and concerns_us(error)
            and vehicle.errors.get((error.type, error.code), (None,))[0] == error
            for error in delivery.errors
        )

    @callback
    def _learn_webhook_id(self, webhook_id: str | None) -> None:
        # Only signed deliveries get here: their webhook id is Smartcar's word.
        if (
            webhook_id is not None
            and CONF_SMARTCAR_WEBHOOK_ID not in self.entry.data
            and is_webhook_id(webhook_id)
        ):
            self.hass.config_entries.async_update_entry(
                self.entry,
                data={**self.entry.data, CONF_SMARTCAR_WEBHOOK_ID: webhook_id},
            )

    @callback
    def _learn_title(self, webhook_name: str | None) -> None:
        # The webhook's name tells two entries apart; a title the user chose stays,
        # and a name that only says "Home Assistant" would title the entry as if
        # it were Home Assistant itself.
        if (
            webhook_name
            and self.entry.title == DEFAULT_TITLE
            and not is_generic_webhook_name(webhook_name)
        ):
            self.hass.config_entries.async_update_entry(self.entry, title=webhook_name)

    @callback
    def _update_device(self, vehicle: VehicleState, _changed: set[str]) -> None:
        firmware = vehicle.value(Field.FIRMWARE_VERSION)
        # The last VIN and nickname the car sent: an error reading them renames nothing.
        vin, nickname = (
            None if (state := vehicle.fields.get(key)) is None else state.value
            for key in (Field.VIN, Field.NICKNAME)
        )
        async_update_vehicle_device(
            self.hass,
            self.entry,
            vehicle.info,
            firmware if isinstance(firmware, str) else None,
            serial_number=vin if isinstance(vin, str) else None,
            nickname=nickname if isinstance(nickname, str) else None,
        )

    @callback
    def _send_events(self, vehicle: VehicleState, _changed: set[str]) -> None:
        async_dispatcher_send(
            self.hass,
            signal_events(self.entry.entry_id, vehicle.vehicle_id),
            vehicle.events,
        )

    @callback
    def _send_battery(self, vehicle: VehicleState, _changed: set[str]) -> None:
        if (change := vehicle.battery_change) is not None:
            async_dispatcher_send(
                self.hass,
                signal_battery(self.entry.entry_id, vehicle.vehicle_id),
                *change,
            )

    @callback
    def _notify_test_delivery(self) -> None:
        # One notice at a time, however many test deliveries arrive.
        if self._test_notice is None or self._test_notice.done():
            self._test_notice = self.entry.async_create_task(
                self.hass, self._async_notify_test_delivery(), "smartcar test delivery"
            )

    async def _async_notify_test_delivery(self) -> None:
        strings = await async_get_translations(
            self.hass, self.hass.config.language, "exceptions", {DOMAIN}
        )
        prefix = f"component.{DOMAIN}.exceptions"
        persistent_notification.async_create(
            self.hass,
            strings.get(f"{prefix}.test_delivery.message", "Smartcar test delivery"),
            strings.get(f"{prefix}.test_delivery_title.message", "Smartcar"),
            notification_id=f"{DOMAIN}_{self.entry.entry_id}_test_delivery",
        )
        LOGGER.info("Received a Smartcar test delivery; it was not applied")

    @callback
    def _on_verified(self, _request: VerifyRequest) -> None:
        ir.async_delete_issue(self.hass, DOMAIN, verify_refused_issue_id(self.entry))

    @callback
    def _on_bad_signature(self, body: bytes, signature: str) -> None:
        if not looks_like_smartcar(body, signature):
            return  # anyone can send noise: it says nothing about the token
        now = dt_util.utcnow()
        self._bad_signatures.append((now, body, signature))
        if (
            len(self._bad_signatures) == BAD_SIGNATURE_LIMIT
            and now - self._bad_signatures[0][0] <= BAD_SIGNATURE_SPAN
        ):
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                bad_signatures_issue_id(self.entry),
                is_fixable=True,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_BAD_SIGNATURES,
                translation_placeholders={"title": self.entry.title},
                data={"entry_id": self.entry.entry_id},
            )

    def token_verifies_failures(self, token: str) -> bool | None:
        """Whether `token` signs a recently refused delivery; None if none was."""
        since = dt_util.utcnow() - BAD_SIGNATURE_SPAN
        recent = [(b, s) for at, b, s in self._bad_signatures if at >= since]
        if not recent:
            return None
        return any(verify_signature(token, body, sig) for body, sig in recent)

    @callback
    def _on_verify_refused(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            verify_refused_issue_id(self.entry),
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_VERIFY_REFUSED,
            translation_placeholders={"title": self.entry.title},
            data={"entry_id": self.entry.entry_id},
        )


type SmartcarConfigEntry = ConfigEntry[SmartcarRuntime]
