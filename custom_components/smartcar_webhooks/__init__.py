"""Smartcar Webhooks: Smartcar's webhook deliveries as Home Assistant entities."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp.hdrs import METH_POST
from homeassistant.components.webhook import (
    async_register as webhook_register,
    async_unregister as webhook_unregister,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session

from .cloudhook import async_delete_cloudhook
from .connect import (
    async_setup_token_upkeep,
    async_unsubscribe,
    has_connect,
    known_vehicle_ids,
)
from .const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    ISSUE_VERIFY_REFUSED,
)
from .device import async_update_vehicle_device
from .smartcar import (
    ChargingEvent,
    DataDelivery,
    ErrorDelivery,
    ErrorState,
    VehicleInfo,
    VerifyRequest,
)
from .store import VehicleState, VehicleStore
from .webhook import VerificationWindow, async_create_handler

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.DEVICE_TRACKER,
    Platform.EVENT,
    Platform.SENSOR,
]


@dataclass(slots=True)
class SmartcarData:
    """What a loaded entry holds."""

    store: VehicleStore
    window: VerificationWindow
    # Created on first use (Connect entries only), then shared.
    oauth_session: OAuth2Session | None = None


type SmartcarConfigEntry = ConfigEntry[SmartcarData]


def verify_refused_issue_id(entry: ConfigEntry) -> str:
    """The repair issue raised when a VERIFY came outside a window."""
    return f"{ISSUE_VERIFY_REFUSED}_{entry.entry_id}"


async def async_setup_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Set up known vehicles, the platforms, then the webhook."""
    device_registry = dr.async_get(hass)
    store = VehicleStore()
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        for domain, vehicle_id in device.identifiers:
            if domain == DOMAIN:
                store.vehicle(VehicleInfo(vehicle_id))

    @callback
    def on_verified(_request: VerifyRequest) -> None:
        ir.async_delete_issue(hass, DOMAIN, verify_refused_issue_id(entry))

    window = VerificationWindow(on_verified)
    entry.runtime_data = SmartcarData(store, window)

    @callback
    def update_device(vehicle: VehicleState) -> None:
        async_update_vehicle_device(hass, entry, vehicle.info)

    # Registered before the platforms, so a device exists before its entities.
    entry.async_on_unload(store.async_add_device_listener(update_device))
    for vehicle_id, record in entry.data.get(CONF_VEHICLES, {}).items():
        # Subscribed through Connect: the device exists before the first delivery.
        info = VehicleInfo(
            vehicle_id, record.get("make"), record.get("model"), record.get("year")
        )
        store.vehicle(info)
        async_update_vehicle_device(hass, entry, info)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    @callback
    def receive(delivery: DataDelivery | ErrorDelivery | ChargingEvent) -> bool:
        if (
            delivery.webhook_id is not None
            and CONF_SMARTCAR_WEBHOOK_ID not in entry.data
        ):
            # Webhook-only mode learns Smartcar's webhook id from deliveries.
            hass.config_entries.async_update_entry(
                entry,
                data={**entry.data, CONF_SMARTCAR_WEBHOOK_ID: delivery.webhook_id},
            )
        applied = store.async_apply(delivery)
        if (
            applied
            and isinstance(delivery, ErrorDelivery)
            and has_connect(entry)
            and any(
                error.resolution == "REAUTHENTICATE" and error.state is ErrorState.ERROR
                for error in delivery.errors
            )
        ):
            entry.async_start_reauth(hass)
        return applied

    @callback
    def on_verify_refused() -> None:
        ir.async_create_issue(
            hass,
            DOMAIN,
            verify_refused_issue_id(entry),
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_VERIFY_REFUSED,
            translation_placeholders={"title": entry.title},
            data={"entry_id": entry.entry_id},
        )

    webhook_id = entry.data[CONF_WEBHOOK_ID]
    webhook_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        async_create_handler(
            entry.data[CONF_MANAGEMENT_TOKEN], window, receive, on_verify_refused
        ),
        allowed_methods=[METH_POST],
    )
    entry.async_on_unload(lambda: webhook_unregister(hass, webhook_id))
    async_setup_token_upkeep(hass, entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Unload the platforms; the webhook goes with the entry's unload callbacks."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Unsubscribe every known vehicle, delete the cloudhook and the repair issue.

    Unsubscribing failures are logged and never block the removal.
    """
    ir.async_delete_issue(hass, DOMAIN, verify_refused_issue_id(entry))
    await async_unsubscribe(hass, entry, known_vehicle_ids(hass, entry))
    if entry.data.get(CONF_CLOUDHOOK):
        await async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SmartcarConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove a vehicle; it comes back with its next delivery."""
    for domain, vehicle_id in device.identifiers:
        if domain == DOMAIN:
            entry.runtime_data.store.async_remove_vehicle(vehicle_id)
    return True
