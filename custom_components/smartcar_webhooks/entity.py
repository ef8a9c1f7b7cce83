"""The entity base every platform shares, and how platforms add entities.

Entities only read the vehicle state; each listens to its own key and writes
its state only when the store says that key changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import async_get_current_platform

from .const import DOMAIN
from .smartcar import SIGNALS, Field, Presentation, Signal, Value
from .vehicle import KEY_NEW, VehicleState

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .runtime import SmartcarConfigEntry
    from .store import VehicleStore


@dataclass(frozen=True, kw_only=True)
class SmartcarEntityDescription(EntityDescription):
    """What every Smartcar entity description has.

    `field` is the Smartcar field behind the entity, if any. Without an
    `exists_fn`, a field entity exists once the car reported a good value for
    it, and any other entity exists for every vehicle.
    """

    field: Field | None = None
    # Other keys whose change changes this entity (an attribute's field).
    extra_keys: tuple[str, ...] = ()
    exists_fn: Callable[[VehicleState], bool] | None = None
    attr_fn: Callable[[VehicleState], dict[str, Any]] | None = None

    def exists(self, vehicle: VehicleState) -> bool:
        """Whether the vehicle has reason to have this entity."""
        if self.exists_fn is not None:
            return self.exists_fn(vehicle)
        return self.field is None or vehicle.has(self.field)

    def available(self, vehicle: VehicleState) -> bool:
        """Whether the entity has a state to show now."""
        if self.field is None:
            return True
        state = vehicle.fields.get(self.field)
        return state is not None and state.available

    def value(self, vehicle: VehicleState) -> Value | None:
        """The field's value while it is available."""
        return None if self.field is None else vehicle.value(self.field)


def presented(platform: str) -> list[tuple[Signal, Presentation]]:
    """The registry's rows shown on a platform, in the registry's order."""
    return [
        (row, row.presentation)
        for row in SIGNALS
        if row.presentation is not None and row.presentation.platform == platform
    ]


class SmartcarEntity(Entity):
    """An entity of one vehicle, described by data, updated by its store key."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: SmartcarEntityDescription

    def __init__(
        self,
        store: VehicleStore,
        vehicle: VehicleState,
        description: SmartcarEntityDescription,
        changed: set[str],
    ) -> None:
        """Bind the entity to a vehicle and a description.

        `changed` holds the keys of the delivery that made the entity (empty
        at start-up): an event entity fires for it.
        """
        self._store = store
        self.vehicle = vehicle
        self.entity_description = description
        self._attr_unique_id = f"{vehicle.vehicle_id}_{description.key}"
        if description.translation_key is None:
            self._attr_translation_key = description.key
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, vehicle.vehicle_id)})
        self._made_by_change = description.key in changed
        self._async_update_attrs()

    async def async_added_to_hass(self) -> None:
        """Follow the store's changes of this entity's key."""
        await super().async_added_to_hass()
        description = self.entity_description
        for key in (description.key, *description.extra_keys):
            self.async_on_remove(
                self._store.async_listen(
                    self._handle_change, key, self.vehicle.vehicle_id
                )
            )
        if self._made_by_change:
            self._async_made_by_change()

    @callback
    def async_entity_id_changed(self, old_entity_id: str) -> None:
        """Nothing here is keyed on the entity id: a rename happens in place.

        Home Assistant 2026.11 calls this instead of removing and re-adding
        the entity (its fallback for integrations without it goes in 2027.11).
        """
        if (parent := getattr(super(), "async_entity_id_changed", None)) is not None:
            parent(old_entity_id)

    @callback
    def _async_made_by_change(self) -> None:
        """The entity was made by the delivery that changed its key."""

    @callback
    def _handle_change(self, vehicle: VehicleState, changed: set[str]) -> None:
        self._async_update_attrs()
        self.async_write_ha_state()

    @callback
    def _async_update_attrs(self) -> None:
        """Take the entity's attributes from the vehicle state."""
        description = self.entity_description
        self._attr_available = description.available(self.vehicle)
        if description.attr_fn is not None:
            self._attr_extra_state_attributes = description.attr_fn(self.vehicle)


@callback
def async_add_vehicle_entities[DescriptionT: SmartcarEntityDescription](
    entry: SmartcarConfigEntry,
    descriptions: Sequence[DescriptionT],
    entity_class: Callable[
        [VehicleStore, VehicleState, DescriptionT, set[str]], Entity
    ],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a platform's entities for known vehicles, and as vehicles report more."""
    store = entry.runtime_data.store
    hass = entry.runtime_data.hass
    platform = async_get_current_platform().domain
    # vehicle id -> (the vehicle's state object, keys with an entity); a removed
    # vehicle that comes back is a new object and gets new entities.
    created: dict[str, tuple[VehicleState, set[str]]] = {}

    def elsewhere(vehicle_id: str, key: str) -> str | None:
        # The same car in another entry (another Smartcar application): its
        # entity is that entry's; Home Assistant would refuse a second one.
        registry = er.async_get(hass)
        entity_id = registry.async_get_entity_id(
            platform, DOMAIN, f"{vehicle_id}_{key}"
        )
        if entity_id is None or (known := registry.async_get(entity_id)) is None:
            return None
        other = known.config_entry_id
        return None if other in (None, entry.entry_id) else other

    @callback
    def add(vehicle: VehicleState, changed: set[str]) -> None:
        known = created.get(vehicle.vehicle_id)
        if known is None or known[0] is not vehicle:
            known = created[vehicle.vehicle_id] = (vehicle, set())
        new = [
            description
            for description in descriptions
            if description.key not in known[1] and description.exists(vehicle)
        ]
        others = {d.key: elsewhere(vehicle.vehicle_id, d.key) for d in new}
        if other := next((o for o in others.values() if o is not None), None):
            entry.runtime_data.async_report_duplicate(vehicle, other)
            new = [d for d in new if others[d.key] is None]
        if new:
            known[1].update(description.key for description in new)
            async_add_entities(
                [
                    entity_class(store, vehicle, description, changed)
                    for description in new
                ]
            )

    for vehicle in store.vehicles.values():
        add(vehicle, set())
    entry.async_on_unload(store.async_listen(add, KEY_NEW))
