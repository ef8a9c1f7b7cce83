"""Tests of setting up, unloading and removing an entry, and of its devices."""

from __future__ import annotations

from http import HTTPStatus
import sys
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, MagicMock

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.smartcar_webhooks import (
    async_remove_config_entry_device,
    verify_refused_issue_id,
)
from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.smartcar_webhooks.smartcar import token_unique_id
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, PostDelivery, load_fixture

V4_VEHICLE_ID = "9df3e999-f80f-4893-9c42-d3e9f351e174"
V4_SMARTCAR_ID = "8a326743-4efd-406d-88d6-1c8cb3420e11"
V2_VEHICLE_ID = "d329211c-3829-4685-9f7e-b1216460d4a3"
V2_SMARTCAR_ID = "c6ba6fcc-64f1-4daa-9ad6-16c8ee597411"


class FakeCloudNotAvailableError(Exception):
    """Stands in for homeassistant.components.cloud.CloudNotAvailable."""


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


@pytest.fixture
def cloud(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A loaded Home Assistant Cloud, as a fake module.

    The real `homeassistant.components.cloud` cannot be imported in this venv
    (turbojpeg is missing), so the integration's lazy import gets this instead.
    """
    fake: Any = ModuleType("homeassistant.components.cloud")
    fake.CloudNotAvailable = FakeCloudNotAvailableError
    fake.async_active_subscription = MagicMock(return_value=True)
    fake.async_get_or_create_cloudhook = AsyncMock()
    fake.async_delete_cloudhook = AsyncMock()
    hass.config.components.add("cloud")
    # Key by key: on exit patch.dict empties all of sys.modules for a moment, and
    # an executor thread still importing a platform then fails (seen under load).
    monkeypatch.setitem(sys.modules, "homeassistant.components.cloud", fake)
    return fake


@pytest.fixture
async def config_component(hass: HomeAssistant) -> None:
    """The config websocket API, set up before an HTTP client freezes the router."""
    assert await async_setup_component(hass, "websocket_api", {})
    assert await async_setup_component(hass, "config", {})


@pytest.fixture
def cloudhook_entry() -> MockConfigEntry:
    """An entry whose callback URI is a cloudhook."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id="smartcar-webhook-id",
        data={
            CONF_WEBHOOK_ID: WEBHOOK_ID,
            CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
            CONF_CLOUDHOOK: True,
        },
    )


def v4_state(make: str = "KIA", model: str = "EV6", year: int | None = 2023) -> Any:
    """The 4.0 VEHICLE_STATE fixture with another make, model or year."""
    body = load_fixture("v4_vehicle_state.json")
    vehicle = body["data"]["vehicle"]
    vehicle.update(make=make, model=model)
    if year is None:
        del vehicle["year"]
    else:
        vehicle["year"] = year
    return body


