"""Number: the charge limit (Connect entries with `control_charge`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .control import set_charge_limit
from .control_entity import (
    SmartcarControlEntity,
    SmartcarControlEntityDescription,
    async_add_control_entities,
)
from .runtime import SmartcarConfigEntry
from .smartcar import CHARGE_LIMIT_MAX, CHARGE_LIMIT_MIN, CONTROL_CHARGE, Field
from .smartcar.vehicle_api import CommandResult, VehicleApi

# Calls run at once, so that a run of slider steps settles into one command;
# each entity still sends its commands one at a time (its own lock).
PARALLEL_UPDATES = 0
# A value is sent once no newer one came for this long (arrow-key steps).
SETTLE_SECONDS = 1.5


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
    _settling: asyncio.Future[bool] | None = None
    _settle_timer: CALLBACK_TYPE | None = None
    _command_lock: asyncio.Lock | None = None

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        value = self.shown_value
        self._attr_native_value = value if isinstance(value, float) else None

    async def async_set_native_value(self, value: float) -> None:
        """Set the charge limit once the value settles: one command, not one a step.

        A call that a newer value replaces within `SETTLE_SECONDS` returns
        without a command; the last one sends it (and raises its refusal).
        """
        if not await self._async_settle():
            return
        set_fn = self.entity_description.set_fn
        if self._command_lock is None:
            self._command_lock = asyncio.Lock()
        async with self._command_lock:
            await self.async_send(
                lambda client, token, vehicle_id: set_fn(
                    client, token, vehicle_id, value
                ),
                float(value),
            )

    async def _async_settle(self) -> bool:
        """Wait until no newer value came; False when one did."""
        if self._settling is not None and not self._settling.done():
            self._settling.set_result(False)
        if self._settle_timer is not None:
            self._settle_timer()
            self._settle_timer = None
        if SETTLE_SECONDS <= 0:
            return True
        settled: asyncio.Future[bool] = self.hass.loop.create_future()
        self._settling = settled

        @callback
        def _settle(_now: object) -> None:
            self._settle_timer = None
            if not settled.done():
                settled.set_result(True)

        self._settle_timer = async_call_later(self.hass, SETTLE_SECONDS, _settle)
        return await settled

    @callback
    def async_entity_id_changed(self, old_entity_id: str) -> None:
        """A value still settling keeps its timer: a rename happens in place."""
        super().async_entity_id_changed(old_entity_id)

    async def async_will_remove_from_hass(self) -> None:
        """No command for a value set just before the entity goes."""
        if self._settle_timer is not None:
            self._settle_timer()
            self._settle_timer = None
        if self._settling is not None and not self._settling.done():
            self._settling.set_result(False)
        await super().async_will_remove_from_hass()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charge limit per Connect vehicle that reports one."""
    async_add_control_entities(
        entry, Platform.NUMBER, NUMBERS, SmartcarNumber, async_add_entities
    )
