"""Tests of the config flow: token, callback URI, and Smartcar's VERIFY in the flow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
import hashlib
from http import HTTPStatus
import sys
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, MagicMock

from aiohttp import ClientResponse
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.smartcar_webhooks.smartcar import hash_challenge
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, PostDelivery, load_fixture

EXTERNAL_URL = "https://example.com"
CLOUDHOOK_URL = "https://hooks.nabu.casa/xyz"
V4_SMARTCAR_ID = "8a326743-4efd-406d-88d6-1c8cb3420e11"
V2_SMARTCAR_ID = "c6ba6fcc-64f1-4daa-9ad6-16c8ee597411"


type PostWhileWaiting = Callable[[dict[str, Any], str], Awaitable[ClientResponse]]


class FakeCloudNotAvailableError(Exception):
    """Stands in for homeassistant.components.cloud.CloudNotAvailable."""


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


@pytest.fixture
async def post_while_waiting(
    hass_client_no_auth: ClientSessionGenerator,
) -> PostWhileWaiting:
    """POST an unsigned body without `async_block_till_done`.

    While the flow waits, its progress task is pending for ten minutes, and
    `hass.async_block_till_done()` (which `post_delivery` calls) would wait
    for it.
    """
    client = await hass_client_no_auth()

    async def post(body: dict[str, Any], webhook_id: str) -> ClientResponse:
        return await client.post(f"/api/webhook/{webhook_id}", json=body)

    return post


@pytest.fixture
async def external_url(hass: HomeAssistant) -> None:
    """An external https URL Smartcar could deliver to."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Home Assistant Cloud with a subscription, as a fake module.

    The real `homeassistant.components.cloud` cannot be imported in this venv
    (turbojpeg is missing), so the integration's lazy import gets this instead.
    """
    fake: Any = ModuleType("homeassistant.components.cloud")
    fake.CloudNotAvailable = FakeCloudNotAvailableError
    fake.async_active_subscription = MagicMock(return_value=True)
    fake.async_get_or_create_cloudhook = AsyncMock(return_value=CLOUDHOOK_URL)
    fake.async_delete_cloudhook = AsyncMock()
    # Key by key: on exit patch.dict empties all of sys.modules for a moment, and
    # an executor thread still importing a platform then fails (seen under load).
    monkeypatch.setitem(sys.modules, "homeassistant.components.cloud", fake)
    return fake


@pytest.fixture
def cloud_loaded(hass: HomeAssistant, cloud: Any) -> Any:
    """The fake cloud, with `cloud` among the loaded components."""
    hass.config.components.add("cloud")
    return cloud


async def start_flow(hass: HomeAssistant, token: str = MANAGEMENT_TOKEN) -> Any:
    """Start a user flow and submit the token; returns the verify progress result."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: token}
    )


async def continue_after_verify(hass: HomeAssistant, result: Any) -> Any:
    """Go on after the progress step; at the menu, finish in webhook-only mode."""
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    if result["type"] is FlowResultType.MENU:
        assert result["menu_options"] == ["connect", "webhook_only"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "webhook_only"}
        )
    return result


def flow_webhook_id(result: Any) -> str:
    """The Home Assistant webhook id inside the progress step's callback URI."""
    url: str = result["description_placeholders"]["webhook_url"]
    return url.rsplit("/", 1)[1]


