"""Switch: start and stop charging (Connect entries with `control_charge`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .control import start_charging, stop_charging
from .control_entity import (
    SmartcarTwoCommandEntity,
    SmartcarTwoCommandEntityDescription,
    async_add_control_entities,
)
from .runtime import SmartcarConfigEntry
from .smartcar import CONTROL_CHARGE, Field

# Commands wait for Smartcar and the car: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SmartcarSwitchEntityDescription(
    SmartcarTwoCommandEntityDescription, SwitchEntityDescription
):
    """A switch whose field is the car's own on/off report."""


SWITCHES: tuple[SmartcarSwitchEntityDescription, ...] = (
    # Appears once the car reported whether it charges: an EV that can tell.
    SmartcarSwitchEntityDescription(
        key=Field.CHARGING.value,
        field=Field.CHARGING,
        permissions=frozenset({CONTROL_CHARGE}),
        on_fn=start_charging,
        off_fn=stop_charging,
    ),
)


class SmartcarSwitch(SmartcarTwoCommandEntity, SwitchEntity):
    """Charging on or off, as commanded until the car reports."""

    entity_description: SmartcarSwitchEntityDescription

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        self._attr_is_on = self.shown_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start charging."""
        await self.async_send_on()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop charging."""
        await self.async_send_off()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charging switch per Connect vehicle that reports charging."""
    async_add_control_entities(
        entry, Platform.SWITCH, SWITCHES, SmartcarSwitch, async_add_entities
    )
