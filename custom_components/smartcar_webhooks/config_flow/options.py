"""Options: the low-battery threshold of every entry; a Connect entry's vehicles.

A Connect entry first chooses between its vehicles (with the control
permissions and the fallback update) and the threshold, so that changing the
threshold never waits for Smartcar. Changing whether Home Assistant may control the car starts a new sign-in
(reauth) asking for the chosen permissions; the fallback update is an option
the controller reads when it looks for silent vehicles.

Subscribing uses the user's token, unsubscribing the management token; both
need Smartcar's webhook id. An entry that does not know it yet (no vehicle was
subscribed at set-up, and no signed delivery named it) asks for the id the
Smartcar Dashboard shows, and keeps it once Smartcar accepted a call with it.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.exceptions import (
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
)
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import probatio

from ..connect import (
    MISSING_CREDENTIALS_ERRORS,
    api_error_key,
    async_access_token,
    async_subscribe,
    async_unsubscribe,
    grants_control,
    has_connect,
    known_vehicle_ids,
    smartcar_client,
)
from ..const import (
    CONF_CONTROL,
    CONF_FALLBACK_HOURS,
    CONF_LOW_BATTERY,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
)
from ..device import low_battery
from ..smartcar import SmartcarAuthError, SmartcarError, is_webhook_id
from .vehicles import (
    CONF_SELECTED,
    WEBHOOK_ID_SCHEMA,
    Discovered,
    async_discover_vehicles,
    failure_key,
    report,
    vehicle_labels,
    vehicle_record,
    vehicles_schema,
)

# Up to a week; 0 turns the fallback update off.
MAX_FALLBACK_HOURS = 168
LOW_BATTERY_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_LOW_BATTERY): NumberSelector(
            NumberSelectorConfig(
                min=1,
                max=99,
                step=1,
                unit_of_measurement="%",
                mode=NumberSelectorMode.SLIDER,
            )
        )
    }
)


def settings_schema(control: bool, hours: int) -> dict[probatio.Marker, object]:
    """The control choice and the fallback hours, beside the vehicles."""
    return {
        probatio.Required(CONF_CONTROL, default=control): BooleanSelector(),
        probatio.Required(CONF_FALLBACK_HOURS, default=hours): NumberSelector(
            NumberSelectorConfig(
                min=0,
                max=MAX_FALLBACK_HOURS,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="h",
            )
        ),
    }


class SmartcarOptionsFlow(OptionsFlow):
    """The low-battery threshold; a Connect entry's vehicles and their settings."""

    def __init__(self) -> None:
        """Nothing fetched yet."""
        self._discovered: Discovered = {}
        self._access_token = ""
        self._selected: set[str] = set()
        self._current: set[str] = set()
        self._options: dict[str, Any] = {}

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A Connect entry chooses; a webhook-only one has only the threshold."""
        if has_connect(self.config_entry):
            return self.async_show_menu(
                step_id="init", menu_options=["vehicles", "low_battery"]
            )
        return await self.async_step_low_battery()

    async def async_step_low_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The battery level below which the car's battery counts as low."""
        entry = self.config_entry
        if user_input is not None:
            level = int(user_input[CONF_LOW_BATTERY])
            return self.async_create_entry(
                data={**entry.options, CONF_LOW_BATTERY: level}
            )
        return self.async_show_form(
            step_id="low_battery",
            data_schema=self.add_suggested_values_to_schema(
                LOW_BATTERY_SCHEMA, {CONF_LOW_BATTERY: round(low_battery(entry))}
            ),
        )

    async def async_step_vehicles(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List the user's vehicles with the subscribed ones selected."""
        entry = self.config_entry
        if not self._discovered:
            try:
                self._access_token = await async_access_token(self.hass, entry)
                self._discovered = await async_discover_vehicles(
                    smartcar_client(self.hass), self._access_token
                )
            except OAuth2TokenRequestReauthError, SmartcarAuthError:
                # A refused refresh, or a token Smartcar no longer accepts.
                entry.async_start_reauth(self.hass)
                return self.async_abort(reason="reauth_required")
            except MISSING_CREDENTIALS_ERRORS:
                return self.async_abort(reason="missing_credentials")
            except OAuth2TokenRequestBaseError, ImplementationUnavailableError:
                return self.async_abort(reason="cannot_connect")
            except SmartcarError as err:
                return self.async_abort(reason=api_error_key(err))
        labels = vehicle_labels(self._discovered)
        self._current = known_vehicle_ids(self.hass, entry) & set(labels)
        if user_input is None:
            return self.async_show_form(
                step_id="vehicles",
                data_schema=vehicles_schema(labels, sorted(self._current)).extend(
                    settings_schema(
                        grants_control(entry),
                        int(entry.options.get(CONF_FALLBACK_HOURS, 0)),
                    )
                ),
            )
        self._async_settings(user_input)
        self._selected = {v for v in user_input[CONF_SELECTED] if v in labels}
        if self._selected == self._current:
            return self.async_create_entry(data=self._options, description="unchanged")
        if (webhook_id := entry.data.get(CONF_SMARTCAR_WEBHOOK_ID)) is None:
            return await self.async_step_smartcar_webhook_id()
        return await self._async_apply(webhook_id, confirmed=True)

    async def async_step_smartcar_webhook_id(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the webhook id the Smartcar Dashboard shows."""
        errors: dict[str, str] = {}
        if user_input is not None:
            webhook_id = user_input[CONF_SMARTCAR_WEBHOOK_ID].strip()
            if is_webhook_id(webhook_id):
                return await self._async_apply(webhook_id, confirmed=False)
            errors[CONF_SMARTCAR_WEBHOOK_ID] = "invalid_webhook_id"
        return self.async_show_form(
            step_id="smartcar_webhook_id", data_schema=WEBHOOK_ID_SCHEMA, errors=errors
        )

    async def _async_apply(
        self, webhook_id: str, *, confirmed: bool
    ) -> ConfigFlowResult:
        """Subscribe and unsubscribe; an unconfirmed id changes nothing until accepted."""
        entry = self.config_entry
        subscribed = await async_subscribe(
            smartcar_client(self.hass),
            self._access_token,
            webhook_id,
            sorted(self._selected - self._current),
        )
        unsubscribed = await async_unsubscribe(
            self.hass, entry, self._current - self._selected, webhook_id=webhook_id
        )
        outcome = {**subscribed, **unsubscribed}
        if not confirmed and all(error is not None for error in outcome.values()):
            return self.async_show_form(
                step_id="smartcar_webhook_id",
                data_schema=WEBHOOK_ID_SCHEMA,
                errors={"base": failure_key(outcome)},
            )
        vehicles = dict(entry.data.get(CONF_VEHICLES, {}))
        for vehicle_id, error in subscribed.items():
            if error is None:
                vehicles[vehicle_id] = vehicle_record(self._discovered[vehicle_id][0])
        for vehicle_id in unsubscribed:
            # The user removed it: it goes, even if Smartcar did not answer.
            vehicles.pop(vehicle_id, None)
            self._async_remove_vehicle(entry, vehicle_id)
        self.hass.config_entries.async_update_entry(
            entry,
            data={
                **entry.data,
                CONF_SMARTCAR_WEBHOOK_ID: webhook_id,
                CONF_VEHICLES: vehicles,
            },
        )
        succeeded, placeholders = report(
            vehicle_labels(self._discovered), subscribed, unsubscribed
        )
        return self.async_create_entry(
            data=self._options,
            description="updated" if succeeded else "updated_partly",
            description_placeholders=placeholders,
        )

    def _async_settings(self, user_input: dict[str, Any]) -> None:
        """Keep the fallback hours (none when off); a new control choice signs in again."""
        entry = self.config_entry
        self._options = {
            key: value
            for key, value in entry.options.items()
            if key != CONF_FALLBACK_HOURS
        }
        if hours := int(user_input.get(CONF_FALLBACK_HOURS, 0)):
            self._options[CONF_FALLBACK_HOURS] = hours
        control = bool(user_input.get(CONF_CONTROL, grants_control(entry)))
        if control != grants_control(entry):
            entry.async_start_reauth(self.hass, data={CONF_CONTROL: control})

    def _async_remove_vehicle(self, entry: ConfigEntry, vehicle_id: str) -> None:
        """Remove a vehicle's device, and the vehicle from a loaded entry."""
        device_registry = dr.async_get(self.hass)
        if device := device_registry.async_get_device_by_identifier(
            (DOMAIN, vehicle_id), entry.entry_id
        ):
            device_registry.async_remove_device(device.id)
        if entry.state is ConfigEntryState.LOADED:
            entry.runtime_data.async_remove_vehicle(vehicle_id)