async def test_user_step_is_a_token_form(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert CONF_MANAGEMENT_TOKEN in result["data_schema"].schema


@pytest.mark.usefixtures("external_url")
async def test_token_submitted_shows_verify_progress_with_callback_uri(
    hass: HomeAssistant,
) -> None:
    result = await start_flow(hass)

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "verify"
    assert result["progress_action"] == "wait_for_verify"
    url = result["description_placeholders"]["webhook_url"]
    assert url.startswith(f"{EXTERNAL_URL}/api/webhook/")
    assert len(flow_webhook_id(result)) == 64


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    ("fixture", "smartcar_webhook_id"),
    [("v4_verify.json", V4_SMARTCAR_ID), ("v2_verify.json", V2_SMARTCAR_ID)],
)
async def test_verify_answered_and_entry_created(
    hass: HomeAssistant,
    post_delivery: PostDelivery,
    fixture: str,
    smartcar_webhook_id: str,
) -> None:
    body = load_fixture(fixture)
    challenge = body.get("data", body.get("payload"))["challenge"]
    result = await start_flow(hass, f"  {MANAGEMENT_TOKEN}  ")
    webhook_id = flow_webhook_id(result)

    response = await post_delivery(body, sign=False, webhook_id=webhook_id)

    assert response.status == HTTPStatus.OK
    assert response.content_type == "application/json"
    assert await response.json() == {
        "challenge": hash_challenge(MANAGEMENT_TOKEN, challenge)
    }
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smartcar"
    assert result["data"] == {
        CONF_WEBHOOK_ID: webhook_id,
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
        CONF_CLOUDHOOK: False,
        CONF_SMARTCAR_WEBHOOK_ID: smartcar_webhook_id,
    }
    assert result["result"].unique_id == smartcar_webhook_id


@pytest.mark.usefixtures("external_url")
async def test_verify_without_webhook_id_uses_token_hash_as_unique_id(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    body = load_fixture("v4_verify.json")
    del body["meta"]
    result = await start_flow(hass)

    response = await post_delivery(body, sign=False, webhook_id=flow_webhook_id(result))
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_SMARTCAR_WEBHOOK_ID not in result["data"]
    assert (
        result["result"].unique_id
        == hashlib.sha256(MANAGEMENT_TOKEN.encode()).hexdigest()[:32]
    )


@pytest.mark.usefixtures("external_url")
async def test_same_smartcar_webhook_aborts_already_configured(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    MockConfigEntry(domain=DOMAIN, unique_id=V4_SMARTCAR_ID).add_to_hass(hass)
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)

    await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=webhook_id
    )
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("external_url")
async def test_no_verify_in_ten_minutes_shows_verify_timeout(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)

    # No patching: freezer moves both the wall clock and the loop's monotonic
    # clock (loop.time() jumps 600 s with a 10 minute tick), and
    # async_fire_time_changed runs the loop timers now due, among them the
    # asyncio.timeout(600) of VerificationWindow.async_wait.
    freezer.tick(timedelta(minutes=10, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "verify_timeout"


@pytest.mark.usefixtures("external_url")
async def test_verify_timeout_form_shows_the_callback_uri(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    url = result["description_placeholders"]["webhook_url"]

    freezer.tick(timedelta(minutes=10, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)

    assert result["description_placeholders"] == {"webhook_url": url}


@pytest.mark.usefixtures("external_url")
async def test_verify_after_timeout_is_refused_until_the_user_waits_again(
    hass: HomeAssistant, post_delivery: PostDelivery, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    freezer.tick(timedelta(minutes=10, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    response = await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=flow_webhook_id(result)
    )

    assert response.status == HTTPStatus.FORBIDDEN


@pytest.mark.usefixtures("external_url")
async def test_submitting_verify_timeout_waits_again_and_verify_finishes(
    hass: HomeAssistant, post_delivery: PostDelivery, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    freezer.tick(timedelta(minutes=10, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)
    assert result["step_id"] == "verify_timeout"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "verify"
    response = await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=webhook_id
    )
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_WEBHOOK_ID] == webhook_id


async def test_no_external_url_and_no_cloud_is_a_form_error(
    hass: HomeAssistant,
) -> None:
    result = await start_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "no_url"}


@pytest.mark.usefixtures("external_url")
async def test_blank_token_is_a_form_error(hass: HomeAssistant) -> None:
    result = await start_flow(hass, token="   ")

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "empty_token"}


async def test_http_external_url_is_a_form_error(hass: HomeAssistant) -> None:
    await async_process_ha_core_config(hass, {"external_url": "http://example.com"})

    result = await start_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "not_https"}


async def test_form_error_can_be_corrected_and_resubmitted(
    hass: HomeAssistant,
) -> None:
    result = await start_flow(hass)
    assert result["errors"] == {"base": "no_url"}
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN}
    )

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "verify"


@pytest.mark.usefixtures("external_url")
async def test_cloud_not_loaded_is_never_imported(
    hass: HomeAssistant, cloud: Any
) -> None:
    result = await start_flow(hass)

    assert result["description_placeholders"]["webhook_url"].startswith(EXTERNAL_URL)
    cloud.async_active_subscription.assert_not_called()
    cloud.async_get_or_create_cloudhook.assert_not_awaited()


async def test_cloud_subscription_uses_a_cloudhook(
    hass: HomeAssistant, cloud_loaded: Any
) -> None:
    result = await start_flow(hass)

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["description_placeholders"] == {"webhook_url": CLOUDHOOK_URL}
    cloud_loaded.async_get_or_create_cloudhook.assert_awaited_once()
    assert len(cloud_loaded.async_get_or_create_cloudhook.await_args.args[1]) == 64


async def test_cloudhook_entry_is_marked_as_cloudhook(
    hass: HomeAssistant, cloud_loaded: Any, post_delivery: PostDelivery
) -> None:
    result = await start_flow(hass)
    webhook_id = cloud_loaded.async_get_or_create_cloudhook.await_args.args[1]

    response = await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=webhook_id
    )
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CLOUDHOOK] is True
    assert result["data"][CONF_WEBHOOK_ID] == webhook_id
    cloud_loaded.async_delete_cloudhook.assert_not_awaited()


