"""Home Assistant Cloud disconnecting and reconnecting: the cloudhook keeps working.

The integration does not listen to cloud connection changes, on purpose. Its
callback URI is the cloudhook URL the user gave Smartcar, which stays the same
across disconnects, and its webhook stays registered in Home Assistant all
along. While the cloud is away Smartcar's deliveries fail at the relay and
Smartcar retries them; nothing here could re-point anything. (Withings reacts
because it must re-subscribe at Withings' API; Smartcar has no such call.)

Deliveries come the way the cloud hands them over: `CloudClient.async_webhook_message`
builds a `MockRequest` (no `read()`, the body re-encoded from text, no remote)
and calls `webhook.async_handle_webhook`. The real cloud integration cannot be
set up here, and importing it would replace the fake module other tests use,
so `relay` below does what that method does.
"""

from __future__ import annotations

from collections.abc import Generator
import copy
import json
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from homeassistant.components.webhook import async_handle_webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.setup import async_setup_component
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    DOMAIN,
)
from custom_components.smartcar_webhooks.smartcar import sign_body
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture

# homeassistant.components.cloud.SIGNAL_CLOUD_CONNECTION_STATE and the values
# of its CloudConnectionState, as the cloud integration sends them.
SIGNAL_CLOUD_CONNECTION_STATE = "CLOUD_CONNECTION_STATE"
CLOUD_CONNECTED = "cloud_connected"
CLOUD_DISCONNECTED = "cloud_disconnected"
V4_VEHICLE = "9df3e999-f80f-4893-9c42-d3e9f351e174"


class FakeCloudNotAvailableError(Exception):
    """Stands in for homeassistant.components.cloud.CloudNotAvailable."""


@pytest.fixture
def cloud(hass: HomeAssistant) -> Generator[Any]:
    """A loaded Home Assistant Cloud, as a fake module (see test_init)."""
    fake: Any = ModuleType("homeassistant.components.cloud")
    fake.CloudNotAvailable = FakeCloudNotAvailableError
    fake.async_active_subscription = MagicMock(return_value=True)
    fake.async_get_or_create_cloudhook = AsyncMock()
    fake.async_delete_cloudhook = AsyncMock()
    hass.config.components.add("cloud")
    with patch.dict("sys.modules", {"homeassistant.components.cloud": fake}):
        yield fake


@pytest.fixture
async def cloudhook_entry(hass: HomeAssistant, cloud: Any) -> MockConfigEntry:
    """An entry whose callback URI is a cloudhook, set up."""
    assert await async_setup_component(hass, "webhook", {})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        data={
            "webhook_id": WEBHOOK_ID,
            CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
            CONF_CLOUDHOOK: True,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def relay(hass: HomeAssistant, body: bytes, *, sign: bool = True) -> Any:
    """A delivery through the cloud: what `async_webhook_message` does with it."""
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["SC-Signature"] = sign_body(MANAGEMENT_TOKEN, body)
    request = MockRequest(
        content=body.decode("utf-8").encode("utf-8"),  # the relay carries text
        headers=headers,
        method="POST",
        query_string="",
        mock_source="cloud",
        remote=None,
    )
    response = await async_handle_webhook(hass, WEBHOOK_ID, request)
    await hass.async_block_till_done()
    return response


def state_of_charge(document: dict[str, Any], value: float, at: int) -> bytes:
    """The 4.0 fixture with another state of charge, recorded `at` (epoch ms)."""
    document = copy.deepcopy(document)
    document["eventId"] = f"event-{at}"
    document["meta"]["deliveryId"] = f"delivery-{at}"
    document["meta"]["deliveredAt"] = at + 60_000
    signal = next(
        s
        for s in document["data"]["signals"]
        if s["code"] == "tractionbattery-stateofcharge"
    )
    signal["body"]["value"] = value
    signal["meta"]["oemUpdatedAt"] = at
    return json.dumps(document).encode()


def battery(hass: HomeAssistant) -> str:
    """The state of the vehicle's battery sensor."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{V4_VEHICLE}_battery_level"
    )
    assert entity_id is not None
    return hass.states.get(entity_id).state


async def test_cloudhook_deliveries_work_before_and_after_a_reconnect(
    hass: HomeAssistant, cloudhook_entry: MockConfigEntry
) -> None:
    document = load_fixture("v4_vehicle_state.json")
    at = document["meta"]["deliveredAt"] - 60_000
    before = await relay(hass, state_of_charge(document, 50, at))

    async_dispatcher_send(hass, SIGNAL_CLOUD_CONNECTION_STATE, CLOUD_DISCONNECTED)
    await hass.async_block_till_done()
    async_dispatcher_send(hass, SIGNAL_CLOUD_CONNECTION_STATE, CLOUD_CONNECTED)
    await hass.async_block_till_done()
    # A delivery that failed at the relay meanwhile, retried by Smartcar twice.
    retried = await relay(hass, state_of_charge(document, 55, at + 60_000))
    again = await relay(hass, state_of_charge(document, 55, at + 60_000))

    assert [before.status, retried.status, again.status] == [200, 200, 200]
    assert [json.loads(r.body)["status"] for r in (before, retried, again)] == [
        "ok",
        "ok",
        "duplicate",
    ]
    assert battery(hass) == "55.0"


async def test_unsigned_cloudhook_request_after_a_reconnect_changes_nothing(
    hass: HomeAssistant, cloudhook_entry: MockConfigEntry
) -> None:
    document = load_fixture("v4_vehicle_state.json")
    at = document["meta"]["deliveredAt"] - 60_000
    assert (await relay(hass, state_of_charge(document, 50, at))).status == 200
    async_dispatcher_send(hass, SIGNAL_CLOUD_CONNECTION_STATE, CLOUD_DISCONNECTED)
    async_dispatcher_send(hass, SIGNAL_CLOUD_CONNECTION_STATE, CLOUD_CONNECTED)
    await hass.async_block_till_done()

    response = await relay(hass, state_of_charge(document, 5, at + 60_000), sign=False)

    assert response.status == 401
    assert battery(hass) == "50.0"


async def test_removal_after_a_reconnect_deletes_the_cloudhook(
    hass: HomeAssistant, cloudhook_entry: MockConfigEntry, cloud: Any
) -> None:
    async_dispatcher_send(hass, SIGNAL_CLOUD_CONNECTION_STATE, CLOUD_DISCONNECTED)
    async_dispatcher_send(hass, SIGNAL_CLOUD_CONNECTION_STATE, CLOUD_CONNECTED)
    await hass.async_block_till_done()

    await hass.config_entries.async_remove(cloudhook_entry.entry_id)
    await hass.async_block_till_done()

    cloud.async_delete_cloudhook.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert hass.config_entries.async_get_entry(cloudhook_entry.entry_id) is None


async def test_removal_while_the_cloud_is_away_still_completes(
    hass: HomeAssistant, cloudhook_entry: MockConfigEntry, cloud: Any
) -> None:
    """Deleting a cloudhook offline fails as the cloud says: not available."""
    cloud.async_delete_cloudhook.side_effect = FakeCloudNotAvailableError
    async_dispatcher_send(hass, SIGNAL_CLOUD_CONNECTION_STATE, CLOUD_DISCONNECTED)
    await hass.async_block_till_done()

    result = await hass.config_entries.async_remove(cloudhook_entry.entry_id)

    assert result == {"require_restart": False}
    cloud.async_delete_cloudhook.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert hass.config_entries.async_get_entry(cloudhook_entry.entry_id) is None
