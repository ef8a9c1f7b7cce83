r"""Red-team attacks of issue 7 that had no test through Home Assistant's HTTP stack yet.

Every request here is posted to the webhook through `hass_client_no_auth`. The
other attacks are covered by the feature tests (docs/RELIABILITY.md maps each
attack to its tests); these complete the map:

- 7.3: the red team's own 4.0 body, `"make": "POL\\ud800STAR"`, and lone
  surrogates in an error's codes and description.
- 7.4: an older VEHICLE_ERROR after a newer RESOLVED; exact replays after more
  deliveries than a vehicle remembers (an error asking to sign in, a charging
  event) and of a vehicle the user removed; readings without a time.
- 7.6: one delivery naming 10,000 vehicles.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import json_bytes
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.smartcar_webhooks.const import DOMAIN
from custom_components.smartcar_webhooks.smartcar import sign_body
from custom_components.smartcar_webhooks.store import MAX_NEW_VEHICLES
from custom_components.smartcar_webhooks.vehicle import RECENT_DELIVERIES
from tests.components.deliveries import V1, V4, v2_charge, v2_event, v4_state
from tests.components.flow_helpers import (
    AUTH_DOMAIN,
    CLIENT_ID,
    CLIENT_SECRET,
    UNIQUE_ID,
    connect_entry_data,
)
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture

type Client = TestClient[Any, Any]

# More deliveries than a vehicle remembers the ids of, all within the hour in
# which an older delivery is still not a stale replay.
BEYOND_MEMORY = RECENT_DELIVERIES + 6


@pytest.fixture(autouse=True)
async def components(hass: HomeAssistant) -> None:
    """The config API (device removal), set up before any HTTP client exists."""
    assert await async_setup_component(hass, "websocket_api", {})
    assert await async_setup_component(hass, "config", {})


async def post(hass: HomeAssistant, client: Client, body: Any) -> dict[str, Any]:
    """POST a signed body (bytes as they are, else as JSON); the answer."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        data=raw,
        headers={"SC-Signature": sign_body(MANAGEMENT_TOKEN, raw)},
    )
    await hass.async_block_till_done()
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def state(hass: HomeAssistant, platform: str, vehicle_id: str, key: str) -> str:
    """The state of one of a vehicle's entities."""
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{vehicle_id}_{key}"
    )
    assert entity_id is not None, key
    return hass.states.get(entity_id).state


def device(hass: HomeAssistant, entry: MockConfigEntry, vehicle_id: str) -> Any:
    """The vehicle's device, or None."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, vehicle_id), entry.entry_id
    )


def newer_states(count: int) -> list[dict[str, Any]]:
    """4.0 deliveries of the V4 car, one every 30 s from 10 minutes after T0."""
    return [v4_state(100 + n, 10 + n / 2) for n in range(count)]


# --- 7.3 lone surrogates -----------------------------------------------------------


async def test_red_teams_surrogate_make_leaves_everything_storable(
    hass: HomeAssistant, setup_entry: MockConfigEntry, client: Client
) -> None:
    state_body = load_fixture("v4_vehicle_state.json")
    state_body["data"]["vehicle"].update(make="POL\ud800STAR", model="\udfff2")
    error_body = load_fixture("v4_vehicle_error.json")
    error_body["data"]["vehicle"] = state_body["data"]["vehicle"]
    error = error_body["data"]["errors"][0]
    error.update(code="AUTH\ud800", description="\ud800 signed in \udc00")
    raws = [json.dumps(body).encode() for body in (state_body, error_body)]
    assert all(b"\\ud800" in raw for raw in raws)

    answers = [await post(hass, client, raw) for raw in raws]

    assert answers == [{"status": "ok"}, {"status": "ok"}]
    name = device(hass, setup_entry, V4).name
    assert name.encode("utf-8")  # no lone surrogate left
    assert name == "Polstar 2"
    for entry in dr.async_entries_for_config_entry(
        dr.async_get(hass), setup_entry.entry_id
    ):
        assert entry.as_storage_fragment
    json_bytes(er.async_get(hass)._data_to_save())
    json_bytes(hass.config_entries._data_to_save())
    json_bytes(setup_entry.runtime_data.store._data())
    for entity_state in hass.states.async_all():
        assert entity_state.as_dict_json


# --- 7.4 order and replay ----------------------------------------------------------


@pytest.fixture
async def connect_entry(hass: HomeAssistant) -> MockConfigEntry:
    """A Connect entry, set up: an error asking to sign in starts reauth."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smartcar", unique_id=UNIQUE_ID, data=connect_entry_data()
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def vehicle_error(event_id: str, sent: int, state: str = "ERROR") -> dict[str, Any]:
    """The 4.0 VEHICLE_ERROR fixture (sign in again; no permission), sent at `sent`."""
    body = load_fixture("v4_vehicle_error.json")
    body["eventId"] = event_id
    body["meta"]["deliveryId"] = f"delivery-{event_id}"
    body["meta"]["deliveredAt"] = sent
    for error in body["data"]["errors"]:
        error["state"] = state
    return body


