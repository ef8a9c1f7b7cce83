"""A 200 means kept (issue 19): start-up, damaged files, the same car twice.

Power cuts and reloads of a real Home Assistant under a stream are in
`scripts/powercut` (minutes long); these reproduce each case through Home
Assistant's webhook and config entries.
"""

from __future__ import annotations

import copy
from http import HTTPStatus
import logging
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks.const import CONF_MANAGEMENT_TOKEN, DOMAIN
from custom_components.smartcar_webhooks.runtime import SmartcarRuntime
from tests.conftest import MANAGEMENT_TOKEN, PostDelivery, load_fixture

V4_VEHICLE_ID = load_fixture("v4_vehicle_state.json")["data"]["vehicle"]["id"]
BATTERY = "sensor.kia_ev6_battery"


def key(entry: MockConfigEntry) -> str:
    """The storage key of an entry's vehicle state."""
    return f"{DOMAIN}.{entry.entry_id}"


def stored(vehicles: Any, removed: Any = None) -> dict[str, Any]:
    """A storage document as Home Assistant's Store keeps it."""
    return {
        "version": 1,
        "minor_version": 1,
        "key": "x",
        "data": {"vehicles": vehicles, "removed": {} if removed is None else removed},
    }


async def saved_entry(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
) -> dict[str, Any]:
    """Set up, receive the Kia's delivery, unload; the saved document."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert (await post_delivery(load_fixture("v4_vehicle_state.json"))).status == 200
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    return copy.deepcopy(hass_storage[key(config_entry)])


# --- 19.2: from Home Assistant's start until the store is loaded ---------------


async def test_webhook_answers_503_from_async_setup_until_the_store_is_loaded(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
) -> None:
    """Registered before any entry loads: never Home Assistant's empty 200."""
    config_entry.add_to_hass(hass)
    answers: list[int] = []
    real_load = SmartcarRuntime.async_setup

    async def load_later(runtime: SmartcarRuntime) -> None:
        # A delivery arriving while the store loads.
        answers.append(
            (await post_delivery(load_fixture("v4_vehicle_state.json"))).status
        )
        await real_load(runtime)

    with patch.object(SmartcarRuntime, "async_setup", load_later):
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()

    assert answers == [HTTPStatus.SERVICE_UNAVAILABLE]
    retry = await post_delivery(load_fixture("v4_vehicle_state.json"))
    assert await retry.json() == {"status": "ok"}


async def test_entry_that_fails_to_set_up_answers_503(
    hass: HomeAssistant, config_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    config_entry.add_to_hass(hass)
    with patch.object(SmartcarRuntime, "async_setup", side_effect=OSError("disk")):
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR

    response = await post_delivery(load_fixture("v4_vehicle_state.json"))

    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE


async def test_delivery_during_a_reload_is_503_then_applied_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
) -> None:
    answers: list[int] = []
    real_setup = SmartcarRuntime.async_setup

    async def deliver_meanwhile(runtime: SmartcarRuntime) -> None:
        answers.append(
            (await post_delivery(load_fixture("v4_vehicle_state.json"))).status
        )
        await real_setup(runtime)

    with patch.object(SmartcarRuntime, "async_setup", deliver_meanwhile):
        assert await hass.config_entries.async_reload(setup_entry.entry_id)
        await hass.async_block_till_done()

    retry = await post_delivery(load_fixture("v4_vehicle_state.json"))
    again = await post_delivery(load_fixture("v4_vehicle_state.json"))
    assert answers == [HTTPStatus.SERVICE_UNAVAILABLE]
    assert await retry.json() == {"status": "ok"}
    assert await again.json() == {"status": "duplicate"}


async def test_removed_entry_ends_the_registration_and_its_files(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
) -> None:
    """19.3: a removed entry's state (with the car's position) does not come back."""
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    with patch("custom_components.smartcar_webhooks.async_unsubscribe", AsyncMock()):
        await hass.config_entries.async_remove(setup_entry.entry_id)
        await hass.async_block_till_done()
    response = await post_delivery(load_fixture("v4_vehicle_state.json"))
    await hass.async_block_till_done()

    assert await response.read() == b""  # Home Assistant's: no such webhook
    assert key(setup_entry) not in hass_storage
    assert f"{key(setup_entry)}.last_good" not in hass_storage


