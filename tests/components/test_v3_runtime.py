"""A loaded Smartcar API v3 entry: reads, commands, the application token, limits.

Issue 18.2 and 18.5-18.8, driven through Home Assistant's entities, the
webhook and the options flow, with Smartcar's v3 shapes on `aioclient_mock`.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import ATTR_ASSUMED_STATE, ATTR_ENTITY_ID, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks import number
from custom_components.smartcar_webhooks.const import (
    CONF_APPLICATION_ID,
    CONF_FALLBACK_HOURS,
    CONF_MONTHLY_BUDGET,
    CONF_SCOPES,
    CONF_SMARTCAR_USER_ID,
    CONF_VEHICLES,
    DOMAIN,
    MANAGEMENT_API_BASE,
    V3_TOKEN_URL,
    VEHICLE_API_BASE,
)
from custom_components.smartcar_webhooks.usage import UsageCounter
from tests.components.control_common import (
    ALL_SCOPES,
    AUTH_DOMAIN,
    KIA,
    POLESTAR,
    SMARTCAR_WEBHOOK_ID,
    START,
    USER_ID,
    full_state,
    set_up,
    vehicle_state,
)
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, PostDelivery

API_CLIENT_ID = "client_0123456789abcdef"
API_SECRET = "api-client-secret-value"
APPLICATION_ID = "3f9a1c2e-7b4d-4e8f-9a6b-1c2d3e4f5a6b"
KIA_V3 = f"{VEHICLE_API_BASE}/vehicles/{KIA}"
SIGNALS = f"{KIA_V3}/signals"
CONNECTIONS = f"{VEHICLE_API_BASE}/connections"
SUBSCRIPTIONS = f"{MANAGEMENT_API_BASE}/subscriptions"
SWITCH = "switch.kia_ev6_charge"
NUMBER = "number.kia_ev6_charge_limit_setting"
LOCK = "lock.kia_ev6_door_lock"
BUTTON = "button.kia_ev6_request_update"
USAGE = "sensor.kia_ev6_billed_smartcar_calls_this_month"
DONE = {
    "data": {
        "type": "command-execution",
        "attributes": {"status": {"value": "SUCCESS"}, "executionMode": "sync"},
    }
}
PENDING = {
    "data": {
        "type": "command-execution",
        "attributes": {"status": {"value": "PENDING"}, "executionMode": "async"},
    }
}


def v3_data(vehicles: tuple[str, ...] = (KIA,)) -> dict[str, Any]:
    """A v3 entry's data: the Application ID, the user, vehicles with their user."""
    return {
        "webhook_id": WEBHOOK_ID,
        "management_token": MANAGEMENT_TOKEN,
        "cloudhook": False,
        "smartcar_webhook_id": SMARTCAR_WEBHOOK_ID,
        "auth_implementation": AUTH_DOMAIN,
        CONF_APPLICATION_ID: APPLICATION_ID,
        CONF_SMARTCAR_USER_ID: USER_ID,
        CONF_SCOPES: list(ALL_SCOPES),
        CONF_VEHICLES: {
            vehicle_id: {
                "make": "KIA",
                "model": "EV6",
                "year": 2023,
                "user_id": USER_ID,
            }
            for vehicle_id in vehicles
        },
    }


def token(aioclient_mock: AiohttpClientMocker, value: str = "app-token-1") -> None:
    """Smartcar's token endpoint handing out one application token."""
    aioclient_mock.post(
        V3_TOKEN_URL,
        json={"access_token": value, "token_type": "Bearer", "expires_in": 3600},
    )


def signal_item(code: str, body: dict[str, Any], at: str) -> dict[str, Any]:
    """One item of `GET /vehicles/{id}/signals`."""
    return {
        "id": code,
        "type": "signal",
        "attributes": {"code": code, "status": {"value": "SUCCESS"}, "body": body},
        "meta": {"oemUpdatedAt": at, "retrievedAt": at},
    }


def calls(aioclient_mock: AiohttpClientMocker, url: str) -> list[tuple[Any, Any]]:
    """(body, headers) of every request to this URL."""
    return [
        (data, headers)
        for _method, called, data, headers in aioclient_mock.mock_calls
        if str(called).split("?")[0] == url
    ]


