"""Tests of the config entry diagnostics: useful, and without secrets or positions."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.components.diagnostics import REDACTED
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_dumps
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.const import (
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
)
from custom_components.smartcar_webhooks.diagnostics import (
    async_get_config_entry_diagnostics,
)
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, PostDelivery, load_fixture

V4_SECRETS = (
    MANAGEMENT_TOKEN,
    WEBHOOK_ID,
    "8a326743-4efd-406d-88d6-1c8cb3420e11",  # Smartcar's webhook id
    "9df3e999-f80f-4893-9c42-d3e9f351e174",  # vehicle id
    "5415f06f-9bb6-474a-abc7-8746a362ef3f",  # user id
    "52.5163",  # latitude
    "13.3777",  # longitude
)
V2_SECRETS = (
    MANAGEMENT_TOKEN,
    WEBHOOK_ID,
    "c6ba6fcc-64f1-4daa-9ad6-16c8ee597411",  # Smartcar's webhook id
    "d329211c-3829-4685-9f7e-b1216460d4a3",  # vehicle ids
    "61203471-718e-4ac0-ac71-a13b5ac2dee6",
    "48.1372",  # latitude
    "11.5755",  # longitude
)


@pytest.fixture(autouse=True)
async def components(hass: HomeAssistant) -> None:
    """Webhook and diagnostics, set up before an HTTP client freezes the router."""
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(hass, "diagnostics", {})


async def diagnostics(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """The entry's diagnostics, as the integration returns them."""
    return await async_get_config_entry_diagnostics(hass, entry)


def dumped(result: dict[str, Any]) -> str:
    """Diagnostics as the JSON Home Assistant serves (datetimes as ISO text)."""
    return json_dumps(result)


@pytest.mark.parametrize(
    ("fixtures", "secrets"),
    [
        (("v4_vehicle_state.json", "v4_vehicle_error.json"), V4_SECRETS),
        (("v2_dynamic.json", "v2_event_based.json"), V2_SECRETS),
    ],
    ids=["v4", "v2"],
)
async def test_diagnostics_hold_no_secrets_ids_or_coordinates(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fixtures: tuple[str, ...],
    secrets: tuple[str, ...],
) -> None:
    for fixture in fixtures:
        await post_delivery(load_fixture(fixture))
    assert CONF_SMARTCAR_WEBHOOK_ID in setup_entry.data

    text = dumped(await diagnostics(hass, setup_entry))

    for secret in secrets:
        assert secret not in text


async def test_entry_data_is_redacted(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    result = await diagnostics(hass, setup_entry)

    assert result["entry"] == {
        CONF_WEBHOOK_ID: REDACTED,
        CONF_MANAGEMENT_TOKEN: REDACTED,
        CONF_SMARTCAR_WEBHOOK_ID: REDACTED,
    }


async def test_connect_entry_hides_tokens_user_and_vehicle_ids(
    hass: HomeAssistant,
) -> None:
    entry = MockConfigEntry(
        domain="smartcar_webhooks",
        data={
            CONF_WEBHOOK_ID: WEBHOOK_ID,
            CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
            "auth_implementation": "smartcar_webhooks",
            "token": {
                "access_token": "secret-access",
                "refresh_token": "secret-refresh",
            },
            "smartcar_user_id": "secret-user-id",
            "vehicles": {"secret-vehicle-id": {"make": "KIA", "model": "EV6"}},
        },
    )
    entry.add_to_hass(hass)
    with (
        patch(
            "custom_components.smartcar_webhooks.connect.ConnectSession.async_access_token",
            return_value="secret-access",
        ),
        patch("custom_components.smartcar_webhooks.runtime.async_setup_token_upkeep"),
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)

    result = await diagnostics(hass, entry)

    text = dumped(result)
    for secret in (
        "secret-access",
        "secret-refresh",
        "secret-user-id",
        "secret-vehicle-id",
    ):
        assert secret not in text
    assert result["entry"]["vehicles"] == 1
    assert result["entry"]["token"] == REDACTED


async def test_field_status_is_ok_or_the_error_type(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    result = await diagnostics(hass, setup_entry)

    (vehicle,) = result["vehicles"]
    assert vehicle["fields"]["battery_level"] == "ok"
    assert vehicle["fields"]["location"] == "ok"
    assert vehicle["fields"]["fuel_level"] == "error: COMPATIBILITY"
    assert vehicle["make"] == "KIA"
    assert vehicle["model"] == "EV6"
    assert vehicle["year"] == 2023
    assert vehicle["last_update"] is not None
    assert vehicle["last_delivery"] is not None


async def test_v2_field_errors_are_listed_per_vehicle(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    result = await diagnostics(hass, setup_entry)

    fields = [vehicle["fields"] for vehicle in result["vehicles"]]
    assert {field["location"] for field in fields} == {"ok", "error: VEHICLE_STATE"}


async def test_active_vehicle_errors_are_listed_without_resolved_ones(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_error.json"))

    result = await diagnostics(hass, setup_entry)

    (vehicle,) = result["vehicles"]
    assert sorted(vehicle["errors"], key=lambda error: error["type"]) == [
        {"type": "CONNECTED_SERVICES_ACCOUNT", "code": "AUTHENTICATION_FAILED"},
        {"type": "PERMISSION", "code": None},
    ]


async def test_verification_window_state_is_reported(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    assert (await diagnostics(hass, setup_entry))["verification_window_open"] is False

    setup_entry.runtime_data.window.open()

    assert (await diagnostics(hass, setup_entry))["verification_window_open"] is True


async def test_no_vehicles_before_any_delivery(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    assert (await diagnostics(hass, setup_entry))["vehicles"] == []


async def test_diagnostics_are_served_by_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_client: ClientSessionGenerator,
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    served = await get_diagnostics_for_config_entry(hass, hass_client, setup_entry)

    assert served["vehicles"][0]["fields"]["battery_level"] == "ok"
    assert MANAGEMENT_TOKEN not in json_dumps(served)