@pytest.mark.usefixtures("external_url")
async def test_cloud_without_subscription_falls_back_to_external_url(
    hass: HomeAssistant, cloud_loaded: Any
) -> None:
    cloud_loaded.async_active_subscription.return_value = False

    result = await start_flow(hass)

    assert result["description_placeholders"]["webhook_url"].startswith(
        f"{EXTERNAL_URL}/api/webhook/"
    )
    cloud_loaded.async_get_or_create_cloudhook.assert_not_awaited()


@pytest.mark.usefixtures("external_url")
async def test_cloud_not_available_falls_back_to_external_url(
    hass: HomeAssistant, cloud_loaded: Any
) -> None:
    cloud_loaded.async_get_or_create_cloudhook.side_effect = FakeCloudNotAvailableError

    result = await start_flow(hass)

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["description_placeholders"]["webhook_url"].startswith(
        f"{EXTERNAL_URL}/api/webhook/"
    )


@pytest.mark.usefixtures("external_url")
async def test_abandoned_flow_unregisters_its_webhook(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    result = await start_flow(hass)

    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()
    response = await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=flow_webhook_id(result)
    )

    # Home Assistant's own answer for an unknown webhook id: 200, no body.
    assert response.status == HTTPStatus.OK
    assert await response.read() == b""


async def test_abandoned_cloudhook_flow_deletes_its_cloudhook(
    hass: HomeAssistant, cloud_loaded: Any
) -> None:
    result = await start_flow(hass)
    webhook_id = cloud_loaded.async_get_or_create_cloudhook.await_args.args[1]

    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()

    cloud_loaded.async_delete_cloudhook.assert_awaited_once_with(hass, webhook_id)


