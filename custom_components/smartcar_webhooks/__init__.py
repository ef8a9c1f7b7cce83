"""Smartcar Webhooks: Smartcar's webhook deliveries as Home Assistant entities."""

from __future__ import annotations

from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    ImplementationUnavailableError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from . import webhook_owner
from .api_v3 import async_offer_move_to_v3, is_v3, move_to_v3_issue_id
from .cloudhook import async_delete_cloudhook
from .connect import (
    MISSING_CREDENTIALS_ERRORS,
    async_unsubscribe,
    has_connect,
    known_vehicle_ids,
)
from .const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    DEV_OVERRIDES,
    DEV_REFUSED,
    DOMAIN,
    LOGGER,
    PLATFORMS,
)
from .runtime import (
    SmartcarConfigEntry,
    SmartcarRuntime,
    bad_signatures_issue_id,
    storage_issue_id,
    verify_refused_issue_id,
)
from .services import async_setup_services
from .smartcar import token_unique_id
from .store import VehicleStore
from .usage import UsageCounter

__all__ = ["PLATFORMS", "SmartcarConfigEntry"]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, and every entry's webhook before any entry loads.

    The earliest Home Assistant lets an integration register a webhook: from
    here until an entry's store is loaded, its webhook answers 503 (Smartcar
    retries) instead of Home Assistant's 200 for an unknown webhook.
    """
    if DEV_OVERRIDES:
        LOGGER.warning(
            "Development URL overrides are active (%s): Smartcar requests, "
            "tokens and secrets go there instead of Smartcar",
            ", ".join(DEV_OVERRIDES),
        )
    if DEV_REFUSED:
        LOGGER.warning(
            "Ignored development URL overrides that are neither https nor "
            "loopback (%s); using Smartcar's URLs",
            ", ".join(DEV_REFUSED),
        )
    async_setup_services(hass)
    for entry in hass.config_entries.async_entries(DOMAIN):
        if CONF_WEBHOOK_ID in entry.data:
            webhook_owner.async_get(hass, entry.data[CONF_WEBHOOK_ID], entry.title)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """1.1 took the unique id from an unsigned VERIFY: use the token's instead."""
    if entry.version == 1 and entry.minor_version < 2:
        unique_id = token_unique_id(entry.data[CONF_MANAGEMENT_TOKEN])
        # Another entry of the same application keeps it; this one keeps its own.
        taken = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        hass.config_entries.async_update_entry(
            entry, unique_id=entry.unique_id if taken else unique_id, minor_version=2
        )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Check the sign-in, load the vehicles, set up the platforms, then receive deliveries.

    A Connect entry's credentials are checked first (the token is refreshed
    when it expired): refused, the user signs in again; unreachable, set-up is
    retried. A webhook-only entry has nothing to contact: Smartcar calls it.
    """
    runtime = SmartcarRuntime(hass, entry)
    if is_v3(entry):
        # The application token is requested by the first call; deliveries
        # never need it. Only credentials that are gone stop the set-up.
        try:
            await runtime.v3.async_client()
        except (LookupError, *MISSING_CREDENTIALS_ERRORS) as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="missing_credentials"
            ) from err
        except ImplementationUnavailableError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN, translation_key="cannot_connect"
            ) from err
    elif has_connect(entry):
        try:
            await runtime.connect.async_access_token()
        except OAuth2TokenRequestReauthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="reauth_required"
            ) from err
        except MISSING_CREDENTIALS_ERRORS as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="missing_credentials"
            ) from err
        except (OAuth2TokenRequestBaseError, ImplementationUnavailableError) as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN, translation_key="cannot_connect"
            ) from err
    await runtime.async_setup()
    await async_offer_move_to_v3(hass, entry)
    entry.runtime_data = runtime
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    runtime.async_start()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Unload the platforms; the webhook goes with the entry's unload callbacks."""
    await entry.runtime_data.async_stop()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Unsubscribe every known vehicle; delete the cloudhook, issue and stored state.

    Unsubscribing failures are logged and never block the removal.
    """
    ir.async_delete_issue(hass, DOMAIN, verify_refused_issue_id(entry))
    ir.async_delete_issue(hass, DOMAIN, bad_signatures_issue_id(entry))
    ir.async_delete_issue(hass, DOMAIN, storage_issue_id(entry))
    # The webhook stayed registered (answering 503) since the unload.
    webhook_owner.async_release(hass, entry.data[CONF_WEBHOOK_ID])
    ir.async_delete_issue(hass, DOMAIN, move_to_v3_issue_id(entry))
    await async_unsubscribe(hass, entry, known_vehicle_ids(hass, entry))
    if entry.data.get(CONF_CLOUDHOOK):
        await async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    await VehicleStore(hass, entry.entry_id).async_remove()
    await UsageCounter(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SmartcarConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove a vehicle; a newer delivery brings it back."""
    for domain, vehicle_id in device.identifiers:
        if domain == DOMAIN:
            entry.runtime_data.async_remove_vehicle(vehicle_id)
    return True
