"""Vehicle devices: one per vehicle, named as people name their car."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN
from .smartcar import VehicleInfo

# Makes that are acronyms keep their capitals; Smartcar sends every make in capitals.
ACRONYM_MAKES = frozenset({"BMW", "BYD", "DS", "GMC", "MG", "RAM"})


def make_name(make: str) -> str:
    """A make as people write it: "Volkswagen", "Mercedes-Benz", "BMW"."""
    return make if make.upper() in ACRONYM_MAKES else make.title()


def vehicle_name(info: VehicleInfo) -> str:
    """A readable device name: "Polestar 2", "Volkswagen ID.4", else a short id."""
    if info.model:
        if info.make and not info.model.lower().startswith(info.make.lower()):
            return f"{make_name(info.make)} {info.model}"
        return info.model
    return f"Smartcar vehicle {info.vehicle_id[:8]}"


@callback
def async_update_vehicle_device(
    hass: HomeAssistant,
    entry: ConfigEntry,
    info: VehicleInfo,
    sw_version: str | None = None,
) -> None:
    """Create the vehicle's device, or update it with make, model, year, firmware."""
    device_registry = dr.async_get(hass)
    known = device_registry.async_get_device_by_identifier(
        (DOMAIN, info.vehicle_id), entry.entry_id
    )
    if known is not None and info.make is None:
        if sw_version is not None and sw_version != known.sw_version:
            device_registry.async_update_device(known.id, sw_version=sw_version)
        return
    model = f"{info.model} ({info.year})" if info.model and info.year else info.model
    device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, info.vehicle_id)},
        name=vehicle_name(info),
        manufacturer=make_name(info.make) if info.make else None,
        model=model,
        sw_version=sw_version,
    )
