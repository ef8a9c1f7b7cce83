"""Acting on the car through Home Assistant: charging, charge limit and door locks.

Smartcar is mocked with `aioclient_mock`; the car reports through the webhook.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from aiohttp import ClientError
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.lock import LockState
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, UnknownImplementationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks import number
from custom_components.smartcar_webhooks.const import CONF_SCOPES, DOMAIN, OAUTH2_TOKEN
from custom_components.smartcar_webhooks.diagnostics import (
    async_get_config_entry_diagnostics,
)
from tests.components.control_common import (
    ACCESS_TOKEN,
    ALL_SCOPES,
    KIA_API,
    POLESTAR,
    START,
    SUCCESS,
    add_credentials,
    connect_data,
    full_state,
    set_up,
    smartcar_error,
    vehicle_state,
)
from tests.conftest import PostDelivery

SWITCH = "switch.kia_ev6_charge"
NUMBER = "number.kia_ev6_charge_limit_setting"
LOCK = "lock.kia_ev6_door_lock"
BUTTON = "button.kia_ev6_request_update"
READ_ONLY = tuple(scope for scope in ALL_SCOPES if not scope.startswith("control"))


@pytest.fixture(autouse=True)
async def credentials(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Credentials added, and the clock an hour after the car's first report."""
    freezer.move_to(START + timedelta(hours=1))
    await add_credentials(hass)


@pytest.fixture(autouse=True)
def settle_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A charge limit is sent without waiting (the settling has its own test)."""
    monkeypatch.setattr(number, "SETTLE_SECONDS", 0)


@pytest.fixture
async def entry(hass: HomeAssistant, post_delivery: PostDelivery) -> MockConfigEntry:
    """A Connect entry with every permission, and the Kia's first report."""
    entry = await set_up(hass, connect_data())
    await post_delivery(full_state("first", START))
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


def sent(aioclient_mock: AiohttpClientMocker) -> list[tuple[str, str, Any]]:
    """Method, URL and JSON body of every request to Smartcar's API."""
    return [
        (method.upper(), str(url), data)
        for method, url, data, _headers in aioclient_mock.mock_calls
    ]


# --- which controls exist ----------------------------------------------------


@pytest.mark.usefixtures("entry")
async def test_connect_vehicle_with_every_permission_gets_every_control(
    hass: HomeAssistant,
) -> None:
    assert hass.states.get(SWITCH).state == STATE_ON
    assert hass.states.get(NUMBER).state == "80.0"
    assert hass.states.get(LOCK).state == LockState.LOCKED
    assert hass.states.get(BUTTON) is not None
    for entity_id in (SWITCH, NUMBER, LOCK):
        assert not assumed(hass, entity_id)