def vehicle_device(hass: HomeAssistant, entry_id: str, vehicle_id: str) -> Any:
    """The device of a vehicle, or None."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, vehicle_id), entry_id
    )


async def test_webhook_only_entry_loads(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    assert setup_entry.state is ConfigEntryState.LOADED


async def test_loaded_entry_accepts_signed_deliveries(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    response = await post_delivery(load_fixture("v4_vehicle_state.json"))

    assert response.status == HTTPStatus.OK
    assert await response.json() == {"status": "ok"}


async def test_unloaded_entry_answers_503_and_keeps_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_storage: dict[str, Any],
) -> None:
    """Issues 19.2/19.3: the webhook stays registered; Smartcar retries later."""
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert setup_entry.state is ConfigEntryState.NOT_LOADED
    stored = hass_storage.get(f"{DOMAIN}.{setup_entry.entry_id}")

    response = await post_delivery(load_fixture("v4_vehicle_state.json"))
    await hass.async_block_till_done()

    # Not Home Assistant's empty 200 for an unknown webhook: that would be lost.
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID) is None
    assert hass_storage.get(f"{DOMAIN}.{setup_entry.entry_id}") == stored


async def test_unload_removes_the_entities(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{V4_VEHICLE_ID}_battery_level"
    )
    assert entity_id is not None
    assert float(hass.states.get(entity_id).state) == 67

    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(entity_id).state == STATE_UNAVAILABLE


async def test_removing_cloudhook_entry_deletes_the_cloudhook(
    hass: HomeAssistant, cloudhook_entry: MockConfigEntry, cloud: Any
) -> None:
    cloudhook_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(cloudhook_entry.entry_id)

    await hass.config_entries.async_remove(cloudhook_entry.entry_id)
    await hass.async_block_till_done()

    cloud.async_delete_cloudhook.assert_awaited_once_with(hass, WEBHOOK_ID)


@pytest.mark.parametrize("error", [FakeCloudNotAvailableError, ValueError])
async def test_removing_cloudhook_entry_survives_a_failed_delete(
    hass: HomeAssistant,
    cloudhook_entry: MockConfigEntry,
    cloud: Any,
    error: type[Exception],
) -> None:
    cloud.async_delete_cloudhook.side_effect = error
    cloudhook_entry.add_to_hass(hass)

    result = await hass.config_entries.async_remove(cloudhook_entry.entry_id)

    assert result == {"require_restart": False}
    assert hass.config_entries.async_get_entry(cloudhook_entry.entry_id) is None


async def test_removing_cloudhook_entry_without_cloud_loaded(
    hass: HomeAssistant, cloudhook_entry: MockConfigEntry
) -> None:
    cloudhook_entry.add_to_hass(hass)

    result = await hass.config_entries.async_remove(cloudhook_entry.entry_id)

    assert result == {"require_restart": False}
    assert hass.config_entries.async_get_entry(cloudhook_entry.entry_id) is None


async def test_removing_webhook_only_entry_leaves_cloud_alone(
    hass: HomeAssistant, setup_entry: MockConfigEntry, cloud: Any
) -> None:
    await hass.config_entries.async_remove(setup_entry.entry_id)
    await hass.async_block_till_done()

    cloud.async_delete_cloudhook.assert_not_awaited()


async def test_removing_entry_deletes_its_repair_issue(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    issue_registry: ir.IssueRegistry,
) -> None:
    await post_delivery(load_fixture("v4_verify.json"), sign=False)
    issue_id = verify_refused_issue_id(setup_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    await hass.config_entries.async_remove(setup_entry.entry_id)
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    ("fixture", "smartcar_webhook_id"),
    [
        ("v4_vehicle_state.json", V4_SMARTCAR_ID),
        ("v4_vehicle_error.json", V4_SMARTCAR_ID),
        ("v2_dynamic.json", V2_SMARTCAR_ID),
        ("v2_event_based.json", V2_SMARTCAR_ID),
    ],
)
async def test_webhook_only_entry_learns_smartcar_webhook_id(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fixture: str,
    smartcar_webhook_id: str,
) -> None:
    assert CONF_SMARTCAR_WEBHOOK_ID not in setup_entry.data

    response = await post_delivery(load_fixture(fixture))

    assert response.status == HTTPStatus.OK
    assert setup_entry.data[CONF_SMARTCAR_WEBHOOK_ID] == smartcar_webhook_id
    assert setup_entry.data[CONF_WEBHOOK_ID] == WEBHOOK_ID
    assert setup_entry.data[CONF_MANAGEMENT_TOKEN] == MANAGEMENT_TOKEN


async def test_known_smartcar_webhook_id_is_kept(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_WEBHOOK_ID: WEBHOOK_ID,
            CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
            CONF_SMARTCAR_WEBHOOK_ID: "from-the-flow",
        },
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    await post_delivery(load_fixture("v4_vehicle_state.json"))

    assert config_entry.data[CONF_SMARTCAR_WEBHOOK_ID] == "from-the-flow"


async def test_delivery_without_smartcar_webhook_id_learns_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    body = load_fixture("v4_vehicle_state.json")
    del body["meta"]["webhookId"]

    response = await post_delivery(body)

    assert response.status == HTTPStatus.OK
    assert CONF_SMARTCAR_WEBHOOK_ID not in setup_entry.data


async def test_known_vehicle_gets_its_field_entities_with_its_first_values(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, V4_VEHICLE_ID)},
        name="Kia EV6",
    )

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert entity_registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"{V4_VEHICLE_ID}_problem"
    )
    assert not entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{V4_VEHICLE_ID}_battery_level"
    )
    assert not entity_registry.async_get_entity_id(
        "device_tracker", DOMAIN, f"{V4_VEHICLE_ID}_location"
    )


async def test_device_of_a_v4_vehicle_is_named_after_make_and_model(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    assert device is not None
    assert device.name == "Kia EV6"
    assert device.manufacturer == "Kia"
    assert device.model == "EV6 (2023)"


async def test_model_that_starts_with_the_make_is_the_device_name(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(v4_state(make="POLESTAR", model="Polestar 2", year=2022))

    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    assert device.name == "Polestar 2"
    assert device.manufacturer == "Polestar"
    assert device.model == "Polestar 2 (2022)"


async def test_device_model_without_year_has_no_parentheses(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(v4_state(make="VOLKSWAGEN", model="ID.4", year=None))

    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    assert device.name == "Volkswagen ID.4"
    assert device.model == "ID.4"


async def test_acronym_make_keeps_its_capitals(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(v4_state(make="BMW", model="i4", year=2024))

    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    assert device.name == "BMW i4"
    assert device.manufacturer == "BMW"


async def test_device_of_a_v2_only_vehicle_has_a_short_id_name_and_no_maker(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    device = vehicle_device(hass, setup_entry.entry_id, V2_VEHICLE_ID)
    assert device is not None
    assert device.name == "Smartcar vehicle d329211c"
    # Smartcar did not make the car: a 2.0 delivery just does not say who did.
    assert device.manufacturer is None
    assert device.model is None


async def test_known_device_is_renamed_by_a_v4_delivery(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    post_delivery: PostDelivery,
) -> None:
    config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, V4_VEHICLE_ID)},
        name="Smartcar vehicle 9df3e999",
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    await post_delivery(load_fixture("v4_vehicle_state.json"))

    device = vehicle_device(hass, config_entry.entry_id, V4_VEHICLE_ID)
    assert device.name == "Kia EV6"
    assert device.model == "EV6 (2023)"


async def test_known_device_keeps_its_name_on_a_v2_delivery(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    post_delivery: PostDelivery,
) -> None:
    config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, V2_VEHICLE_ID)},
        name="Kia EV6",
        manufacturer="Kia",
        model="EV6 (2023)",
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    await post_delivery(load_fixture("v2_dynamic.json"))

    device = vehicle_device(hass, config_entry.entry_id, V2_VEHICLE_ID)
    assert device.name == "Kia EV6"
    assert device.model == "EV6 (2023)"


async def test_remove_config_entry_device_forgets_the_vehicle(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)

    assert await async_remove_config_entry_device(hass, setup_entry, device)

    assert V4_VEHICLE_ID not in setup_entry.runtime_data.store.vehicles


async def test_device_kept_after_forgetting_keeps_its_name_on_a_v2_delivery(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    body = load_fixture("v2_dynamic.json")
    body["payload"]["vehicles"][0]["vehicleId"] = V4_VEHICLE_ID
    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    await async_remove_config_entry_device(hass, setup_entry, device)

    await post_delivery(body)

    assert vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID).name == "Kia EV6"


@pytest.mark.usefixtures("config_component")
async def test_device_can_be_removed_from_the_ui(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    client = await hass_ws_client(hass)

    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device.id}
    )
    response = await client.receive_json()

    assert response["success"]
    assert vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID) is None


@pytest.mark.usefixtures("config_component")
async def test_removed_vehicle_comes_back_with_its_next_delivery(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_ws_client: WebSocketGenerator,
    entity_registry: er.EntityRegistry,
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device.id}
    )
    assert (await client.receive_json())["success"]
    await hass.async_block_till_done()
    body = load_fixture("v4_vehicle_state.json")
    body["eventId"] = "a-later-delivery"
    body["data"]["signals"][0]["body"]["value"] = 55
    body["data"]["signals"][0]["meta"]["oemUpdatedAt"] += 60_000

    await post_delivery(body)

    device = vehicle_device(hass, setup_entry.entry_id, V4_VEHICLE_ID)
    assert device is not None
    assert device.name == "Kia EV6"
    entity_id = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{V4_VEHICLE_ID}_battery_level"
    )
    assert entity_id is not None
    assert entity_registry.async_get(entity_id).device_id == device.id
    assert float(hass.states.get(entity_id).state) == 55


async def test_only_own_identifiers_of_known_devices_become_vehicles(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, V4_VEHICLE_ID), ("another_domain", "not-a-vehicle")},
    )

    assert await hass.config_entries.async_setup(config_entry.entry_id)

    assert list(config_entry.runtime_data.store.vehicles) == [V4_VEHICLE_ID]


async def test_removing_a_device_with_foreign_identifiers_forgets_only_the_vehicle(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    post_delivery: PostDelivery,
) -> None:
    config_entry.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, V4_VEHICLE_ID), ("another_domain", V2_VEHICLE_ID)},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await post_delivery(load_fixture("v2_dynamic.json"))

    assert await async_remove_config_entry_device(hass, config_entry, device)

    store = config_entry.runtime_data.store
    assert V4_VEHICLE_ID not in store.vehicles
    assert V2_VEHICLE_ID in store.vehicles


async def test_entry_of_version_1_1_takes_the_token_as_unique_id(
    hass: HomeAssistant,
) -> None:
    """1.1 took its unique id from a VERIFY anyone could have sent."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=1,
        unique_id="forged-by-an-unsigned-verify",
        data={CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN},
    )
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)

    assert entry.unique_id == token_unique_id(MANAGEMENT_TOKEN)
    assert entry.minor_version == 2


async def test_second_entry_of_the_same_application_keeps_its_unique_id(
    hass: HomeAssistant,
) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id=token_unique_id(MANAGEMENT_TOKEN), minor_version=2
    ).add_to_hass(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        minor_version=1,
        unique_id="old-webhook-id",
        data={CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN},
    )
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)

    assert entry.unique_id == "old-webhook-id"
    assert entry.minor_version == 2
