"""Fresh readings through Smartcar's API: the button, the action and the fallback.

A read is merged like a delivery: the value the car recorded most recently wins.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_ENTITY_ID,
    STATE_OFF,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.const import (
    CONF_FALLBACK_HOURS,
    DOMAIN,
    OAUTH2_TOKEN,
)
from custom_components.smartcar_webhooks.control import FALLBACK_CHECK_INTERVAL
from tests.components.control_common import (
    ACCESS_TOKEN,
    API,
    KIA,
    KIA_API,
    POLESTAR,
    START,
    SUCCESS,
    add_credentials,
    batch_item,
    connect_data,
    full_state,
    set_up,
    smartcar_error,
    vehicle_state,
)
from tests.conftest import PostDelivery

BUTTON = "button.kia_ev6_request_update"
BATCH = f"{KIA_API}/batch"
NOW = START + timedelta(hours=1)
# In the signal registry's order.
EVERY_PATH = [
    "/battery",
    "/charge",
    "/odometer",
    "/charge/limit",
    "/battery/nominal_capacity",
    "/fuel",
    "/engine/oil",
    "/tires/pressure",
    "/security",
    "/location",
]


@pytest.fixture(autouse=True)
async def credentials(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Credentials added, and the clock an hour after the car's first report."""
    freezer.move_to(NOW)
    await add_credentials(hass)


@pytest.fixture
async def entry(hass: HomeAssistant, post_delivery: PostDelivery) -> MockConfigEntry:
    """A Connect entry with every permission, and the Kia's first report."""
    entry = await set_up(hass, connect_data())
    await post_delivery(full_state("first", START))
    return entry


def batch_requests(aioclient_mock: AiohttpClientMocker) -> list[tuple[str, Any]]:
    """URL and body of every batch read sent."""
    return [
        (str(url), data)
        for method, url, data, _headers in aioclient_mock.mock_calls
        if method.upper() == "POST" and url.path.endswith("/batch")
    ]


def answer(*items: dict[str, Any]) -> dict[str, Any]:
    """A batch answer."""
    return {"responses": list(items)}


async def press(hass: HomeAssistant) -> None:
    """Press the Kia's "Request update" button."""
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: BUTTON}, blocking=True
    )


async def request_update(hass: HomeAssistant, **data: Any) -> None:
    """Call the integration's action."""
    await hass.services.async_call(DOMAIN, "request_update", data, blocking=True)


def state(hass: HomeAssistant, entity_id: str) -> str:
    """An entity's state."""
    current = hass.states.get(entity_id)
    assert current is not None
    return current.state


# --- the button --------------------------------------------------------------


