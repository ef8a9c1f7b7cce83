"""What the integration asks of Smartcar's API, whichever version answers.

Both the v2.0 `SmartcarClient` (per-user tokens) and the v3
`SmartcarV3Client` (one application token, the user named by `sc-user-id`)
satisfy `VehicleApi`, so the glue can hold either and v2.0 can be deleted in
one change. The first argument of every call names who acts:

- v2.0: the token the call needs (the user's access token; the Application
  Management Token for `unsubscribe`);
- v3: the Smartcar user id of the vehicle's connection.

A command answers `None` (v2.0: done when it returns) or a `CommandResult`
(v3: done, or accepted and still running).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from .models import DataDelivery

if TYPE_CHECKING:
    from .client import SmartcarClient
    from .v3 import SmartcarV3Client


class CommandStatus(StrEnum):
    """Where a command stands when Smartcar answers."""

    DONE = "done"  # 200: the car did it
    PENDING = "pending"  # 202: accepted, still running; a delivery or read confirms


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Smartcar's answer to a command; `outcome` is its status value, cleaned."""

    status: CommandStatus
    outcome: str | None = None

    @property
    def done(self) -> bool:
        """Whether the car has done it already."""
        return self.status is CommandStatus.DONE


class VehicleApi(Protocol):
    """Reads, commands and webhook subscriptions of one vehicle."""

    async def subscribe(self, who: str, vehicle_id: str, webhook_id: str, /) -> None:
        """Subscribe the vehicle to the webhook (already subscribed is success)."""

    async def unsubscribe(self, who: str, vehicle_id: str, webhook_id: str, /) -> None:
        """End the vehicle's subscription to the webhook."""

    async def read(
        self,
        who: str,
        vehicle_id: str,
        paths: Iterable[str],
        /,
        *,
        received_at: datetime,
    ) -> DataDelivery:
        """A fresh reading, parsed like a delivery (`paths`: the v2.0 endpoints)."""
        ...

    async def start_charging(
        self, who: str, vehicle_id: str, /
    ) -> CommandResult | None:
        """Start charging."""

    async def stop_charging(self, who: str, vehicle_id: str, /) -> CommandResult | None:
        """Stop charging."""

    async def set_charge_limit(
        self, who: str, vehicle_id: str, percent: float, /
    ) -> CommandResult | None:
        """Set the charge limit, in percent (50 to 100)."""

    async def lock(self, who: str, vehicle_id: str, /) -> CommandResult | None:
        """Lock the doors."""

    async def unlock(self, who: str, vehicle_id: str, /) -> CommandResult | None:
        """Unlock the doors."""


if TYPE_CHECKING:

    def _both_satisfy(v2: SmartcarClient, v3: SmartcarV3Client) -> list[VehicleApi]:
        """Mypy checks here that either client is a `VehicleApi`."""
        return [v2, v3]
