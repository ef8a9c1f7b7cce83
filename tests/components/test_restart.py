"""A restart keeps every state, and Smartcar re-sending afterwards changes nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

from homeassistant.components.webhook import async_handle_webhook
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.helpers import restore_state
from homeassistant.loader import DATA_CUSTOM_COMPONENTS
from homeassistant.setup import async_setup_component
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.smartcar_webhooks.const import DOMAIN
from custom_components.smartcar_webhooks.smartcar import sign_body
from tests.components.deliveries import v4_state
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture

DELIVERIES = (
    "v4_vehicle_state.json",
    "v4_vehicle_error.json",
    "v2_dynamic.json",
    "v2_event_based.json",
)


async def _post(hass: HomeAssistant, document: dict[str, Any]) -> int:
    """Deliver a signed body through Home Assistant's webhook component."""
    body = json.dumps(document).encode()
    request = MockRequest(
        body,
        mock_source="test",
        method="POST",
        headers={"SC-Signature": sign_body(MANAGEMENT_TOKEN, body)},
    )
    response = await async_handle_webhook(hass, WEBHOOK_ID, request)  # type: ignore[arg-type]
    await hass.async_block_till_done()
    return response.status


def _ours(hass: HomeAssistant) -> dict[str, State]:
    return {
        state.entity_id: state
        for state in hass.states.async_all()
        if state.attributes.get("friendly_name")
        and state.entity_id.split(".")[0]
        in ("sensor", "binary_sensor", "device_tracker", "event")
    }


async def _start(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await async_setup_component(hass, "webhook", {})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_restart_then_resend_changes_no_state_and_fires_no_event(
    hass: HomeAssistant, hass_storage: dict[str, Any], config_entry: MockConfigEntry
) -> None:
    await _start(hass, config_entry)
    for name in DELIVERIES:
        assert await _post(hass, load_fixture(name)) == 200
    before = {
        entity_id: (s.state, s.attributes) for entity_id, s in _ours(hass).items()
    }
    assert before
    # What Home Assistant does at stop (its dump listener is off in tests).
    await restore_state.async_get(hass).async_dump_states()
    await hass.async_stop(force=True)

    async with async_test_home_assistant() as restarted:
        restarted.data.pop(DATA_CUSTOM_COMPONENTS)
        # As Home Assistant's bootstrap does before setting anything up.
        await restore_state.async_load(restarted)
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=config_entry.entry_id,
            title=config_entry.title,
            unique_id=config_entry.unique_id,
            data=dict(config_entry.data),
        )
        await _start(restarted, entry)
        after = {
            entity_id: (s.state, s.attributes)
            for entity_id, s in _ours(restarted).items()
        }
        assert after == before

        changes: list[Event] = []
        restarted.bus.async_listen(EVENT_STATE_CHANGED, changes.append)
        for name in DELIVERIES:
            assert await _post(restarted, copy.deepcopy(load_fixture(name))) == 200

        assert changes == []
        await restarted.async_stop(force=True)


@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_restart_fires_nothing_and_the_next_change_fires_once(
    hass: HomeAssistant, hass_storage: dict[str, Any], config_entry: MockConfigEntry
) -> None:
    await _start(hass, config_entry)
    assert await _post(hass, v4_state(1, 0, plugged=False)) == 200
    assert await _post(hass, v4_state(2, 10, plugged=True)) == 200
    (fired_before,) = (s for s in _ours(hass).values() if s.domain == "event")
    await restore_state.async_get(hass).async_dump_states()
    await hass.async_stop(force=True)

    async with async_test_home_assistant() as restarted:
        restarted.data.pop(DATA_CUSTOM_COMPONENTS)
        await restore_state.async_load(restarted)
        shown: list[tuple[str, str]] = []

        def collect(event: Event[Any]) -> None:
            if event.data["entity_id"] == fired_before.entity_id:
                new = event.data["new_state"]
                shown.append((new.state, new.attributes.get("event_type")))

        restarted.bus.async_listen(EVENT_STATE_CHANGED, collect)
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=config_entry.entry_id,
            title=config_entry.title,
            unique_id=config_entry.unique_id,
            data=dict(config_entry.data),
        )
        await _start(restarted, entry)
        assert await _post(restarted, v4_state(2, 10, plugged=True)) == 200
        # Only the restored state: the event fired before the restart.
        assert shown == [(fired_before.state, "plugged_in")]

        assert await _post(restarted, v4_state(3, 20, plugged=False)) == 200

        assert [event_type for _state, event_type in shown[1:]] == ["unplugged"]
        await restarted.async_stop(force=True)