@pytest.mark.usefixtures("entry")
async def test_button_reads_every_granted_endpoint_in_one_batch(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(BATCH, json=answer())

    await press(hass)

    assert batch_requests(aioclient_mock) == [
        (BATCH, {"requests": [{"path": path} for path in EVERY_PATH]})
    ]
    assert aioclient_mock.mock_calls[0][3]["Authorization"] == f"Bearer {ACCESS_TOKEN}"


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "entry")
async def test_fresh_values_reach_the_entities_with_the_cars_time(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    at = NOW - timedelta(minutes=5)
    aioclient_mock.post(
        BATCH,
        json=answer(
            batch_item("/battery", {"percentRemaining": 0.72, "range": 310}, at),
            batch_item("/odometer", {"distance": 18300.5}, at),
        ),
    )

    await press(hass)

    assert state(hass, "sensor.kia_ev6_battery") == "72.0"
    assert state(hass, "sensor.kia_ev6_odometer") == "18300.5"
    assert state(hass, "sensor.kia_ev6_last_update") == at.isoformat()


@pytest.mark.usefixtures("entry")
async def test_a_read_older_than_a_delivery_loses(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    # The car's cached value from before the last delivery.
    aioclient_mock.post(
        BATCH,
        json=answer(
            batch_item(
                "/battery",
                {"percentRemaining": 0.5, "range": 200},
                START - timedelta(hours=3),
            )
        ),
    )

    await press(hass)

    assert state(hass, "sensor.kia_ev6_battery") == "67.0"


@pytest.mark.usefixtures("entry")
async def test_an_endpoint_the_car_cannot_answer_is_not_asked_again(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    not_capable = smartcar_error("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501)
    aioclient_mock.post(
        BATCH,
        json=answer(
            {"path": "/fuel", "body": not_capable, "code": 501, "headers": {}},
            {"path": "/engine/oil", "body": not_capable, "code": 501, "headers": {}},
        ),
    )

    await press(hass)
    await press(hass)

    first, second = (body for _, body in batch_requests(aioclient_mock))
    assert {"path": "/fuel"} in first["requests"]
    asked = [request["path"] for request in second["requests"]]
    assert asked == [p for p in EVERY_PATH if p not in ("/fuel", "/engine/oil")]


@pytest.mark.usefixtures("entry")
async def test_a_refused_endpoint_makes_only_its_entities_unavailable(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    asleep = smartcar_error("VEHICLE_STATE", "ASLEEP", 409)
    aioclient_mock.post(
        BATCH,
        json=answer(
            {"path": "/battery", "body": asleep, "code": 409, "headers": {}},
            batch_item("/odometer", {"distance": 18300.5}, NOW),
        ),
    )

    await press(hass)

    assert state(hass, "sensor.kia_ev6_battery") == "unavailable"
    assert state(hass, "sensor.kia_ev6_odometer") == "18300.5"


@pytest.mark.usefixtures("entry")
async def test_a_read_refused_as_a_whole_raises_its_reason(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(
        BATCH,
        status=429,
        headers={"retry-after": "60"},
        json=smartcar_error("RATE_LIMIT", "VEHICLE", 429, "RETRY_LATER"),
    )

    with pytest.raises(HomeAssistantError) as caught:
        await press(hass)

    assert caught.value.translation_key == "rate_limited_retry"
    assert caught.value.translation_placeholders == {"seconds": "60"}
    assert state(hass, "sensor.kia_ev6_battery") == "67.0"


@pytest.mark.usefixtures("entry")
@pytest.mark.parametrize(
    ("status", "headers", "body", "key", "placeholders"),
    [
        (
            429,
            {"retry-after": "9" * 301},
            {"type": "RATE_LIMIT", "code": "VEHICLE"},
            "rate_limited",
            None,
        ),
        (
            429,
            {"retry-after": "1e9"},
            {"type": "RATE_LIMIT", "code": "VEHICLE"},
            "rate_limited_retry",
            {"seconds": "86400"},
        ),
        (
            400,
            {},
            {
                "type": "X" * 5000 + "\n2026-12-08 ERROR forged line",
                "code": "BAD\u202eCODE",
                "description": "D" * 5105,
            },
            "smartcar_refused",
            {"error": "HTTP 400"},
        ),
        (
            400,
            {},
            {"type": "VALIDATION", "code": "SOMETHING\nFORGED"},
            "smartcar_refused",
            {"error": "VALIDATION"},
        ),
    ],
    ids=["301-digit-retry", "huge-retry", "forged-type", "forged-code"],
)
async def test_text_of_an_api_error_is_clean_and_bounded(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    status: int,
    headers: dict[str, str],
    body: dict[str, Any],
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    """Issue 19.7: an API answer's text reaches messages and a debug line."""
    caplog.set_level(logging.DEBUG)
    aioclient_mock.post(BATCH, status=status, headers=headers, json=body)

    with pytest.raises(HomeAssistantError) as caught:
        await press(hass)

    assert caught.value.translation_key == key
    assert caught.value.translation_placeholders == placeholders
    ours = [r.getMessage() for r in caplog.records if "smartcar" in r.name]
    assert all(len(line) < 300 and line.isprintable() for line in ours)


async def test_nothing_readable_raises_without_asking_smartcar(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
) -> None:
    await set_up(hass, connect_data(token_scope="read_vehicle_info read_fuel"))
    await post_delivery(full_state("first", START))
    not_capable = smartcar_error("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501)
    aioclient_mock.post(
        BATCH,
        json=answer({"path": "/fuel", "body": not_capable, "code": 501, "headers": {}}),
    )
    await press(hass)

    with pytest.raises(HomeAssistantError) as caught:
        await press(hass)

    assert caught.value.translation_key == "nothing_to_read"
    assert len(batch_requests(aioclient_mock)) == 1


@pytest.mark.usefixtures("entry")
async def test_an_update_confirms_a_command(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(f"{KIA_API}/charge", json=SUCCESS)
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: "switch.kia_ev6_charge"}, blocking=True
    )
    freezer.tick(timedelta(minutes=1))
    aioclient_mock.post(
        BATCH,
        json=answer(
            batch_item(
                "/charge",
                {"isPluggedIn": True, "state": "NOT_CHARGING"},
                NOW + timedelta(seconds=30),
            )
        ),
    )

    await press(hass)

    switch = hass.states.get("switch.kia_ev6_charge")
    assert switch.state == STATE_OFF
    assert not switch.attributes.get(ATTR_ASSUMED_STATE)


# --- the action ----------------------------------------------------------------


async def test_action_exists_without_any_entry(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})

    assert hass.services.has_service(DOMAIN, "request_update")


async def test_action_reads_every_connect_vehicle_of_the_entry(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    post_delivery: PostDelivery,
) -> None:
    entry = await set_up(hass, connect_data(vehicles=(KIA, POLESTAR)))
    for vehicle_id in (KIA, POLESTAR):
        aioclient_mock.post(f"{API}/{vehicle_id}/batch", json=answer())

    await request_update(hass, **{ATTR_CONFIG_ENTRY_ID: entry.entry_id})

    assert sorted(url for url, _ in batch_requests(aioclient_mock)) == sorted(
        f"{API}/{vehicle_id}/batch" for vehicle_id in (KIA, POLESTAR)
    )


async def test_action_without_an_entry_uses_the_only_one(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    await set_up(hass, connect_data())
    aioclient_mock.post(BATCH, json=answer())

    await request_update(hass)

    assert [url for url, _ in batch_requests(aioclient_mock)] == [BATCH]


async def test_action_for_one_device_reads_only_that_vehicle(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await set_up(hass, connect_data(vehicles=(KIA, POLESTAR)))
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, POLESTAR), entry.entry_id
    )
    aioclient_mock.post(f"{API}/{POLESTAR}/batch", json=answer())

    await request_update(hass, **{ATTR_DEVICE_ID: device.id})

    assert [url for url, _ in batch_requests(aioclient_mock)] == [
        f"{API}/{POLESTAR}/batch"
    ]


async def test_action_names_how_many_vehicles_failed(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await set_up(hass, connect_data(vehicles=(KIA, POLESTAR)))
    aioclient_mock.post(BATCH, json=answer())
    aioclient_mock.post(
        f"{API}/{POLESTAR}/batch",
        status=409,
        json=smartcar_error("VEHICLE_STATE", "ASLEEP", 409),
    )

    with pytest.raises(HomeAssistantError) as caught:
        await request_update(hass, **{ATTR_CONFIG_ENTRY_ID: entry.entry_id})

    assert caught.value.translation_key == "update_failed"
    assert caught.value.translation_placeholders == {"failed": "1", "total": "2"}


async def test_action_for_one_vehicle_raises_its_own_reason(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await set_up(hass, connect_data())
    aioclient_mock.post(
        BATCH, status=409, json=smartcar_error("VEHICLE_STATE", "ASLEEP", 409)
    )

    with pytest.raises(HomeAssistantError) as caught:
        await request_update(hass, **{ATTR_CONFIG_ENTRY_ID: entry.entry_id})

    assert caught.value.translation_key == "vehicle_asleep"


async def test_action_on_a_webhook_only_entry_explains_it_cannot(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    await post_delivery(full_state("first", START))

    with pytest.raises(ServiceValidationError) as caught:
        await request_update(hass, **{ATTR_CONFIG_ENTRY_ID: setup_entry.entry_id})

    assert caught.value.translation_key == "not_connected"
    assert aioclient_mock.mock_calls == []


async def test_action_on_a_device_of_another_integration_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "lamp")}
    )

    with pytest.raises(ServiceValidationError) as caught:
        await request_update(hass, **{ATTR_DEVICE_ID: device.id})

    assert caught.value.translation_key == "not_a_vehicle"


async def test_action_takes_an_entry_or_a_device_not_both(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    with pytest.raises(Exception, match="two or more values"):
        await request_update(
            hass, **{ATTR_CONFIG_ENTRY_ID: entry.entry_id, ATTR_DEVICE_ID: "x"}
        )


# --- the fallback ----------------------------------------------------------------


async def fallback_entry(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, hours: int | None
) -> MockConfigEntry:
    """A Connect entry with the fallback option (None: not set).

    The access token lives two hours: days of fallback refresh it.
    """
    aioclient_mock.post(
        OAUTH2_TOKEN,
        json={
            "access_token": ACCESS_TOKEN,
            "refresh_token": "next-refresh-token",
            "expires_in": 7200,
            "token_type": "Bearer",
        },
    )
    options = {} if hours is None else {CONF_FALLBACK_HOURS: hours}
    return await set_up(hass, connect_data(), options)


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass check by check, running what is due."""
    end = NOW + delta
    while (now := freezer.time_to_freeze) < end.replace(tzinfo=None):
        step = min(FALLBACK_CHECK_INTERVAL, end.replace(tzinfo=None) - now)
        freezer.tick(step)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("hours", [None, 0])
async def test_without_the_option_nothing_is_ever_read(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hours: int | None,
) -> None:
    await fallback_entry(hass, aioclient_mock, hours)
    aioclient_mock.post(BATCH, json=answer())

    await advance(hass, freezer, timedelta(days=2))

    assert batch_requests(aioclient_mock) == []


async def test_a_silent_vehicle_is_read_after_the_hours_and_then_every_hours(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    await fallback_entry(hass, aioclient_mock, 3)
    aioclient_mock.post(BATCH, json=answer())

    await advance(hass, freezer, timedelta(hours=2, minutes=50))
    assert batch_requests(aioclient_mock) == []
    await advance(hass, freezer, timedelta(hours=3))
    assert len(batch_requests(aioclient_mock)) == 1
    await advance(hass, freezer, timedelta(hours=6, minutes=10))
    assert len(batch_requests(aioclient_mock)) == 2


async def test_deliveries_keep_the_fallback_from_reading(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    post_delivery: PostDelivery,
) -> None:
    await fallback_entry(hass, aioclient_mock, 3)
    aioclient_mock.post(BATCH, json=answer())

    for hour in range(1, 10):
        await advance(hass, freezer, timedelta(hours=hour))
        at = NOW + timedelta(hours=hour)
        await post_delivery(
            vehicle_state(f"hourly-{hour}", at, charge_ischarging={"value": False})
        )

    assert batch_requests(aioclient_mock) == []


async def test_a_failed_fallback_read_waits_the_hours_again(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    await fallback_entry(hass, aioclient_mock, 3)
    aioclient_mock.post(
        BATCH, status=409, json=smartcar_error("VEHICLE_STATE", "ASLEEP", 409)
    )

    await advance(hass, freezer, timedelta(hours=5))

    assert len(batch_requests(aioclient_mock)) == 1


def fallback_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.INFO and "fallback update" in record.getMessage()
    ]


async def test_failing_fallback_reads_log_once_and_once_again_when_they_work(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """log-when-unavailable: one line when reading fails, one when it recovers."""
    await fallback_entry(hass, aioclient_mock, 3)
    aioclient_mock.post(BATCH, status=500, json=smartcar_error("SERVER", None, 500))

    await advance(hass, freezer, timedelta(hours=10))
    failed = len(batch_requests(aioclient_mock))
    aioclient_mock.clear_requests()
    aioclient_mock.post(
        OAUTH2_TOKEN, json={"access_token": ACCESS_TOKEN, "expires_in": 7200}
    )
    aioclient_mock.post(BATCH, json=answer())
    await advance(hass, freezer, timedelta(hours=17))

    assert failed >= 2
    assert len(batch_requests(aioclient_mock)) >= 2
    assert fallback_lines(caplog) == [
        "The fallback update cannot read vehicles through Smartcar (smartcar_unavailable)",
        "The fallback update reads vehicles through Smartcar again",
    ]


# --- issue 19.6: who may ask, and how often Smartcar is asked ----------------------


@pytest.mark.usefixtures("entry")
async def test_read_only_user_may_not_request_a_billed_read(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_read_only_user: MockUser,
) -> None:
    """Home Assistant refuses them the button; the action refused nothing."""
    aioclient_mock.post(BATCH, json=answer())

    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "request_update",
            {},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )

    assert batch_requests(aioclient_mock) == []


@pytest.mark.usefixtures("entry")
async def test_admin_and_automations_may_request_a_read(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, hass_admin_user: MockUser
) -> None:
    aioclient_mock.post(BATCH, json=answer())

    await hass.services.async_call(
        DOMAIN,
        "request_update",
        {},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    await request_update(hass)

    assert len(batch_requests(aioclient_mock)) == 2


@pytest.mark.usefixtures("entry")
async def test_unknown_user_may_not_request_a_read(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    with pytest.raises(UnknownUser):
        await hass.services.async_call(
            DOMAIN,
            "request_update",
            {},
            blocking=True,
            context=Context(user_id="no-such-user"),
        )


@pytest.mark.usefixtures("entry")
async def test_concurrent_requests_for_a_vehicle_make_one_read(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Ten calls at once made ten billed reads."""
    aioclient_mock.post(BATCH, json=answer())

    await asyncio.gather(*(request_update(hass) for _ in range(10)))

    assert len(batch_requests(aioclient_mock)) == 1
    await request_update(hass)
    assert len(batch_requests(aioclient_mock)) == 2
