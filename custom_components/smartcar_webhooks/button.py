"""Button: read a vehicle afresh through Smartcar's API (Connect entries)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .control import SmartcarController
from .control_entity import SmartcarControlEntityDescription, async_add_control_entities
from .entity import SmartcarEntity
from .runtime import SmartcarConfigEntry
from .smartcar import READ_PERMISSIONS
from .store import VehicleStore
from .vehicle import VehicleState

# Each press is a billed API request: one at a time.
PARALLEL_UPDATES = 1
KEY_REQUEST_UPDATE = "request_update"


@dataclass(frozen=True, kw_only=True)
class SmartcarButtonEntityDescription(
    SmartcarControlEntityDescription, ButtonEntityDescription
):
    """A button that asks the controller for something about one vehicle."""

    press_fn: Callable[[SmartcarController, str], Awaitable[None]]


BUTTONS: tuple[SmartcarButtonEntityDescription, ...] = (
    SmartcarButtonEntityDescription(
        key=KEY_REQUEST_UPDATE,
        permissions=frozenset(READ_PERMISSIONS.values()),
        exists_fn=lambda _vehicle: True,
        press_fn=SmartcarController.async_request_update,
    ),
)


class SmartcarButton(SmartcarEntity, ButtonEntity):
    """A button of one vehicle."""

    entity_description: SmartcarButtonEntityDescription

    def __init__(
        self,
        controller: SmartcarController,
        store: VehicleStore,
        vehicle: VehicleState,
        description: SmartcarButtonEntityDescription,
        changed: set[str],
    ) -> None:
        """Bind the button to the controller of its entry."""
        self._controller = controller
        super().__init__(store, vehicle, description, changed)

    async def async_press(self) -> None:
        """Ask Smartcar; a refusal raises a translated error."""
        await self.entity_description.press_fn(
            self._controller, self.vehicle.vehicle_id
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a "Request update" button per Connect vehicle."""
    async_add_control_entities(
        entry, Platform.BUTTON, BUTTONS, SmartcarButton, async_add_entities
    )