# --- 19.4: damaged files ---------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {"version": 1, "minor_version": 1, "key": "x", "data": []},
        {"version": 1, "minor_version": 1, "key": "x", "data": "text"},
        stored([]),
        stored("text"),
        stored({}, removed=[]),
        [],
        {"data": {}},
    ],
    ids=[
        "data-list",
        "data-text",
        "vehicles-list",
        "vehicles-text",
        "removed-list",
        "top-list",
        "no-version",
    ],
)
async def test_file_of_the_wrong_shape_sets_up_from_the_last_good_copy(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
    document: Any,
) -> None:
    """It failed the set-up with a traceback on every start."""
    await saved_entry(hass, config_entry, post_delivery, hass_storage)
    hass_storage[key(config_entry)] = document

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(BATTERY).state == "67.0"
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"storage_damaged_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "storage_recovered"


async def test_missing_file_is_recovered_from_the_last_good_copy(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
) -> None:
    """What Home Assistant does with a truncated file: move it aside, load nothing."""
    await saved_entry(hass, config_entry, post_delivery, hass_storage)
    del hass_storage[key(config_entry)]

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(BATTERY).state == "67.0"
    assert key(config_entry) in hass_storage  # written again at once


async def test_unreadable_vehicle_is_dropped_the_rest_kept_and_said(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    document = await saved_entry(hass, config_entry, post_delivery, hass_storage)
    document["data"]["vehicles"]["another-car"] = {"make": 5}
    hass_storage[key(config_entry)] = document
    hass_storage.pop(f"{key(config_entry)}.last_good")

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(BATTERY).state == "67.0"
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"storage_damaged_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "storage_damaged"
    assert issue.translation_placeholders == {
        "title": config_entry.title,
        "dropped": "1",
    }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_clean_start_deletes_the_damage_repair(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
) -> None:
    await saved_entry(hass, config_entry, post_delivery, hass_storage)
    hass_storage[key(config_entry)] = stored([])
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()

    assert (
        ir.async_get(hass).async_get_issue(
            DOMAIN, f"storage_damaged_{config_entry.entry_id}"
        )
        is None
    )


async def test_strings_read_from_the_file_are_cleaned_like_a_deliverys(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
) -> None:
    document = await saved_entry(hass, config_entry, post_delivery, hass_storage)
    vehicle = document["data"]["vehicles"][V4_VEHICLE_ID]
    vehicle["model"] = "EV6\u202e\ud800\n" + "x" * 500
    vehicle["recent"].append("forged\nid")
    hass_storage[key(config_entry)] = document

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    state = config_entry.runtime_data.store.vehicles[V4_VEHICLE_ID]
    assert state.info.model is not None
    assert state.info.model.startswith("EV6 x")
    assert len(state.info.model) <= 64
    assert "forged\nid" not in state.recent


# --- 19.9: the same car in two entries ---------------------------------------------


async def test_same_car_in_a_second_entry_is_a_repair_not_an_error(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two Smartcar applications deliver the same car: Home Assistant logged ERROR."""
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    second_token, second_webhook = "second-token", "f" * 64
    second = MockConfigEntry(
        domain=DOMAIN,
        title="Second app",
        unique_id="second",
        data={CONF_WEBHOOK_ID: second_webhook, CONF_MANAGEMENT_TOKEN: second_token},
    )
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    body = load_fixture("v4_vehicle_state.json")
    body["meta"]["deliveryId"] = "another-delivery"

    with patch("tests.conftest.MANAGEMENT_TOKEN", second_token):
        response = await post_delivery(body, webhook_id=second_webhook)
    await hass.async_block_till_done()

    assert response.status == HTTPStatus.OK
    registry = er.async_get(hass)
    assert not er.async_entries_for_config_entry(registry, second.entry_id)
    assert er.async_entries_for_config_entry(registry, setup_entry.entry_id)
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"duplicate_vehicle_{second.entry_id}_{V4_VEHICLE_ID}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "title": "Second app",
        "other": setup_entry.title,
        "vehicle": "Kia EV6",
    }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert second_token != MANAGEMENT_TOKEN
