"""The entry's runtime: test deliveries, deliveries kept during set-up, learning."""

from __future__ import annotations

from http import HTTPStatus
import json

from homeassistant.components import persistent_notification
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks import webhook_owner
from custom_components.smartcar_webhooks.const import CONF_SMARTCAR_WEBHOOK_ID, DOMAIN
from custom_components.smartcar_webhooks.smartcar import parse_delivery
from tests.conftest import WEBHOOK_ID, PostDelivery, load_fixture

V4_VEHICLE_ID = "9df3e999-f80f-4893-9c42-d3e9f351e174"
V2_VEHICLE_ID = "d329211c-3829-4685-9f7e-b1216460d4a3"


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


def _notifications(hass: HomeAssistant) -> dict[str, dict[str, str]]:
    return persistent_notification._async_get_or_create_notifications(hass)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("fixture", "path", "mode"),
    [
        ("v4_vehicle_state.json", ("meta", "mode"), "TEST"),
        ("v4_vehicle_error.json", ("meta", "mode"), "TEST"),
        ("v2_dynamic.json", ("mode",), "test"),
        ("v2_event_based.json", ("mode",), "test"),
    ],
)
async def test_test_delivery_is_accepted_and_never_applied(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fixture: str,
    path: tuple[str, ...],
    mode: str,
) -> None:
    """Dashboard test deliveries carry made-up data, possibly for a real car."""
    document = load_fixture(fixture)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = mode

    response = await post_delivery(document)

    assert response.status == HTTPStatus.OK
    assert await response.json() == {"status": "test"}
    assert (
        dr.async_entries_for_config_entry(dr.async_get(hass), setup_entry.entry_id)
        == []
    )
    assert CONF_SMARTCAR_WEBHOOK_ID not in setup_entry.data


async def test_test_delivery_tells_the_user_the_webhook_works(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = load_fixture("v4_vehicle_state.json")
    document["meta"]["mode"] = "TEST"

    await post_delivery(document)
    await post_delivery(document)

    (notice,) = _notifications(hass).values()
    assert notice["title"] == "Smartcar test delivery received"
    assert "the webhook works" in notice["message"]


async def test_test_delivery_renames_no_known_vehicle(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    test = load_fixture("v4_vehicle_state.json")
    test["eventId"] = "test-event"
    test["meta"]["mode"] = "TEST"
    test["data"]["vehicle"].update(make="BMW", model="118i")

    await post_delivery(test)

    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, V4_VEHICLE_ID), setup_entry.entry_id
    )
    assert device is not None
    assert device.name == "Kia EV6"


async def test_simulated_v2_delivery_is_applied_like_a_live_one(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = load_fixture("v2_dynamic.json")
    document["mode"] = "simulated"

    response = await post_delivery(document)

    assert await response.json() == {"status": "ok"}
    assert er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{V2_VEHICLE_ID}_battery_level"
    )


async def test_deliveries_kept_during_the_flow_are_applied_at_set_up(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    body = load_fixture("v2_dynamic.json")
    delivery = parse_delivery(json.dumps(body), received_at=dt_util.utcnow())
    webhook_owner.async_get(hass, config_entry.data[CONF_WEBHOOK_ID]).keep(delivery)  # type: ignore[arg-type]
    config_entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{V2_VEHICLE_ID}_battery_level"
    )
    assert webhook_owner.async_get(hass, WEBHOOK_ID).take_kept() == []


@pytest.mark.parametrize("webhook_id", ["../../etc", "a" * 65, "id with space", "-x"])
async def test_webhook_id_of_an_unexpected_form_is_not_learned(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    webhook_id: str,
) -> None:
    document = load_fixture("v4_vehicle_state.json")
    document["meta"]["webhookId"] = webhook_id

    await post_delivery(document)

    assert CONF_SMARTCAR_WEBHOOK_ID not in setup_entry.data


async def test_entry_title_becomes_the_webhook_name(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    assert setup_entry.title == "Home Assistant test"


async def test_entry_title_the_user_chose_stays(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    hass.config_entries.async_update_entry(setup_entry, title="My car")

    await post_delivery(load_fixture("v4_vehicle_state.json"))

    assert setup_entry.title == "My car"


@pytest.mark.parametrize(
    "name", ["Home Assistant", "home-assistant webhook", "HA", "Smartcar"]
)
async def test_a_webhook_named_only_home_assistant_keeps_the_smartcar_title(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    name: str,
) -> None:
    """Under Hubs an entry titled "Home Assistant" reads as Home Assistant itself."""
    document = load_fixture("v4_vehicle_state.json")
    document["meta"]["webhookName"] = name

    await post_delivery(document)

    assert setup_entry.title == "Smartcar"
