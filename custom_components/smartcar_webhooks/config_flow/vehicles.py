"""Vehicles in the flows: listing them, picking them, subscribing, reporting.

Shared by the Connect steps of the config flow and by the options flow. What
the user reads about each vehicle is data (make, model, year, the end of the
VIN); every word around it comes from the translations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio

from ..connect import async_subscribe
from ..const import CONF_SMARTCAR_WEBHOOK_ID
from ..smartcar import SmartcarClient, SmartcarError, VehicleInfo

CONF_SELECTED = "vehicles"
NOBODY = "-"  # an empty outcome group

# Failures worth trying again later, as opposed to refusals.
RETRY_LATER = frozenset({"rate_limited", "smartcar_unavailable", "cannot_connect"})

type Discovered = dict[str, tuple[VehicleInfo, str | None]]
type Results = Mapping[str, str | None]

WEBHOOK_ID_SCHEMA = probatio.Schema(
    {probatio.Optional(CONF_SMARTCAR_WEBHOOK_ID, default=""): TextSelector()}
)


def vehicle_label(info: VehicleInfo, vin: str | None) -> str:
    """What the user picks from: "POLESTAR Polestar 2 (2024) · …1234".

    Data only: the steps' descriptions say that the end is the VIN's, and
    that a vehicle Smartcar did not describe is shown by its id's start.
    """
    name = (
        " ".join(part for part in (info.make, info.model) if part)
        or (info.vehicle_id[:8])
    )
    if info.year:
        name += f" ({info.year})"
    return f"{name} · …{vin[-4:]}" if vin else name


def vehicle_labels(discovered: Discovered) -> dict[str, str]:
    """Vehicle id -> label, in Smartcar's order."""
    return {
        vehicle_id: vehicle_label(info, vin)
        for vehicle_id, (info, vin) in discovered.items()
    }


def vehicle_record(info: VehicleInfo) -> dict[str, Any]:
    """How a subscribed vehicle is kept in the entry."""
    return {"make": info.make, "model": info.model, "year": info.year}


async def async_discover_vehicles(
    client: SmartcarClient, access_token: str
) -> Discovered:
    """The user's vehicles with make/model/year and, where permitted, the VIN."""
    ids = await client.vehicle_ids(access_token)

    async def describe(vehicle_id: str) -> tuple[VehicleInfo, str | None]:
        try:
            info = await client.vehicle_info(access_token, vehicle_id)
        except SmartcarError:
            info = VehicleInfo(vehicle_id)
        try:
            vin = await client.vin(access_token, vehicle_id)
        except SmartcarError:
            vin = None  # read_vin not granted, or not supported
        return info, vin

    described = await asyncio.gather(*(describe(vehicle_id) for vehicle_id in ids))
    return dict(zip(ids, described, strict=True))


def vehicles_schema(labels: Mapping[str, str], default: list[str]) -> probatio.Schema:
    """A multi-select of vehicles."""
    return probatio.Schema(
        {
            probatio.Required(CONF_SELECTED, default=default): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=vehicle_id, label=label)
                        for vehicle_id, label in labels.items()
                    ],
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            )
        }
    )


async def async_subscribe_confirming(
    client: SmartcarClient,
    access_token: str,
    candidates: Sequence[str],
    vehicle_ids: list[str],
) -> tuple[str | None, dict[str, str | None]]:
    """Subscribe vehicles to the first candidate webhook id Smartcar accepts.

    Smartcar refuses a subscription, with the user's token, to a webhook of
    another application: one accepted subscription confirms the id. Returns
    the confirmed id (None if none was) and the results of the last attempt.
    """
    results: dict[str, str | None] = {}
    for candidate in candidates:
        results = await async_subscribe(client, access_token, candidate, vehicle_ids)
        if any(error is None for error in results.values()):
            return candidate, results
    return None, results


def failure_key(results: Results) -> str:
    """The form error for subscriptions that all failed: the most actionable."""
    errors = set(results.values())
    for key in ("invalid_auth", *sorted(RETRY_LATER)):
        if key in errors:
            return key
    return "webhook_refused"


def _names(labels: Mapping[str, str], vehicle_ids: Iterable[str]) -> str:
    return ", ".join(labels[vehicle_id] for vehicle_id in vehicle_ids) or NOBODY


def report(
    labels: Mapping[str, str], subscribed: Results, unsubscribed: Results
) -> tuple[bool, dict[str, str]]:
    """Whether every call succeeded, and the vehicles named per outcome.

    Placeholders: `subscribed`, `unsubscribed`, and when something failed
    `retry_later`, `sign_in` and `refused`; an empty group is "-".
    """
    placeholders = {
        "subscribed": _names(labels, (v for v, e in subscribed.items() if e is None)),
        "unsubscribed": _names(
            labels, (v for v, e in unsubscribed.items() if e is None)
        ),
    }
    failed = {
        vehicle_id: error
        for results in (subscribed, unsubscribed)
        for vehicle_id, error in results.items()
        if error is not None
    }
    if not failed:
        return True, placeholders
    placeholders["retry_later"] = _names(
        labels, (v for v, e in failed.items() if e in RETRY_LATER)
    )
    placeholders["sign_in"] = _names(
        labels, (v for v, e in failed.items() if e == "invalid_auth")
    )
    placeholders["refused"] = _names(
        labels,
        (v for v, e in failed.items() if e not in RETRY_LATER and e != "invalid_auth"),
    )
    return False, placeholders