def abort_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The user dismisses the sign-in Smartcar asked for."""
    for flow in entry.async_get_active_flows(hass, {SOURCE_REAUTH}):
        hass.config_entries.flow.async_abort(flow["flow_id"])


async def test_older_error_after_a_newer_resolved_one_turns_nothing_back_on(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    sent = load_fixture("v4_vehicle_error.json")["meta"]["deliveredAt"]
    await post(hass, client, vehicle_error("error", sent))
    await post(hass, client, vehicle_error("resolved", sent + 120_000, "RESOLVED"))
    abort_reauth(hass, connect_entry)

    answer = await post(hass, client, vehicle_error("late-error", sent + 60_000))

    assert answer == {"status": "ok"}
    assert state(hass, "binary_sensor", V4, "problem") == STATE_OFF
    assert list(connect_entry.async_get_active_flows(hass, {SOURCE_REAUTH})) == []


async def test_error_replayed_after_more_deliveries_than_remembered_changes_nothing(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    sent = load_fixture("v4_vehicle_error.json")["meta"]["deliveredAt"]
    captured = json.dumps(vehicle_error("captured", sent)).encode()
    await post(hass, client, captured)
    assert state(hass, "binary_sensor", V4, "problem") == STATE_ON
    await post(hass, client, vehicle_error("resolved", sent + 60_000, "RESOLVED"))
    abort_reauth(hass, connect_entry)
    for body in newer_states(BEYOND_MEMORY):
        await post(hass, client, body)
    before = {s.entity_id: s for s in hass.states.async_all()}

    await post(hass, client, captured)  # the exact bytes, signature and all

    assert state(hass, "binary_sensor", V4, "problem") == STATE_OFF
    assert list(connect_entry.async_get_active_flows(hass, {SOURCE_REAUTH})) == []
    assert {s.entity_id: s for s in hass.states.async_all()} == before


async def test_charging_event_replayed_after_more_deliveries_than_remembered_fires_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, client: Client
) -> None:
    captured = json.dumps(v2_event("started", 0, "CHARGING_STARTED")).encode()
    await post(hass, client, captured)
    await post(hass, client, v2_event("completed", 30, "CHARGING_COMPLETED"))
    for n in range(BEYOND_MEMORY):
        await post(hass, client, v2_charge(f"r{n}", 31 + n / 4, "FULLY_CHARGED"))
    event = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, f"{V1}_charging_event"
    )
    assert event is not None
    before = hass.states.get(event)

    await post(hass, client, captured)

    assert hass.states.get(event) == before
    assert before.attributes["event_type"] == "charging_completed"


async def test_replay_of_a_removed_vehicle_does_not_bring_it_back(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    client: Client,
    hass_ws_client: WebSocketGenerator,
) -> None:
    captured = json.dumps(v4_state(1, 10)).encode()
    await post(hass, client, captured)
    websocket = await hass_ws_client(hass)
    await websocket.send_json_auto_id(
        {
            "type": "config/device_registry/remove",
            "device_id": device(hass, setup_entry, V4).id,
        }
    )
    assert (await websocket.receive_json())["success"]
    await hass.async_block_till_done()

    answer = await post(hass, client, captured)

    assert answer["status"] in ("duplicate", "stale")
    assert device(hass, setup_entry, V4) is None
    assert V4 not in setup_entry.runtime_data.store.vehicles


async def test_readings_without_a_time_never_beat_one_with_a_time(
    hass: HomeAssistant, setup_entry: MockConfigEntry, client: Client
) -> None:
    timed_v2 = v2_charge("timed", 0, "CHARGING")
    untimed_v2 = v2_charge("untimed", 0, "CHARGING")
    battery = untimed_v2["payload"]["vehicles"][0]["data"][0]
    battery["body"]["percentRemaining"] = 0.2
    del battery["headers"]["sc-data-age"]
    timed_v4 = v4_state(1, 10, soc=67)
    untimed_v4 = v4_state(2, 20, soc=5)
    for signal in untimed_v4["data"]["signals"]:
        signal.setdefault("meta", {})["oemUpdatedAt"] = 0  # Smartcar's "no time"

    for body in (timed_v2, untimed_v2, timed_v4, untimed_v4):
        await post(hass, client, body)

    assert state(hass, "sensor", V1, "battery_level") == "55.0"
    assert state(hass, "sensor", V4, "battery_level") == "67.0"


# --- 7.6 one delivery, thousands of vehicles ---------------------------------------


async def test_delivery_naming_ten_thousand_vehicles_adds_a_hundred(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = copy.deepcopy(load_fixture("v2_dynamic.json"))
    body["payload"]["vehicles"] = [
        {"vehicleId": f"vehicle-{n:05d}", "requestId": f"r{n}", "data": []}
        for n in range(10_000)
    ]

    answer = await post(hass, client, body)

    assert answer == {"status": "ok"}
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), setup_entry.entry_id
    )
    assert len(devices) == MAX_NEW_VEHICLES
    assert [r.levelno >= logging.ERROR for r in caplog.records].count(True) == 0
