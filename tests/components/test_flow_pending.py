"""Deliveries Smartcar sends while the set-up flow is still open.

They are answered 2xx (Smartcar would not retry otherwise) and kept for the
entry, which applies them once it is set up; an abandoned flow drops them.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from http import HTTPStatus
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks import webhook_owner
from custom_components.smartcar_webhooks.const import (
    CONF_VEHICLES,
    DOMAIN,
    VERIFY_WINDOW,
)
from custom_components.smartcar_webhooks.smartcar import DataDelivery
from tests.components.flow_helpers import (
    AUTH_DOMAIN,
    CLIENT_ID,
    CLIENT_SECRET,
    EXTERNAL_URL,
    KIA,
    Client,
    answer_verify,
    flow_webhook_id,
    mock_smartcar,
    sign_in,
    signed,
    start_flow,
    verify_body,
)
from tests.components.flow_translations import check_flow_translations
from tests.conftest import load_fixture


def take_kept(hass: HomeAssistant, webhook_id: str) -> list[Any]:
    """What the webhook's owner keeps for the entry (nothing without an owner)."""
    owner = hass.data.get(webhook_owner.DATA_WEBHOOKS, {}).get(webhook_id)
    return [] if owner is None else owner.take_kept()


def take_window(hass: HomeAssistant, webhook_id: str) -> Any:
    """The rest of the flow's window the owner keeps for the entry."""
    owner = hass.data.get(webhook_owner.DATA_WEBHOOKS, {}).get(webhook_id)
    return None if owner is None else owner.take_window()


@pytest.fixture(autouse=True)
def translations(hass: HomeAssistant) -> None:
    """Every flow result of these tests is translated."""
    check_flow_translations(hass)


@pytest.fixture(autouse=True)
async def external_url(hass: HomeAssistant) -> None:
    """An external https URL Smartcar could deliver to."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})


@pytest.fixture
def entry_setup_mocked() -> Generator[None]:
    """The entry is created but not set up: what the flow left stays with the webhook's owner."""
    with (
        patch(
            "custom_components.smartcar_webhooks.async_setup_entry", return_value=True
        ),
        patch(
            "custom_components.smartcar_webhooks.async_unload_entry", return_value=True
        ),
    ):
        yield


def battery_delivery(event_id: str, percent: float = 67) -> dict[str, Any]:
    """A 4.0 VEHICLE_STATE of the Kia with its own event id and battery level."""
    body = load_fixture("v4_vehicle_state.json")
    body["eventId"] = event_id
    for signal in body["data"]["signals"]:
        if signal["code"] == "tractionbattery-stateofcharge":
            signal["body"]["value"] = percent
    return body


def event_id(delivery: webhook_owner.PendingDelivery) -> str:
    """The event id of a kept 4.0 VEHICLE_STATE."""
    assert isinstance(delivery, DataDelivery)
    return delivery.vehicles[0].delivery_id


async def deliver(client: Client, webhook_id: str, body: dict[str, Any]) -> Any:
    """POST a signed delivery; its JSON answer, after checking the status."""
    response = await client.post(f"/api/webhook/{webhook_id}", **signed(body))
    assert response.status == HTTPStatus.OK
    return await response.json()


async def finish_webhook_only(hass: HomeAssistant, flow_id: str) -> Any:
    """After VERIFY: finish without Connect."""
    await hass.config_entries.flow.async_configure(flow_id)
    return await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "webhook_only"}
    )


def battery_state(hass: HomeAssistant) -> str | None:
    """The Kia's battery sensor state, or None when it has no entity."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{KIA}_battery_level"
    )
    state = hass.states.get(entity_id) if entity_id else None
    return state.state if state else None


async def test_delivery_during_the_verify_wait_reaches_the_entry(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)

    answer = await deliver(client, webhook_id, battery_delivery("during-verify"))
    await answer_verify(hass, client, webhook_id)
    result = await finish_webhook_only(hass, result["flow_id"])
    await hass.async_block_till_done()

    assert answer == {"status": "ok"}
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert battery_state(hass) == "67.0"


@pytest.mark.usefixtures("current_request_with_host")
async def test_delivery_while_signing_in_reaches_the_entry(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    """Subscribing makes Smartcar send a first delivery at once."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )
    mock_smartcar(aioclient_mock)
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    await hass.config_entries.flow.async_configure(result["flow_id"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect"}
    )
    result = await sign_in(hass, client, aioclient_mock, result["flow_id"])

    await deliver(client, webhook_id, battery_delivery("while-signing-in"))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA]}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert battery_state(hass) == "67.0"


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_kept_deliveries_wait_for_the_entry_in_order(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    for number in range(3):
        await deliver(client, webhook_id, battery_delivery(f"event-{number}", number))
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])

    kept = take_kept(hass, webhook_id)

    assert [event_id(delivery) for delivery in kept] == [
        "event-0",
        "event-1",
        "event-2",
    ]
    assert take_kept(hass, webhook_id) == []


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_repeated_delivery_is_answered_duplicate_and_kept_once(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)

    first = await deliver(client, webhook_id, battery_delivery("same"))
    again = await deliver(client, webhook_id, battery_delivery("same"))

    assert first == {"status": "ok"}
    assert again == {"status": "duplicate"}
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])
    assert len(take_kept(hass, webhook_id)) == 1


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_unsigned_delivery_during_the_flow_is_refused_and_not_kept(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)

    unsigned = await client.post(
        f"/api/webhook/{webhook_id}", json=battery_delivery("unsigned")
    )
    forged = await client.post(
        f"/api/webhook/{webhook_id}",
        data=b'{"eventType":"VEHICLE_STATE"}',
        headers={"SC-Signature": "0" * 64},
    )

    assert unsigned.status == HTTPStatus.UNAUTHORIZED
    assert forged.status == HTTPStatus.UNAUTHORIZED
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])
    assert take_kept(hass, webhook_id) == []


