"""Number: the charge limit (Connect entries with `control_charge`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .control import set_charge_limit
from .control_entity import (
    SmartcarControlEntity,
    SmartcarControlEntityDescription,
    async_add_control_entities,
)
from .runtime import SmartcarConfigEntry
from .smartcar import CHARGE_LIMIT_MAX, CHARGE_LIMIT_MIN, CONTROL_CHARGE, Field
from .smartcar.vehicle_api import CommandResult, VehicleApi

# Commands wait for Smartcar and the car: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SmartcarNumberEntityDescription(
    SmartcarControlEntityDescription, NumberEntityDescription
):
    """A number whose field is the car's own report of it."""

    set_fn: Callable[[VehicleApi, str, str, float], Awaitable[CommandResult | None]]


NUMBERS: tuple[SmartcarNumberEntityDescription, ...] = (
    # Appears once the car reported its limit: a car that has one.
    SmartcarNumberEntityDescription(
        key=Field.CHARGE_LIMIT.value,
        field=Field.CHARGE_LIMIT,
        permissions=frozenset({CONTROL_CHARGE}),
        native_min_value=CHARGE_LIMIT_MIN,
        native_max_value=CHARGE_LIMIT_MAX,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        mode=NumberMode.SLIDER,
        set_fn=set_charge_limit,
    ),
)


class SmartcarNumber(SmartcarControlEntity, NumberEntity):
    """The charge limit, as commanded until the car reports."""

    entity_description: SmartcarNumberEntityDescription

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        value = self.shown_value
        self._attr_native_value = value if isinstance(value, float) else None

    async def async_set_native_value(self, value: float) -> None:
        """Set the charge limit."""
        set_fn = self.entity_description.set_fn
        await self.async_send(
            lambda client, token, vehicle_id: set_fn(client, token, vehicle_id, value),
            float(value),
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charge limit per Connect vehicle that reports one."""
    async_add_control_entities(
        entry, Platform.NUMBER, NUMBERS, SmartcarNumber, async_add_entities
    )
