"""The entity base shared by every platform, and how platforms add entities."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.restore_state import ExtraStoredData, RestoreEntity
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .smartcar import ChargingState, Field, FieldError, Location, Reading, Value
from .store import KEY_LAST_DELIVERY, KEY_LAST_UPDATE, VehicleState, VehicleStore

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from . import SmartcarConfigEntry

BOOLEAN_FIELDS = frozenset({Field.PLUGGED_IN, Field.CHARGING, Field.LOCKED})
RESTORED_DELIVERY = ""


@dataclass(frozen=True, kw_only=True)
class SmartcarEntityDescription(EntityDescription):
    """What every Smartcar entity description has.

    `field` is the Smartcar field behind the entity (None for derived ones);
    `always` entities exist for every vehicle, others with their first reading.
    """

    field: Field | None = None
    always: bool = False


def dump_value(value: Value) -> Any:
    """A JSON-friendly form of a reading's value, for restore data."""
    if isinstance(value, Location):
        return {
            "latitude": value.latitude,
            "longitude": value.longitude,
            "heading": value.heading,
        }
    return value


def _finite_number(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw)


def load_value(field: Field, raw: Any) -> Value | None:
    """The value restored for a field, or None when the stored form is unusable."""
    if field is Field.LOCATION:
        if not isinstance(raw, dict):
            return None
        latitude = _finite_number(raw.get("latitude"))
        longitude = _finite_number(raw.get("longitude"))
        if latitude is None or longitude is None:
            return None
        return Location(latitude, longitude, _finite_number(raw.get("heading")))
    if field is Field.CHARGING_STATE:
        try:
            return ChargingState(raw)
        except ValueError:
            return None
    if field in BOOLEAN_FIELDS:
        return raw if isinstance(raw, bool) else None
    return _finite_number(raw)


@dataclass(slots=True)
class StoredReading(ExtraStoredData):
    """The last reading of a field entity, with the time the car recorded it."""

    value: Any
    recorded_at: str | None
    error: bool

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "value": self.value,
            "recorded_at": self.recorded_at,
            "error": self.error,
        }


def parse_time(value: Any) -> datetime | None:
    """A restored, timezone-aware time; None for anything else."""
    try:
        parsed = dt_util.parse_datetime(str(value))
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def device_info(vehicle_id: str) -> DeviceInfo:
    """Link an entity to its vehicle's device (created by the integration)."""
    return DeviceInfo(identifiers={(DOMAIN, vehicle_id)})


class SmartcarVehicleEntity(Entity):
    """Any entity of one vehicle: its unique id, name, device, and the store."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: SmartcarEntityDescription

    def __init__(
        self,
        store: VehicleStore,
        vehicle: VehicleState,
        description: SmartcarEntityDescription,
    ) -> None:
        """Bind the entity to a vehicle and a description."""
        self._store = store
        self._vehicle = vehicle
        self.entity_description = description
        self._attr_unique_id = f"{vehicle.vehicle_id}_{description.key}"
        self._attr_translation_key = description.key
        self._attr_device_info = device_info(vehicle.vehicle_id)

    @callback
    def _async_follow_store(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever the store changes this entity's key."""
        self.async_on_remove(
            self._store.async_add_listener(
                self._vehicle.vehicle_id, self.entity_description.key, listener
            )
        )


class SmartcarEntity(SmartcarVehicleEntity, RestoreEntity):
    """An entity of one vehicle, updated by the vehicle store, restored on start."""

    async def async_added_to_hass(self) -> None:
        """Restore the last state, then follow the store."""
        await super().async_added_to_hass()
        last_state = await self.async_get_last_state()
        last_extra = await self.async_get_last_extra_data()
        if last_state is not None:
            self._restore(last_state, last_extra.as_dict() if last_extra else {})
        self._update_from_store()
        self._async_follow_store(self._handle_change)

    @callback
    def _handle_change(self) -> None:
        self._update_from_store()
        self.async_write_ha_state()

    def _restore(self, last_state: State, extra: dict[str, Any]) -> None:
        """Take the state saved at the last shutdown."""

    @callback
    def _update_from_store(self) -> None:
        """Take the vehicle's current value, if the store has one."""