async def test_abandoned_flow_drops_what_it_kept(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await deliver(client, webhook_id, battery_delivery("orphan"))
    await answer_verify(hass, client, webhook_id)

    hass.config_entries.flow.async_abort(result["flow_id"])

    assert take_kept(hass, webhook_id) == []
    assert take_window(hass, webhook_id) is None


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_at_most_100_deliveries_are_kept_the_newest_logged_once(
    hass: HomeAssistant, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    caplog.set_level(logging.WARNING)

    answers = [
        await deliver(client, webhook_id, battery_delivery(f"flood-{number}"))
        for number in range(102)
    ]

    assert {answer["status"] for answer in answers} == {"ok"}
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])
    kept = take_kept(hass, webhook_id)
    assert len(kept) == 100
    assert event_id(kept[0]) == "flood-2"
    warnings = [r for r in caplog.records if "deliveries arrived" in r.getMessage()]
    assert len(warnings) == 1
    assert webhook_id not in caplog.text


# --- between the entry's creation and its start ------------------------------


async def create_entry_with_setup_failing(hass: HomeAssistant, client: Client) -> Any:
    """A verified webhook-only set-up whose entry fails to set up."""
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    with patch(
        "custom_components.smartcar_webhooks.async_setup_entry", return_value=False
    ):
        result = await finish_webhook_only(hass, result["flow_id"])
        await hass.async_block_till_done()
    return result["result"]


async def test_delivery_before_the_entry_starts_still_reaches_it(
    hass: HomeAssistant, client: Client
) -> None:
    """The flow's handler answers until the entry's runtime replaces it."""
    entry = await create_entry_with_setup_failing(hass, client)
    webhook_id = entry.data["webhook_id"]

    answer = await deliver(client, webhook_id, battery_delivery("before-start"))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert answer == {"status": "ok"}
    assert battery_state(hass) == "67.0"


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_the_flows_handler_answers_until_the_entry_attaches_its_own(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])
    await deliver(client, webhook_id, battery_delivery("after-creation"))
    owner = webhook_owner.async_get(hass, webhook_id)

    kept = take_kept(hass, webhook_id)
    owner.detach()
    response = await client.post(
        f"/api/webhook/{webhook_id}", **signed(battery_delivery("too-late"))
    )

    assert [event_id(delivery) for delivery in kept] == ["after-creation"]
    # Nobody handles it now: a status Smartcar retries, never an empty 200.
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_discarding_for_a_removed_entry_ends_the_flows_handler(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])
    await deliver(client, webhook_id, battery_delivery("kept"))

    webhook_owner.async_release(hass, webhook_id)

    response = await client.post(
        f"/api/webhook/{webhook_id}", **signed(battery_delivery("after"))
    )
    assert await response.read() == b""
    assert take_kept(hass, webhook_id) == []


# --- the rest of the verification window --------------------------------------


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_rest_of_the_window_is_kept_for_the_entry(
    hass: HomeAssistant, client: Client, freezer: FrozenDateTimeFactory
) -> None:
    """A forged VERIFY may have completed the flow before Smartcar's came."""
    opened = dt_util.utcnow()
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    freezer.tick(timedelta(minutes=2))

    await finish_webhook_only(hass, result["flow_id"])

    assert take_window(hass, webhook_id) == opened + VERIFY_WINDOW
    assert take_window(hass, webhook_id) is None


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_a_window_that_closed_during_the_flow_is_not_handed_on(
    hass: HomeAssistant, client: Client, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    freezer.tick(VERIFY_WINDOW)

    await finish_webhook_only(hass, result["flow_id"])

    assert take_window(hass, webhook_id) is None


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_a_window_that_closed_before_the_entry_took_it_is_not_handed_on(
    hass: HomeAssistant, client: Client, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])

    freezer.tick(VERIFY_WINDOW)

    assert take_window(hass, webhook_id) is None


@pytest.mark.usefixtures("entry_setup_mocked")
async def test_vehicle_error_and_charging_event_during_the_flow_are_kept(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    error = load_fixture("v4_vehicle_error.json")
    event = load_fixture("v2_event_based.json")

    answers = [
        await deliver(client, webhook_id, body) for body in (error, event, error)
    ]

    assert answers == [{"status": "ok"}, {"status": "ok"}, {"status": "duplicate"}]
    await answer_verify(hass, client, webhook_id)
    await finish_webhook_only(hass, result["flow_id"])
    assert len(take_kept(hass, webhook_id)) == 2


async def test_smartcar_verify_after_a_forged_one_is_answered_by_the_entry(
    hass: HomeAssistant, client: Client
) -> None:
    """The entry keeps the rest of the flow's window: Smartcar may come second."""
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)  # the forger's, first
    await finish_webhook_only(hass, result["flow_id"])
    await hass.async_block_till_done()

    response = await client.post(f"/api/webhook/{webhook_id}", json=verify_body())

    assert response.status == HTTPStatus.OK
    assert "challenge" in await response.json()
