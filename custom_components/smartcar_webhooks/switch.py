"""Switch: start and stop charging (Connect entries with `control_charge`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SmartcarConfigEntry
from .control import Command, SmartcarControlEntityDescription
from .control_entity import SmartcarControlEntity, async_add_control_entities
from .smartcar import CONTROL_CHARGE, Field, SmartcarClient

# Commands wait for Smartcar and the car: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SmartcarSwitchEntityDescription(
    SmartcarControlEntityDescription, SwitchEntityDescription
):
    """A switch whose field is the car's own on/off report."""

    on_fn: Command
    off_fn: Command


SWITCHES: tuple[SmartcarSwitchEntityDescription, ...] = (
    # Appears once the car reported whether it charges: an EV that can tell.
    SmartcarSwitchEntityDescription(
        key=Field.CHARGING.value,
        field=Field.CHARGING,
        permissions=frozenset({CONTROL_CHARGE}),
        on_fn=SmartcarClient.start_charging,
        off_fn=SmartcarClient.stop_charging,
    ),
)


class SmartcarSwitch(SmartcarControlEntity, SwitchEntity):
    """Charging on or off, as commanded until the car reports."""

    entity_description: SmartcarSwitchEntityDescription

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        value = self.shown_value
        self._attr_is_on = None if value is None else bool(value)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start charging."""
        await self.async_send(self.entity_description.on_fn, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop charging."""
        await self.async_send(self.entity_description.off_fn, False)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charging switch per Connect vehicle that reports charging."""
    async_add_control_entities(
        entry, Platform.SWITCH, SWITCHES, SmartcarSwitch, async_add_entities
    )