@pytest.fixture(autouse=True)
def settle_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A charge limit is sent without waiting (the settling has its own test)."""
    monkeypatch.setattr(number, "SETTLE_SECONDS", 0)


@pytest.fixture(autouse=True)
async def credentials(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """API credentials added; the clock an hour after the car's first report.

    The mocked session first: the entry keeps the session it was set up with.
    """
    freezer.move_to(START + timedelta(hours=1))
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(API_CLIENT_ID, API_SECRET), AUTH_DOMAIN
    )


@pytest.fixture
async def entry(hass: HomeAssistant, post_delivery: PostDelivery) -> MockConfigEntry:
    """A v3 entry with every permission, and the Kia's first delivery."""
    entry = await set_up(hass, v3_data())
    assert (await post_delivery(full_state("first", START))).status == HTTPStatus.OK
    return entry


async def call(
    hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any
) -> None:
    """Call an entity action and wait for it."""
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


def assumed(hass: HomeAssistant, entity_id: str) -> bool:
    """Whether the entity shows a state the car has not confirmed."""
    state = hass.states.get(entity_id)
    assert state is not None
    return bool(state.attributes.get(ATTR_ASSUMED_STATE))


# --- 18.6: commands ------------------------------------------------------------------


@pytest.mark.usefixtures("entry")
@pytest.mark.parametrize(
    ("domain", "service", "entity_id", "data", "path", "body"),
    [
        ("switch", "turn_off", SWITCH, {}, "charge/stop", None),
        ("lock", "unlock", LOCK, {}, "security/unlock", None),
        (
            "number",
            "set_value",
            NUMBER,
            {"value": 90},
            "charge/set-limit",
            {"data": {"attributes": {"percent": 90}}},
        ),
    ],
)
async def test_commands_go_to_v3_with_the_app_token_and_the_user(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    domain: str,
    service: str,
    entity_id: str,
    data: dict[str, Any],
    path: str,
    body: Any,
) -> None:
    token(aioclient_mock)
    aioclient_mock.post(f"{KIA_V3}/commands/{path}", json=DONE)

    await call(hass, domain, service, entity_id, **data)

    ((sent, headers),) = calls(aioclient_mock, f"{KIA_V3}/commands/{path}")
    assert sent == body
    assert headers["Authorization"] == "Bearer app-token-1"
    assert headers["sc-user-id"] == USER_ID
    assert assumed(hass, entity_id)


