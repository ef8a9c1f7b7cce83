"""The base of entities that act on the car: an honest state around a command.

After Smartcar accepted a command the entity shows what it asked for, marked
as assumed, until the car reports the field with a time after the command:
then it shows the car's value, whether that confirms the command or not. The
intent lives only in the entity (it is not a reading, so it never enters the
persisted vehicle state, and a restart shows the car's last word).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity

from .const import CONF_VEHICLES, DOMAIN
from .control import Command, SmartcarController
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .smartcar import CONTROL_CHARGE, CONTROL_SECURITY, Field, Value
from .vehicle import KEY_LAST_DELIVERY, VehicleState

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .runtime import SmartcarConfigEntry
    from .store import VehicleStore


@dataclass(frozen=True, kw_only=True)
class SmartcarControlEntityDescription(SmartcarEntityDescription):
    """An entity that acts on the car: it exists when any of `permissions` was granted.

    `field` is what the car reports back: it confirms or contradicts a command.
    """

    permissions: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class SmartcarTwoCommandEntityDescription(SmartcarControlEntityDescription):
    """A control with one command for on (lock, start) and one for off."""

    on_fn: Command
    off_fn: Command


def _permitted[DescriptionT: SmartcarControlEntityDescription](
    controller: SmartcarController, descriptions: Sequence[DescriptionT]
) -> list[DescriptionT]:
    """The descriptions a granted permission allows, for Connect vehicles only."""

    def exists(description: DescriptionT, vehicle: VehicleState) -> bool:
        return controller.controls(vehicle.vehicle_id) and description.exists(vehicle)

    return [
        replace(description, exists_fn=partial(exists, description))
        for description in descriptions
        if description.permissions & controller.permitted
    ]


# A reading a control shows too, and the permission of that control: a car Home
# Assistant controls shows the fact once, on the control (issue 21.4).
SHOWN_BY_CONTROL: dict[str, str] = {
    Field.CHARGE_LIMIT.value: CONTROL_CHARGE,  # the *Charge limit setting* number
    Field.LOCKED.value: CONTROL_SECURITY,  # the *Door lock* lock
}


@callback
def async_without_controlled[DescriptionT: SmartcarEntityDescription](
    entry: SmartcarConfigEntry, domain: str, descriptions: Sequence[DescriptionT]
) -> list[DescriptionT]:
    """A platform's readings, less those a control of the same car shows.

    A reading stays for a webhook-only entry, a vehicle this entry does not
    control, or a permission not granted; an entity of such a reading left
    from before is removed from the registry.
    """
    controller = entry.runtime_data.controller
    shown = {
        key
        for key, permission in SHOWN_BY_CONTROL.items()
        if permission in controller.permitted
    }
    if not shown:
        return list(descriptions)
    registry = er.async_get(entry.runtime_data.hass)
    for vehicle_id in entry.data.get(CONF_VEHICLES, {}):
        if not controller.controls(vehicle_id):
            continue
        for key in shown:
            entity_id = registry.async_get_entity_id(
                domain, DOMAIN, f"{vehicle_id}_{key}"
            )
            entity = None if entity_id is None else registry.async_get(entity_id)
            if entity is not None and entity.config_entry_id == entry.entry_id:
                registry.async_remove(entity.entity_id)

    def exists(description: DescriptionT, vehicle: VehicleState) -> bool:
        # `description` is the original: its own exists() is the platform's rule.
        return not controller.controls(vehicle.vehicle_id) and description.exists(
            vehicle
        )

    return [
        replace(description, exists_fn=partial(exists, description))
        if description.key in shown
        else description
        for description in descriptions
    ]


@callback
def async_add_control_entities[DescriptionT: SmartcarControlEntityDescription](
    entry: SmartcarConfigEntry,
    domain: str,
    descriptions: Sequence[DescriptionT],
    entity_class: Callable[
        [SmartcarController, VehicleStore, VehicleState, DescriptionT, set[str]],
        Entity,
    ],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a platform's controls the granted permissions allow; drop withdrawn ones."""
    controller = entry.runtime_data.controller
    # A permission withdrawn (after a reauth) takes its controls with it.
    controller.async_remove_entities(
        domain,
        {d.key for d in descriptions if not d.permissions & controller.permitted},
    )
    async_add_vehicle_entities(
        entry,
        _permitted(controller, descriptions),
        partial(entity_class, controller),
        async_add_entities,
    )


class SmartcarControlEntity(SmartcarEntity):
    """An entity of one vehicle that sends commands through the controller."""

    entity_description: SmartcarControlEntityDescription
    _intent: Value | None = None  # what the last accepted command asked for
    _intent_at: datetime | None = None  # when Smartcar accepted it

    def __init__(
        self,
        controller: SmartcarController,
        store: VehicleStore,
        vehicle: VehicleState,
        description: SmartcarControlEntityDescription,
        changed: set[str],
    ) -> None:
        """Bind the entity to the controller of its entry."""
        self._controller = controller
        super().__init__(store, vehicle, description, changed)

    async def async_added_to_hass(self) -> None:
        """Also hear of readings that leave the value as it was."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._store.async_listen(
                self._handle_reading, KEY_LAST_DELIVERY, self.vehicle.vehicle_id
            )
        )

    @callback
    def async_entity_id_changed(self, old_entity_id: str) -> None:
        """Both listeners are keyed on (vehicle, key): a rename happens in place."""
        super().async_entity_id_changed(old_entity_id)

    @callback
    def _handle_reading(self, vehicle: VehicleState, changed: set[str]) -> None:
        # An unchanged value reported after a command contradicts it: follow the car.
        if self._intent is not None and self.entity_description.key not in changed:
            if self._reported_since_command():
                self._handle_change(vehicle, changed)

    def _reported_since_command(self) -> bool:
        field = self.entity_description.field
        state = None if field is None else self.vehicle.fields.get(field)
        return (
            state is not None
            and state.recorded_at is not None
            and self._intent_at is not None
            and state.recorded_at >= self._intent_at
        )

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        if self._intent is not None and self._reported_since_command():
            self._intent = self._intent_at = None
        self._attr_assumed_state = self._intent is not None

    @property
    def shown_value(self) -> Value | None:
        """The command's intent until the car reports after it, else the car's value."""
        if self._intent is not None:
            return self._intent
        return self.entity_description.value(self.vehicle)

    async def async_send(self, command: Command, intent: Value) -> None:
        """Send a command; once accepted, show `intent` as assumed."""
        accepted_at = await self._controller.async_command(
            self.vehicle.vehicle_id, command, self.entity_id
        )
        self._intent, self._intent_at = intent, accepted_at
        self._async_update_attrs()
        self.async_write_ha_state()


class SmartcarTwoCommandEntity(SmartcarControlEntity):
    """A control whose field is the car's own on/off report (locked, charging)."""

    entity_description: SmartcarTwoCommandEntityDescription

    @property
    def shown_on(self) -> bool | None:
        """On (locked, charging) as commanded or reported; None while unknown."""
        value = self.shown_value
        return None if value is None else bool(value)

    async def async_send_on(self) -> None:
        """Send the on command; on is assumed until the car reports."""
        await self.async_send(self.entity_description.on_fn, True)

    async def async_send_off(self) -> None:
        """Send the off command; off is assumed until the car reports."""
        await self.async_send(self.entity_description.off_fn, False)
