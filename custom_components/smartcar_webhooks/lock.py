"""Lock: lock and unlock the doors (Connect entries with `control_security`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .control import lock, unlock
from .control_entity import (
    SmartcarTwoCommandEntity,
    SmartcarTwoCommandEntityDescription,
    async_add_control_entities,
)
from .runtime import SmartcarConfigEntry
from .smartcar import CONTROL_SECURITY, Field

# Commands wait for Smartcar and the car: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SmartcarLockEntityDescription(
    SmartcarTwoCommandEntityDescription, LockEntityDescription
):
    """A lock whose field is the car's own locked report; on is locked."""


LOCKS: tuple[SmartcarLockEntityDescription, ...] = (
    # Appears once the car reported whether it is locked.
    SmartcarLockEntityDescription(
        key=Field.LOCKED.value,
        field=Field.LOCKED,
        permissions=frozenset({CONTROL_SECURITY}),
        on_fn=lock,
        off_fn=unlock,
    ),
)


class SmartcarLock(SmartcarTwoCommandEntity, LockEntity):
    """The doors, locked or not, as commanded until the car reports."""

    entity_description: SmartcarLockEntityDescription

    @callback
    def _async_update_attrs(self) -> None:
        super()._async_update_attrs()
        self._attr_is_locked = self.shown_on

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock the doors."""
        await self.async_send_on()

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock the doors."""
        await self.async_send_off()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a door lock per Connect vehicle that reports its locks."""
    async_add_control_entities(
        entry, Platform.LOCK, LOCKS, SmartcarLock, async_add_entities
    )