@pytest.mark.usefixtures("entry")
async def test_a_202_stays_assumed_until_a_delivery_confirms_it(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    token(aioclient_mock)
    aioclient_mock.post(
        f"{KIA_V3}/commands/charge/stop", status=HTTPStatus.ACCEPTED, json=PENDING
    )

    await call(hass, "switch", "turn_off", SWITCH)
    assert hass.states.get(SWITCH).state == "off"
    assert assumed(hass, SWITCH)

    # A delivery recorded before the command confirms nothing.
    await post_delivery(vehicle_state("old", START, charge_ischarging={"value": True}))
    assert assumed(hass, SWITCH)

    freezer.tick(timedelta(minutes=2))
    await post_delivery(
        vehicle_state(
            "new",
            START + timedelta(hours=1, minutes=2),
            charge_ischarging={"value": False},
        )
    )
    assert hass.states.get(SWITCH).state == "off"
    assert not assumed(hass, SWITCH)


@pytest.mark.usefixtures("entry")
async def test_a_refused_command_is_a_translated_error_on_the_control(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    token(aioclient_mock)
    aioclient_mock.post(
        f"{KIA_V3}/commands/charge/start",
        status=HTTPStatus.CONFLICT,
        json={"type": "VEHICLE_STATE", "code": "CHARGING_PLUG_NOT_CONNECTED"},
    )

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "switch", "turn_on", SWITCH)

    assert err.value.translation_key == "not_plugged_in"
    assert hass.states.get(SWITCH).state == STATE_ON
    assert not assumed(hass, SWITCH)


# --- 18.2: one application token ---------------------------------------------------------


@pytest.mark.usefixtures("entry")
async def test_one_token_serves_every_call_and_a_401_renews_it_once(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    tokens = iter(["app-token-1", "app-token-2"])

    async def mint(method: str, url: Any, data: Any) -> Any:
        from tests.smartcar.v3_helpers import answer, token_body

        return answer("post", V3_TOKEN_URL, json=token_body(next(tokens)))

    aioclient_mock.post(V3_TOKEN_URL, side_effect=mint)
    seen: list[str] = []

    async def command(method: str, url: Any, data: Any) -> Any:
        from tests.smartcar.v3_helpers import answer

        auth = aioclient_mock.mock_calls[-1][3]["Authorization"]
        seen.append(auth)
        status = 401 if auth == "Bearer app-token-1" and len(seen) == 3 else 200
        return answer("post", str(url), status=status, json=DONE)

    aioclient_mock.post(f"{KIA_V3}/commands/charge/stop", side_effect=command)
    aioclient_mock.post(f"{KIA_V3}/commands/security/lock", side_effect=command)

    await call(hass, "switch", "turn_off", SWITCH)
    await call(hass, "lock", "lock", LOCK)
    await call(hass, "switch", "turn_off", SWITCH)

    assert seen == [
        "Bearer app-token-1",
        "Bearer app-token-1",
        "Bearer app-token-1",
        "Bearer app-token-2",
    ]
    assert len(calls(aioclient_mock, V3_TOKEN_URL)) == 2


@pytest.mark.usefixtures("entry")
async def test_refused_api_credentials_raise_a_repair_never_a_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aioclient_mock.post(
        V3_TOKEN_URL, status=HTTPStatus.UNAUTHORIZED, json={"error": "invalid_client"}
    )

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "button", "press", BUTTON)

    assert err.value.translation_key == "api_credentials_refused"
    issues = ir.async_get(hass).issues
    assert any(issue_id[1].startswith("api_credentials_refused") for issue_id in issues)
    assert not hass.config_entries.flow.async_progress()
    assert API_SECRET not in caplog.text


@pytest.mark.usefixtures("entry")
async def test_token_endpoint_down_is_a_retry_not_a_repair(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(V3_TOKEN_URL, status=HTTPStatus.BAD_GATEWAY)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "button", "press", BUTTON)

    assert err.value.translation_key == "smartcar_unavailable"
    assert not ir.async_get(hass).issues
    assert not hass.config_entries.flow.async_progress()


# --- 18.5: reads are deliveries ----------------------------------------------------------


async def test_request_update_reads_signals_and_merges_them_like_a_delivery(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
) -> None:
    token(aioclient_mock)
    aioclient_mock.get(
        SIGNALS,
        json={
            "data": [
                signal_item(
                    "tractionbattery-stateofcharge",
                    {"value": 71, "unit": "percent"},
                    "2026-03-02T08:30:00.000Z",
                ),
                {
                    "id": "charge-ischarging",
                    "attributes": {
                        "code": "charge-ischarging",
                        "status": {
                            "value": "ERROR",
                            "error": {"type": "VEHICLE_STATE", "code": "ASLEEP"},
                        },
                    },
                    "meta": {"retrievedAt": "2026-03-02T08:30:00.000Z"},
                },
            ]
        },
    )

    await call(hass, "button", "press", BUTTON)

    ((_, headers),) = calls(aioclient_mock, SIGNALS)
    assert headers["sc-user-id"] == USER_ID
    assert hass.states.get("sensor.kia_ev6_battery").state == "71.0"
    assert hass.states.get(USAGE).state == "1"


async def test_a_read_never_beats_a_newer_delivery(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
) -> None:
    token(aioclient_mock)
    aioclient_mock.get(
        SIGNALS,
        json={
            "data": [
                signal_item(
                    "tractionbattery-stateofcharge",
                    {"value": 50, "unit": "percent"},
                    "2026-03-02T07:00:00.000Z",
                )
            ]
        },
    )

    await call(hass, "button", "press", BUTTON)

    assert hass.states.get("sensor.kia_ev6_battery").state == "67.0"


# --- 18.8: limits ----------------------------------------------------------------------


@pytest.mark.usefixtures("entry")
async def test_a_429_waits_as_smartcar_says(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    token(aioclient_mock)
    aioclient_mock.get(
        SIGNALS,
        status=HTTPStatus.TOO_MANY_REQUESTS,
        json={"type": "RATE_LIMIT", "code": "VEHICLE"},
        headers={"retry-after": "120"},
    )

    with pytest.raises(HomeAssistantError) as first:
        await call(hass, "button", "press", BUTTON)
    freezer.tick(timedelta(seconds=60))
    with pytest.raises(HomeAssistantError) as second:
        await call(hass, "button", "press", BUTTON)

    assert first.value.translation_key == "rate_limited_retry"
    assert second.value.translation_placeholders == {"seconds": "60"}
    assert len(calls(aioclient_mock, SIGNALS)) == 1


@pytest.mark.usefixtures("entry")
async def test_a_430_is_a_repair(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    token(aioclient_mock)
    aioclient_mock.post(
        f"{KIA_V3}/commands/security/lock",
        status=430,
        json={"type": "BILLING", "code": "VEHICLE_REQUEST_LIMIT"},
    )

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "lock", "lock", LOCK)

    assert err.value.translation_key == "billing_limit"
    assert any(i[1].startswith("billing_limit") for i in ir.async_get(hass).issues)


async def test_billed_calls_are_counted_per_vehicle_and_month_and_kept(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    token(aioclient_mock)
    aioclient_mock.post(f"{KIA_V3}/commands/charge/stop", json=DONE)

    await call(hass, "switch", "turn_off", SWITCH)
    await call(hass, "switch", "turn_off", SWITCH)
    assert hass.states.get(USAGE).state == "2"

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(USAGE).state == "2"

    freezer.move_to(START.replace(month=4, day=1))
    usage = UsageCounter(hass, entry.entry_id)
    await usage.async_load()
    assert usage.count(KIA, START.replace(month=4, day=1)) == 0
    assert usage.count(KIA, START) == 2


async def test_the_budget_stops_only_the_fallback_read(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up(
        hass, v3_data(), {CONF_FALLBACK_HOURS: 1, CONF_MONTHLY_BUDGET: 1}
    )
    await post_delivery(full_state("first", START))
    token(aioclient_mock)
    aioclient_mock.post(f"{KIA_V3}/commands/charge/stop", json=DONE)
    aioclient_mock.get(SIGNALS, json={"data": []})
    await call(hass, "switch", "turn_off", SWITCH)  # the budget is spent

    freezer.tick(timedelta(hours=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not calls(aioclient_mock, SIGNALS)
    assert any(i[1].startswith("budget_reached") for i in ir.async_get(hass).issues)
    await call(hass, "switch", "turn_off", SWITCH)  # a press still goes out
    assert len(calls(aioclient_mock, f"{KIA_V3}/commands/charge/stop")) == 2
    assert entry.options[CONF_MONTHLY_BUDGET] == 1

    # A new month: the count starts at zero, the fallback reads, the notice goes.
    freezer.move_to(START.replace(month=4, day=1, hour=12))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert len(calls(aioclient_mock, SIGNALS)) == 1
    assert not any(i[1].startswith("budget_reached") for i in ir.async_get(hass).issues)


# --- 18.7: deliveries name the user; unknown events --------------------------------------


@pytest.mark.usefixtures("entry")
async def test_a_signed_event_of_an_unknown_type_is_acknowledged_and_ignored(
    hass: HomeAssistant, post_delivery: PostDelivery, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "eventId": "c0ffee00-0000-4000-8000-000000000001",
        "eventType": "VEHICLE_CONNECTION_STATUS",
        "data": {"user": {"id": USER_ID}, "vehicle": {"id": KIA}},
        "meta": {"version": "4.0", "webhookId": SMARTCAR_WEBHOOK_ID},
    }

    response = await post_delivery(body)

    assert response.status == HTTPStatus.OK
    assert (await response.json()) == {"status": "ignored"}
    assert "VEHICLE_CONNECTION_STATUS" in caplog.text
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


async def test_a_delivery_attaches_a_new_vehicle_of_the_user(
    hass: HomeAssistant, entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(full_state("polestar", START, POLESTAR))

    assert entry.data[CONF_VEHICLES][POLESTAR]["user_id"] == USER_ID


async def test_a_delivery_of_another_user_attaches_nothing(
    hass: HomeAssistant, entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    body = full_state("other", START, POLESTAR)
    body["data"]["user"]["id"] = "0c5f64a5-5d4c-4b43-9c2a-0f3a8f5b1e77"

    await post_delivery(body)

    assert POLESTAR not in entry.data[CONF_VEHICLES]


# --- 18.3 and 18.4: options list connections again; removal unsubscribes ---------------


async def test_options_show_a_vanished_connection_as_a_repair(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry
) -> None:
    token(aioclient_mock)
    aioclient_mock.get(CONNECTIONS, json={"data": [], "links": {"next": None}})
    result = await hass.config_entries.options.async_init(entry.entry_id)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "vehicles"}
    )

    ((_, headers),) = calls(aioclient_mock, CONNECTIONS)
    assert headers["Authorization"] == "Bearer app-token-1"
    assert any(i[1].startswith("connection_gone") for i in ir.async_get(hass).issues)
    assert KIA in entry.data[CONF_VEHICLES]  # never silently dropped
    assert result["step_id"] == "vehicles"


async def test_removing_the_entry_unsubscribes_through_management(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry
) -> None:
    token(aioclient_mock)
    aioclient_mock.get(
        SUBSCRIPTIONS,
        json={
            "data": [
                {
                    "id": "sub-1",
                    "type": "subscription",
                    "attributes": {"webhookId": SMARTCAR_WEBHOOK_ID, "vehicleId": KIA},
                }
            ]
        },
    )
    aioclient_mock.delete(f"{SUBSCRIPTIONS}/sub-1", status=HTTPStatus.NO_CONTENT)

    await hass.config_entries.async_remove(entry.entry_id)

    assert calls(aioclient_mock, f"{SUBSCRIPTIONS}/sub-1")
