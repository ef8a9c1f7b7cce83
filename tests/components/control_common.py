"""Shared pieces of the tests that act on the car: a Connect entry, deliveries, answers."""

from __future__ import annotations

from datetime import UTC, datetime
import time
from typing import Any

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SCOPES,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_SCOPES,
)
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID

AUTH_DOMAIN = "cred"
ACCESS_TOKEN = "stored-access-token"
USER_ID = "5415f06f-9bb6-474a-abc7-8746a362ef3f"
SMARTCAR_WEBHOOK_ID = "8a326743-4efd-406d-88d6-1c8cb3420e11"
KIA = "9df3e999-f80f-4893-9c42-d3e9f351e174"
POLESTAR = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
API = "https://api.smartcar.com/v2.0/vehicles"
KIA_API = f"{API}/{KIA}"
CONTROL = ("control_charge", "control_security")
ALL_SCOPES = (*OAUTH2_SCOPES, *CONTROL)
SUCCESS = {"status": "success", "message": "Successfully sent request to vehicle"}
# The car's clock in these tests: deliveries are recorded at or after it.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

SIGNALS = {
    "charge-ischarging": ("IsCharging", "Charge"),
    "charge-ischargingcableconnected": ("IsChargingCableConnected", "Charge"),
    "charge-chargelimits": ("ChargeLimits", "Charge"),
    "closure-islocked": ("IsLocked", "Closure"),
    "tractionbattery-stateofcharge": ("StateOfCharge", "TractionBattery"),
    "odometer-traveleddistance": ("TraveledDistance", "Odometer"),
}


async def add_credentials(hass: HomeAssistant) -> None:
    """The Smartcar application credentials the entries signed in with."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("client-id", "client-secret"), AUTH_DOMAIN
    )


def connect_data(
    scopes: tuple[str, ...] | None = ALL_SCOPES,
    vehicles: tuple[str, ...] = (KIA,),
    token_scope: str | None = None,
) -> dict[str, Any]:
    """A Connect entry's data: the scopes asked for (None: an entry from before)."""
    token: dict[str, Any] = {
        "access_token": ACCESS_TOKEN,
        "refresh_token": "stored-refresh-token",
        "expires_in": 7200,
        "token_type": "Bearer",
        "expires_at": time.time() + 3600,
    }
    if token_scope is not None:
        token["scope"] = token_scope
    data: dict[str, Any] = {
        CONF_WEBHOOK_ID: WEBHOOK_ID,
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
        CONF_CLOUDHOOK: False,
        CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID,
        CONF_SMARTCAR_USER_ID: USER_ID,
        "auth_implementation": AUTH_DOMAIN,
        CONF_TOKEN: token,
        CONF_VEHICLES: {
            vehicle_id: {"make": "KIA", "model": "EV6", "year": 2023}
            for vehicle_id in vehicles
        },
    }
    if scopes is not None:
        data[CONF_SCOPES] = list(scopes)
    return data


async def set_up(
    hass: HomeAssistant,
    data: dict[str, Any],
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Add an entry with this data and set it up, background tasks included."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id=SMARTCAR_WEBHOOK_ID,
        data=data,
        options=options or {},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def vehicle_state(
    event_id: str,
    at: datetime,
    vehicle_id: str = KIA,
    **bodies: dict[str, Any],
) -> dict[str, Any]:
    """A 4.0 VEHICLE_STATE delivery whose signals the car recorded at `at`.

    Keyword names are signal codes with `_` for `-` (`charge_ischarging`).
    """
    signals = []
    for name, body in bodies.items():
        code = name.replace("_", "-")
        signal_name, group = SIGNALS[code]
        signals.append(
            {
                "code": code,
                "name": signal_name,
                "group": group,
                "body": body,
                "status": {"value": "SUCCESS"},
                "meta": {"oemUpdatedAt": _ms(at), "retrievedAt": _ms(at)},
            }
        )
    return {
        "eventId": event_id,
        "eventType": "VEHICLE_STATE",
        "data": {
            "vehicle": {"id": vehicle_id, "make": "KIA", "model": "EV6", "year": 2023},
            "user": {"id": USER_ID},
            "signals": signals,
        },
        "triggers": [{"type": "SIGNAL_UPDATED"}],
        "meta": {
            "version": "4.0",
            "deliveryId": event_id,
            "deliveredAt": _ms(at),
            "webhookId": SMARTCAR_WEBHOOK_ID,
            "webhookName": "Home Assistant",
            "mode": "LIVE",
            "signalCount": len(signals),
        },
    }


def full_state(event_id: str, at: datetime, vehicle_id: str = KIA) -> dict[str, Any]:
    """What a Kia reports: charging, plugged in, limit 80 %, locked, 67 %."""
    return vehicle_state(
        event_id,
        at,
        vehicle_id,
        charge_ischarging={"value": True},
        charge_ischargingcableconnected={"value": True},
        charge_chargelimits={"activeLimit": 80, "unit": "percent", "values": []},
        closure_islocked={"value": True},
        tractionbattery_stateofcharge={"value": 67, "unit": "percent"},
    )


def smartcar_error(
    error_type: str, code: str | None, status: int, resolution: str | None = None
) -> dict[str, Any]:
    """Smartcar's error body."""
    return {
        "type": error_type,
        "code": code,
        "description": "Smartcar said no.",
        "docURL": "https://smartcar.com/docs/errors/api-errors",
        "statusCode": status,
        "resolution": {"type": resolution},
        "requestId": "5dea93a1-3f79-4246-90c5-89610a20471b",
    }


def batch_item(
    path: str, body: dict[str, Any], at: datetime, code: int = 200
) -> dict[str, Any]:
    """One answer of a batch read, recorded by the car at `at`."""
    return {
        "path": path,
        "body": body,
        "code": code,
        "headers": {
            "sc-data-age": at.isoformat().replace("+00:00", "Z"),
            "sc-unit-system": "metric",
        },
    }