class SmartcarFieldEntity(SmartcarEntity):
    """An entity showing one Smartcar field."""

    @property
    def _field(self) -> Field:
        field = self.entity_description.field
        assert field is not None  # field entities are made from field descriptions
        return field

    @property
    def available(self) -> bool:
        """Unavailable until a good reading, and while the latest one is an error."""
        reading = self._vehicle.readings.get(self._field)
        return reading is not None and reading.error is None

    @property
    def extra_restore_state_data(self) -> StoredReading | None:
        """Keep the value with the time the car recorded it."""
        if (reading := self._vehicle.readings.get(self._field)) is None:
            return None
        return StoredReading(
            value=None if reading.value is None else dump_value(reading.value),
            recorded_at=reading.recorded_at.isoformat(),
            error=reading.error is not None,
        )

    def _restore(self, last_state: State, extra: dict[str, Any]) -> None:
        recorded_at = parse_time(extra.get("recorded_at"))
        if recorded_at is None:
            return
        error = FieldError("RESTORED") if extra.get("error") is True else None
        value = None if error else load_value(self._field, extra.get("value"))
        if value is None and error is None:
            return
        # Seed the store so that newest-wins ordering survives a restart.
        self._vehicle.merge(
            [
                Reading(
                    self._vehicle.vehicle_id,
                    self._field,
                    value,
                    None,
                    recorded_at,
                    RESTORED_DELIVERY,
                    error,
                )
            ]
        )

    @callback
    def _update_from_store(self) -> None:
        reading = self._vehicle.readings.get(self._field)
        if reading is not None and reading.error is None:
            self._apply_value(reading.value)

    def _apply_value(self, value: Value | None) -> None:
        """Set the platform's attributes from a good value."""
        raise NotImplementedError


class SmartcarTimestampEntity(SmartcarEntity):
    """An entity showing a time the store derives (last update, last delivery)."""

    _time: datetime | None = None

    def _store_time(self) -> datetime | None:
        if self.entity_description.key == KEY_LAST_UPDATE:
            return self._vehicle.last_update
        assert self.entity_description.key == KEY_LAST_DELIVERY
        return self._vehicle.last_delivery

    def _restore(self, last_state: State, extra: dict[str, Any]) -> None:
        self._time = parse_time(last_state.state)

    @callback
    def _update_from_store(self) -> None:
        if (time := self._store_time()) is not None and (
            self._time is None or time > self._time
        ):
            self._time = time


def wanted(vehicle: VehicleState, description: SmartcarEntityDescription) -> bool:
    """Whether a vehicle has reason to have this entity now."""
    return description.always or (
        description.field is not None and vehicle.has_value(description.field)
    )


@callback
def async_setup_vehicle_entities[DescriptionT: SmartcarEntityDescription](
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    platform_domain: str,
    descriptions: Sequence[DescriptionT],
    factory: Callable[[VehicleStore, VehicleState, DescriptionT], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
    is_wanted: Callable[[VehicleState, DescriptionT], bool] = wanted,
) -> None:
    """Add a platform's entities for known vehicles, and for new ones as they come.

    An entity exists when it is registered from an earlier run (so it restores
    before any delivery), when its description is always wanted, or once its
    vehicle has a reading for it.
    """
    store = entry.runtime_data.store
    registered = {
        registry_entry.unique_id
        for registry_entry in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if registry_entry.domain == platform_domain
    }
    created = store.entity_unique_ids

    @callback
    def add(vehicle: VehicleState) -> None:
        new: list[Entity] = []
        for description in descriptions:
            unique_id = f"{vehicle.vehicle_id}_{description.key}"
            if unique_id in created:
                continue
            if unique_id in registered or is_wanted(vehicle, description):
                created.add(unique_id)
                new.append(factory(store, vehicle, description))
        if new:
            async_add_entities(new)

    for vehicle in store.vehicles.values():
        add(vehicle)
    entry.async_on_unload(store.async_add_new_keys_listener(add))