async def test_cloudhook_flow_for_configured_webhook_moves_the_entry_to_it(
    hass: HomeAssistant, cloud_loaded: Any, post_delivery: PostDelivery
) -> None:
    """Smartcar delivers to the cloudhook it verified: the entry moves there."""
    old_webhook_id = "old" + WEBHOOK_ID[3:]
    existing = MockConfigEntry(
        domain=DOMAIN,
        unique_id=V4_SMARTCAR_ID,
        data={
            CONF_WEBHOOK_ID: old_webhook_id,
            CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
            "cloudhook": True,
        },
    )
    existing.add_to_hass(hass)
    result = await start_flow(hass)
    webhook_id = cloud_loaded.async_get_or_create_cloudhook.await_args.args[1]

    await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=webhook_id
    )
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)
    await hass.async_block_till_done()  # the moved entry's reload

    assert result["reason"] == "already_configured"
    assert existing.data[CONF_WEBHOOK_ID] == webhook_id
    assert existing.data["cloudhook"] is True
    # The old cloudhook is gone; the new one now belongs to the entry.
    cloud_loaded.async_delete_cloudhook.assert_awaited_once_with(hass, old_webhook_id)


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    "challenge",
    ['{"eventType":"VEHICLE_STATE"}', '  {"a":1}', "[1,2]", 'abc"def'],
)
async def test_verify_with_a_payload_like_challenge_is_refused_in_the_flow(
    hass: HomeAssistant, post_while_waiting: PostWhileWaiting, challenge: str
) -> None:
    body = load_fixture("v4_verify.json")
    body["data"]["challenge"] = challenge
    result = await start_flow(hass)

    response = await post_while_waiting(body, flow_webhook_id(result))

    assert response.status == HTTPStatus.FORBIDDEN
    assert "challenge" not in await response.json()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["step_id"] for flow in flows] == ["verify"]


@pytest.mark.usefixtures("external_url")
async def test_second_verify_after_the_answered_one_is_refused(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=webhook_id
    )

    response = await post_delivery(
        load_fixture("v2_verify.json"), sign=False, webhook_id=webhook_id
    )

    assert response.status == HTTPStatus.FORBIDDEN


@pytest.mark.usefixtures("external_url")
async def test_refused_challenge_leaves_the_flow_window_open(
    hass: HomeAssistant, post_while_waiting: PostWhileWaiting
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    unsafe = load_fixture("v4_verify.json")
    unsafe["data"]["challenge"] = "[0]"
    assert (await post_while_waiting(unsafe, webhook_id)).status == HTTPStatus.FORBIDDEN

    response = await post_while_waiting(load_fixture("v4_verify.json"), webhook_id)

    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
    result = await continue_after_verify(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("external_url")
async def test_created_entry_takes_over_the_webhook_from_the_flow(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=webhook_id
    )
    result = await continue_after_verify(hass, result)
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED

    response = await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=webhook_id
    )

    # The entry's handler: no window open outside the flow.
    assert response.status == HTTPStatus.FORBIDDEN


@pytest.mark.usefixtures("external_url")
async def test_already_configured_webhook_still_gets_the_deliveries_it_verified(
    hass: HomeAssistant, post_delivery: PostDelivery
) -> None:
    """Smartcar saves the callback URI it verified: deliveries must reach an entry.

    The flow answers the VERIFY (so Smartcar now delivers to the flow's URI),
    then aborts `already_configured` and drops that URI; the existing entry
    keeps listening on its old one only.
    """
    existing = MockConfigEntry(
        domain=DOMAIN,
        unique_id=V4_SMARTCAR_ID,
        data={CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN},
    )
    existing.add_to_hass(hass)
    assert await hass.config_entries.async_setup(existing.entry_id)
    result = await start_flow(hass)
    verified_webhook_id = flow_webhook_id(result)
    response = await post_delivery(
        load_fixture("v4_verify.json"), sign=False, webhook_id=verified_webhook_id
    )
    assert response.status == HTTPStatus.OK
    result = await continue_after_verify(hass, result)
    assert result["reason"] == "already_configured"

    response = await post_delivery(
        load_fixture("v4_vehicle_state.json"), webhook_id=verified_webhook_id
    )

    assert response.content_type == "application/json"
    assert await response.json() == {"status": "ok"}