async def test_webhook_only_entry_stays_read_only(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(full_state("first", START))

    assert hass.states.get("binary_sensor.kia_ev6_charging") is not None
    for entity_id in (SWITCH, NUMBER, LOCK, BUTTON):
        assert hass.states.get(entity_id) is None


async def test_entry_from_before_the_choice_can_only_request_updates(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    await set_up(hass, connect_data(scopes=None))
    await post_delivery(full_state("first", START))

    assert hass.states.get(BUTTON) is not None
    for entity_id in (SWITCH, NUMBER, LOCK):
        assert hass.states.get(entity_id) is None


async def test_charge_permission_alone_gives_charging_controls_only(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    await set_up(hass, connect_data(scopes=(*READ_ONLY, "control_charge")))
    await post_delivery(full_state("first", START))

    assert hass.states.get(SWITCH) is not None
    assert hass.states.get(NUMBER) is not None
    assert hass.states.get(LOCK) is None


async def test_the_tokens_own_scope_decides_over_what_was_asked(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    await set_up(
        hass, connect_data(token_scope="read_charge read_security control_security")
    )
    await post_delivery(full_state("first", START))

    assert hass.states.get(LOCK) is not None
    assert hass.states.get(SWITCH) is None


async def test_vehicle_not_signed_in_with_connect_gets_no_controls(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    await set_up(hass, connect_data())

    await post_delivery(full_state("polestar", START, vehicle_id=POLESTAR))

    registry = er.async_get(hass)
    platforms = {
        entity.domain
        for entity in registry.entities.values()
        if entity.unique_id.startswith(POLESTAR)
    }
    assert "binary_sensor" in platforms
    assert platforms.isdisjoint({"switch", "number", "lock", "button"})


# --- a controllable car shows each fact once (issue 21.4) ---------------------

CHARGE_LIMIT_SENSOR = "sensor.kia_ev6_charge_limit"
LOCK_SENSOR = "binary_sensor.kia_ev6_lock"


@pytest.mark.usefixtures("entry")
async def test_controlled_car_shows_charge_limit_and_lock_only_on_the_controls(
    hass: HomeAssistant,
) -> None:
    assert hass.states.get(NUMBER) is not None
    assert hass.states.get(LOCK) is not None
    assert hass.states.get(CHARGE_LIMIT_SENSOR) is None
    assert hass.states.get(LOCK_SENSOR) is None


async def test_webhook_only_entry_keeps_the_charge_limit_and_lock_sensors(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(full_state("first", START))

    assert hass.states.get(CHARGE_LIMIT_SENSOR) is not None
    assert hass.states.get(LOCK_SENSOR) is not None


async def test_without_a_control_permission_its_sensor_stays(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    await set_up(hass, connect_data(scopes=(*READ_ONLY, "control_charge")))
    await post_delivery(full_state("first", START))

    assert hass.states.get(CHARGE_LIMIT_SENSOR) is None
    assert hass.states.get(LOCK_SENSOR) is not None  # no Door lock shows it


async def test_vehicle_not_signed_in_with_connect_keeps_its_sensors(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    await set_up(hass, connect_data())

    await post_delivery(full_state("polestar", START, vehicle_id=POLESTAR))

    keys = {
        entity.unique_id.removeprefix(f"{POLESTAR}_")
        for entity in er.async_get(hass).entities.values()
        if entity.unique_id.startswith(POLESTAR)
    }
    assert {"charge_limit", "locked"} <= keys


async def test_sensor_left_from_before_the_controls_is_removed(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    entry = await set_up(hass, connect_data(scopes=READ_ONLY))
    await post_delivery(full_state("first", START))
    registry = er.async_get(hass)
    assert registry.async_get(CHARGE_LIMIT_SENSOR) is not None
    assert registry.async_get(LOCK_SENSOR) is not None

    # A reauth granting the controls: the entry reloads with them.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_SCOPES: list(ALL_SCOPES)}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert registry.async_get(CHARGE_LIMIT_SENSOR) is None
    assert registry.async_get(LOCK_SENSOR) is None
    assert hass.states.get(NUMBER) is not None
    assert hass.states.get(LOCK) is not None


async def test_a_control_appears_when_the_car_first_reports_its_field(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    await set_up(hass, connect_data())
    assert hass.states.get(BUTTON) is not None
    assert hass.states.get(SWITCH) is None

    await post_delivery(
        vehicle_state("charging", START, charge_ischarging={"value": False})
    )

    assert hass.states.get(SWITCH).state == STATE_OFF
    assert hass.states.get(LOCK) is None


# --- commands ----------------------------------------------------------------


@pytest.mark.usefixtures("entry")
@pytest.mark.parametrize(
    ("domain", "service", "entity_id", "data", "path", "body", "shown"),
    [
        ("switch", "turn_off", SWITCH, {}, "/charge", {"action": "STOP"}, STATE_OFF),
        ("lock", "unlock", LOCK, {}, "/security", {"action": "UNLOCK"}, "unlocked"),
        (
            "number",
            "set_value",
            NUMBER,
            {"value": 90},
            "/charge/limit",
            {"limit": 0.9},
            "90.0",
        ),
    ],
)
async def test_accepted_command_shows_its_intent_as_assumed_at_once(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    domain: str,
    service: str,
    entity_id: str,
    data: dict[str, Any],
    path: str,
    body: dict[str, Any],
    shown: str,
) -> None:
    aioclient_mock.post(f"{KIA_API}{path}", json=SUCCESS)

    await call(hass, domain, service, entity_id, **data)

    assert sent(aioclient_mock) == [("POST", f"{KIA_API}{path}", body)]
    assert aioclient_mock.mock_calls[0][3]["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert hass.states.get(entity_id).state == shown
    assert assumed(hass, entity_id)


@pytest.mark.usefixtures("entry")
async def test_start_and_stop_charging_send_start_and_stop(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge", json=SUCCESS)

    await call(hass, "switch", "turn_off", SWITCH)
    await call(hass, "switch", "turn_on", SWITCH)

    assert [body for _, _, body in sent(aioclient_mock)] == [
        {"action": "STOP"},
        {"action": "START"},
    ]
    assert hass.states.get(SWITCH).state == STATE_ON


@pytest.mark.usefixtures("entry")
async def test_lock_sends_lock(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(f"{KIA_API}/security", json=SUCCESS)

    await call(hass, "lock", "lock", LOCK)

    assert sent(aioclient_mock) == [("POST", f"{KIA_API}/security", {"action": "LOCK"})]
    assert hass.states.get(LOCK).state == LockState.LOCKED
    assert assumed(hass, LOCK)


@pytest.mark.usefixtures("entry")
async def test_charge_limit_outside_the_range_is_refused_by_home_assistant(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    state = hass.states.get(NUMBER)
    assert (state.attributes["min"], state.attributes["max"]) == (50, 100)

    with pytest.raises(Exception, match="range"):
        await call(hass, "number", "set_value", NUMBER, value=40)

    assert aioclient_mock.mock_calls == []


# --- assumed -> confirmed ------------------------------------------------------


@pytest.mark.usefixtures("entry")
async def test_car_confirming_the_command_ends_the_assumption(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge", json=SUCCESS)
    await call(hass, "switch", "turn_off", SWITCH)
    freezer.tick(timedelta(minutes=2))

    await post_delivery(
        vehicle_state(
            "stopped",
            START + timedelta(hours=1, minutes=1),
            charge_ischarging={"value": False},
        )
    )

    assert hass.states.get(SWITCH).state == STATE_OFF
    assert not assumed(hass, SWITCH)


@pytest.mark.usefixtures("entry")
async def test_car_contradicting_the_command_is_followed(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge", json=SUCCESS)
    await call(hass, "switch", "turn_off", SWITCH)
    freezer.tick(timedelta(minutes=2))

    # Still charging, recorded after the command: the value did not change.
    await post_delivery(
        vehicle_state(
            "still",
            START + timedelta(hours=1, minutes=1),
            charge_ischarging={"value": True},
        )
    )

    assert hass.states.get(SWITCH).state == STATE_ON
    assert not assumed(hass, SWITCH)


@pytest.mark.usefixtures("entry")
async def test_arrow_key_steps_send_one_command_when_the_value_settles(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 19.6: 80 -> 75 % with the arrow keys sent five commands."""
    monkeypatch.setattr(number, "SETTLE_SECONDS", 1.5)
    aioclient_mock.post(f"{KIA_API}/charge/limit", json=SUCCESS)
    steps = []
    for value in (79, 78, 77, 76, 75):
        steps.append(
            hass.async_create_task(
                call(hass, "number", "set_value", NUMBER, value=value)
            )
        )
        freezer.tick(timedelta(seconds=0.3))
        async_fire_time_changed(hass)
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await asyncio.gather(*steps)

    sent = [
        data
        for method, url, data, _headers in aioclient_mock.mock_calls
        if method.upper() == "POST" and url.path.endswith("/charge/limit")
    ]
    assert sent == [{"limit": 0.75}]
    assert hass.states.get(NUMBER).state == "75.0"


@pytest.mark.usefixtures("entry")
async def test_reading_recorded_before_the_command_keeps_the_intent(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge/limit", json=SUCCESS)
    await call(hass, "number", "set_value", NUMBER, value=90)
    freezer.tick(timedelta(minutes=2))

    # A late delivery of what the car recorded before the command.
    await post_delivery(
        vehicle_state(
            "late",
            START + timedelta(minutes=30),
            charge_chargelimits={"activeLimit": 70, "unit": "percent", "values": []},
        )
    )

    assert hass.states.get(NUMBER).state == "90.0"
    assert assumed(hass, NUMBER)


@pytest.mark.usefixtures("entry")
async def test_other_fields_reported_after_the_command_keep_the_intent(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(f"{KIA_API}/security", json=SUCCESS)
    await call(hass, "lock", "unlock", LOCK)
    freezer.tick(timedelta(minutes=2))

    await post_delivery(
        vehicle_state(
            "battery",
            START + timedelta(hours=1, minutes=1),
            tractionbattery_stateofcharge={"value": 70, "unit": "percent"},
        )
    )

    assert hass.states.get(LOCK).state == LockState.UNLOCKED
    assert assumed(hass, LOCK)


@pytest.mark.usefixtures("entry")
async def test_intent_is_not_persisted_a_restart_shows_the_car(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(f"{KIA_API}/security", json=SUCCESS)
    await call(hass, "lock", "unlock", LOCK)

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(LOCK).state == LockState.LOCKED
    assert not assumed(hass, LOCK)


# --- refusals ----------------------------------------------------------------


@pytest.mark.usefixtures("entry")
@pytest.mark.parametrize(
    ("status", "body", "headers", "key", "placeholders"),
    [
        (
            409,
            smartcar_error("VEHICLE_STATE", "ASLEEP", 409),
            None,
            "vehicle_asleep",
            None,
        ),
        (
            409,
            smartcar_error("VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED", 409),
            None,
            "not_plugged_in",
            None,
        ),
        (
            409,
            smartcar_error("VEHICLE_STATE", "DOOR_OPEN", 409),
            None,
            "vehicle_state",
            {"code": "DOOR_OPEN"},
        ),
        (
            429,
            smartcar_error("RATE_LIMIT", "VEHICLE", 429, "RETRY_LATER"),
            {"retry-after": "90.5"},
            "rate_limited_retry",
            {"seconds": "91"},
        ),
        (
            429,
            smartcar_error("RATE_LIMIT", "SMARTCAR_API", 429, "RETRY_LATER"),
            None,
            "rate_limited",
            None,
        ),
        (
            502,
            smartcar_error("UPSTREAM", "NO_RESPONSE", 502, "RETRY_LATER"),
            None,
            "smartcar_unavailable",
            None,
        ),
        (
            430,
            smartcar_error("BILLING", "VEHICLE_REQUEST_LIMIT", 430),
            None,
            "smartcar_refused",
            {"error": "BILLING/VEHICLE_REQUEST_LIMIT"},
        ),
    ],
)
async def test_refused_command_raises_a_translated_reason_and_changes_nothing(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None,
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge", status=status, json=body, headers=headers)

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "switch", "turn_off", SWITCH)

    assert (caught.value.translation_domain, caught.value.translation_key) == (
        DOMAIN,
        key,
    )
    assert caught.value.translation_placeholders == placeholders
    assert hass.states.get(SWITCH).state == STATE_ON
    assert not assumed(hass, SWITCH)


@pytest.mark.usefixtures("entry")
async def test_refusal_reads_as_its_english_message(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(
        f"{KIA_API}/charge",
        status=409,
        json=smartcar_error("VEHICLE_STATE", "ASLEEP", 409),
    )

    with pytest.raises(HomeAssistantError, match="The car is asleep"):
        await call(hass, "switch", "turn_on", SWITCH)


@pytest.mark.parametrize(
    ("status", "body", "key"),
    [
        (
            401,
            smartcar_error("AUTHENTICATION", None, 401, "REAUTHENTICATE"),
            "invalid_auth",
        ),
        (
            403,
            smartcar_error("PERMISSION", None, 403, "REAUTHENTICATE"),
            "missing_permission",
        ),
    ],
)
async def test_refused_token_or_permission_starts_reauth(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: int,
    body: dict[str, Any],
    key: str,
) -> None:
    aioclient_mock.post(f"{KIA_API}/security", status=status, json=body)

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "lock", "unlock", LOCK)
    await hass.async_block_till_done()

    assert caught.value.translation_key == key
    assert list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def test_refresh_token_refused_starts_reauth_before_any_command(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    token = {**entry.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(entry, data={**entry.data, "token": token})
    aioclient_mock.post(
        "https://auth.smartcar.com/oauth/token",
        status=400,
        json={"error": "invalid_grant"},
    )

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "switch", "turn_off", SWITCH)
    await hass.async_block_till_done()

    assert caught.value.translation_key == "reauth_required"
    assert list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert all("/charge" not in url for _, url, _ in sent(aioclient_mock))


@pytest.mark.usefixtures("entry")
async def test_car_not_capable_disables_the_control(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(
        f"{KIA_API}/charge/limit",
        status=501,
        json=smartcar_error("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501),
    )

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "number", "set_value", NUMBER, value=70)

    assert caught.value.translation_key == "not_capable"
    entity = er.async_get(hass).async_get(NUMBER)
    assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert er.async_get(hass).async_get(SWITCH).disabled_by is None


async def test_control_of_a_withdrawn_permission_is_removed(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    # A reauth granting less: the entry reloads with the read permissions only.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_SCOPES: list(READ_ONLY)}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    registry = er.async_get(hass)
    for entity_id in (SWITCH, NUMBER, LOCK):
        assert registry.async_get(entity_id) is None
    assert registry.async_get(BUTTON) is not None


@pytest.mark.usefixtures("entry")
async def test_smartcar_out_of_reach_raises_cannot_connect(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge", exc=ClientError())

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "switch", "turn_on", SWITCH)

    assert caught.value.translation_key == "cannot_connect"


@pytest.mark.usefixtures("entry")
async def test_refusal_without_a_type_names_the_http_status(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(f"{KIA_API}/security", status=404, json={})

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "lock", "lock", LOCK)

    assert caught.value.translation_key == "smartcar_refused"
    assert caught.value.translation_placeholders == {"error": "HTTP 404"}


async def test_token_endpoint_failing_raises_cannot_connect_without_reauth(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    token = {**entry.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(entry, data={**entry.data, "token": token})
    aioclient_mock.post(OAUTH2_TOKEN, status=503)

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "switch", "turn_off", SWITCH)
    await hass.async_block_till_done()

    assert caught.value.translation_key == "cannot_connect"
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def test_missing_credentials_are_explained(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    """Credentials removed while the entry runs: the control says so."""
    await set_up(hass, connect_data())
    await post_delivery(full_state("first", START))

    with (
        patch(
            "custom_components.smartcar_webhooks.connect.ConnectSession.async_access_token",
            side_effect=UnknownImplementationError,
        ),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await call(hass, "switch", "turn_off", SWITCH)

    assert caught.value.translation_key == "missing_credentials"


async def test_diagnostics_name_the_granted_permissions_and_options(
    hass: HomeAssistant,
) -> None:
    entry = await set_up(
        hass,
        connect_data(token_scope="read_battery control_charge"),
    )
    hass.config_entries.async_update_entry(entry, options={"fallback_hours": 6})

    result = await async_get_config_entry_diagnostics(hass, entry)

    assert result["permissions"] == ["control_charge", "read_battery"]
    assert result["options"] == {"fallback_hours": 6}
    assert result["entry"]["token"] == "**REDACTED**"


@pytest.mark.usefixtures("entry")
async def test_renamed_control_keeps_its_intent_and_follows_the_car(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge", json=SUCCESS)
    await call(hass, "switch", "turn_off", SWITCH)

    er.async_get(hass).async_update_entity(SWITCH, new_entity_id="switch.my_car")
    await hass.async_block_till_done()
    assert assumed(hass, "switch.my_car")
    freezer.tick(timedelta(minutes=2))
    await post_delivery(
        vehicle_state(
            "after",
            START + timedelta(hours=1, minutes=1),
            charge_ischarging={"value": True},
        )
    )

    assert hass.states.get("switch.my_car").state == STATE_ON
    assert not assumed(hass, "switch.my_car")


async def test_a_control_whose_latest_reading_is_an_error_is_unavailable(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    """entity-unavailable: controls follow the car's readings like every entity."""
    await set_up(hass, connect_data())
    await post_delivery(full_state("first", START))
    later = full_state("later", START + timedelta(minutes=5))
    lock_signal = next(
        signal
        for signal in later["data"]["signals"]
        if signal["code"] == "closure-islocked"
    )
    lock_signal.pop("body")
    lock_signal["status"] = {
        "value": "ERROR",
        "error": {"type": "VEHICLE_STATE", "code": "UNREACHABLE"},
    }

    await post_delivery(later)

    assert hass.states.get(LOCK).state == STATE_UNAVAILABLE
    assert hass.states.get(SWITCH).state == STATE_ON


@pytest.mark.usefixtures("entry")
async def test_a_value_still_settling_when_the_entry_unloads_sends_nothing(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(number, "SETTLE_SECONDS", 1.5)
    aioclient_mock.post(f"{KIA_API}/charge/limit", json=SUCCESS)
    step = hass.async_create_task(call(hass, "number", "set_value", NUMBER, value=60))

    assert await hass.config_entries.async_unload(entry.entry_id)
    await step

    assert not [c for c in aioclient_mock.mock_calls if "/charge/limit" in str(c[1])]
