"""Version 0.1 kept vehicle state in each entity's restore data: take it once.

The first start of this version finds no stored vehicle state; it builds one
from what the entities of the entry saved at the last shutdown, so that an
upgrade loses no value, time or error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.restore_state import StoredState, async_get
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .smartcar import (
    SIGNAL_OF,
    ChargingState,
    ErrorState,
    Field,
    FieldError,
    Kind,
    Location,
    Value,
    VehicleError,
    VehicleInfo,
)
from .storage import encode_vehicle
from .vehicle import (
    KEY_LAST_DELIVERY,
    KEY_LAST_UPDATE,
    KEY_PROBLEM,
    FieldState,
    VehicleState,
)

FIELD_KEYS = {key.value: key for key in Field}
OTHER_KEYS = (KEY_PROBLEM, KEY_LAST_DELIVERY, KEY_LAST_UPDATE)


def _time(raw: Any) -> datetime | None:
    try:
        parsed = dt_util.parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:  # well-formed but impossible, such as month 13
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _number(raw: Any) -> float | None:
    return (
        float(raw)
        if isinstance(raw, int | float) and not isinstance(raw, bool)
        else None
    )


def _old_value(key: Field, raw: Any) -> Value | None:
    """A value as 0.1 dumped it (location as a dict)."""
    if key is Field.LOCATION:
        if not isinstance(raw, dict):
            return None
        latitude, longitude = (
            _number(raw.get("latitude")),
            _number(raw.get("longitude")),
        )
        if latitude is None or longitude is None:
            return None
        return Location(latitude, longitude, _number(raw.get("heading")))
    if key is Field.CHARGING_STATE:
        return ChargingState(raw) if raw in ChargingState.__members__.values() else None
    kind = SIGNAL_OF[key].kind
    if kind is Kind.BOOLEAN:
        return raw if isinstance(raw, bool) else None
    # 0.1 had no entity of any other kind.
    return _number(raw) if kind is Kind.NUMBER else None


def _take(vehicle: VehicleState, key: str, stored: StoredState) -> None:
    if key in FIELD_KEYS:
        extra = stored.extra_data.as_dict() if stored.extra_data else {}
        if (recorded_at := _time(extra.get("recorded_at"))) is None:
            return
        if extra.get("error") is True:
            vehicle.fields[FIELD_KEYS[key]] = FieldState(
                error=FieldError("RESTORED"), error_at=recorded_at
            )
        elif (value := _old_value(FIELD_KEYS[key], extra.get("value"))) is not None:
            vehicle.fields[FIELD_KEYS[key]] = FieldState(
                value, recorded_at, recorded_at
            )
            if vehicle.last_update is None or recorded_at > vehicle.last_update:
                vehicle.last_update = recorded_at
    elif key == KEY_LAST_DELIVERY:
        vehicle.last_delivery = _time(stored.state.state)
    elif key == KEY_LAST_UPDATE:
        if (shown := _time(stored.state.state)) is not None and (
            vehicle.last_update is None or shown > vehicle.last_update
        ):
            vehicle.last_update = shown
    elif isinstance(errors := stored.state.attributes.get("errors"), list):
        for error in errors:
            if isinstance(error, dict) and isinstance(error.get("type"), str):
                code = error.get("code") if isinstance(error.get("code"), str) else None
                resolution = error.get("resolution")
                vehicle.errors[(error["type"], code)] = (
                    VehicleError(
                        error["type"],
                        code,
                        None,
                        resolution if isinstance(resolution, str) else None,
                        ErrorState.ERROR,
                    ),
                    None,
                )


@callback
def async_restored_state(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    """The stored-state form of what 0.1's entities of the entry restored."""
    vehicles: dict[str, VehicleState] = {}
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id):
        for domain, vehicle_id in device.identifiers:
            if domain == DOMAIN:
                vehicles[vehicle_id] = VehicleState(vehicle_id, VehicleInfo(vehicle_id))
    restored = async_get(hass)
    # 2026.11 looks stored states up by entity registry id; 2026.10 by entity id.
    stored_state = getattr(restored, "async_get_stored_state", None) or (
        restored.last_states.get
    )
    registry = er.async_get(hass)
    fields: list[tuple[str, str, Field]] = []
    for registry_entry in er.async_entries_for_config_entry(registry, entry_id):
        for key in (*FIELD_KEYS, *OTHER_KEYS):
            vehicle_id = registry_entry.unique_id.removesuffix(f"_{key}")
            if vehicle_id == registry_entry.unique_id or vehicle_id not in vehicles:
                continue
            if (stored := stored_state(registry_entry.entity_id)) is not None:
                _take(vehicles[vehicle_id], key, stored)
            if key in FIELD_KEYS:
                fields.append((registry_entry.entity_id, vehicle_id, FIELD_KEYS[key]))
            break
    # 0.1 made some entities for every car; a field the car never reported a
    # good value for has none now, so its entity goes.
    for entity_id, vehicle_id, key in fields:
        if not vehicles[vehicle_id].has(key):
            registry.async_remove(entity_id)
    return {
        "vehicles": {
            vehicle_id: encode_vehicle(vehicle)
            for vehicle_id, vehicle in vehicles.items()
        }
    }
