"""Tests of the config flow: token, callback URI, Smartcar's VERIFY, webhook-only."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import logging
import sys
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    DOMAIN,
)
from custom_components.smartcar_webhooks.smartcar import hash_challenge
from tests.components.flow_helpers import (
    EXTERNAL_URL,
    SMARTCAR_WEBHOOK_ID,
    UNIQUE_ID,
    Client,
    answer_verify,
    flow_webhook_id,
    signed,
    start_flow,
    verify_body,
)
from tests.components.flow_translations import check_flow_translations
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture

CLOUDHOOK_URL = "https://hooks.nabu.casa/xyz"
OTHER_TOKEN = "other-management-token"


class FakeCloudNotAvailableError(Exception):
    """Stands in for homeassistant.components.cloud.CloudNotAvailable."""


@pytest.fixture(autouse=True)
def translations(hass: HomeAssistant) -> None:
    """Every flow result of these tests is translated."""
    check_flow_translations(hass)


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


async def finish_webhook_only(hass: HomeAssistant, flow_id: str) -> Any:
    """Go on after the verify step and finish without Connect."""
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["connect", "connect_control", "webhook_only"]
    return await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "webhook_only"}
    )


async def time_out_verify(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the ten minutes of the verification window pass.

    freezer moves both the wall clock and the loop's monotonic clock, and
    async_fire_time_changed runs the loop timers now due, among them the
    asyncio.timeout(600) of VerificationWindow.async_wait.
    """
    freezer.tick(timedelta(minutes=10, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


# --- the token --------------------------------------------------------------


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


# --- one entry per Smartcar application --------------------------------------


async def test_application_set_up_already_aborts_before_any_callback_uri(
    hass: HomeAssistant, cloud_loaded: Any
) -> None:
    """Smartcar is never pointed at a URI that nobody would listen on."""
    existing = MockConfigEntry(
        domain=DOMAIN,
        unique_id=UNIQUE_ID,
        data={CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN},
    )
    existing.add_to_hass(hass)

    result = await start_flow(hass, f" {MANAGEMENT_TOKEN} ")

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    cloud_loaded.async_get_or_create_cloudhook.assert_not_awaited()
    assert existing.data == {
        CONF_WEBHOOK_ID: WEBHOOK_ID,
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
    }


@pytest.mark.usefixtures("external_url")
async def test_entry_made_before_unique_ids_were_tokens_aborts_too(
    hass: HomeAssistant,
) -> None:
    """Older entries have Smartcar's webhook id as unique id; the token decides."""
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=SMARTCAR_WEBHOOK_ID,
        data={CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN},
    ).add_to_hass(hass)

    result = await start_flow(hass)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("external_url")
async def test_another_application_is_set_up_beside_one(hass: HomeAssistant) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=UNIQUE_ID,
        data={CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN},
    ).add_to_hass(hass)

    result = await start_flow(hass, OTHER_TOKEN)

    assert result["type"] is FlowResultType.SHOW_PROGRESS


@pytest.mark.usefixtures("external_url")
async def test_second_flow_for_the_same_application_aborts_in_progress(
    hass: HomeAssistant,
) -> None:
    await start_flow(hass)

    result = await start_flow(hass)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_in_progress"


# --- VERIFY -----------------------------------------------------------------


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize("fixture", ["v4_verify.json", "v2_verify.json"])
async def test_verify_answered_and_webhook_only_entry_created(
    hass: HomeAssistant, client: Client, fixture: str
) -> None:
    body = load_fixture(fixture)
    challenge = body.get("data", body.get("payload"))["challenge"]
    result = await start_flow(hass, f"  {MANAGEMENT_TOKEN}  ")
    webhook_id = flow_webhook_id(result)

    response = await answer_verify(hass, client, webhook_id, body)

    assert response.status == HTTPStatus.OK
    assert response.content_type == "application/json"
    assert await response.json() == {
        "challenge": hash_challenge(MANAGEMENT_TOKEN, challenge)
    }
    result = await finish_webhook_only(hass, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smartcar"
    # Smartcar's webhook id is learnt later, from a signed delivery.
    assert result["data"] == {
        CONF_WEBHOOK_ID: webhook_id,
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
        CONF_CLOUDHOOK: False,
    }
    assert result["result"].unique_id == UNIQUE_ID


@pytest.mark.usefixtures("external_url")
async def test_no_verify_in_ten_minutes_shows_verify_timeout(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)

    await time_out_verify(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "verify_timeout"


@pytest.mark.usefixtures("external_url")
async def test_verify_timeout_form_shows_the_callback_uri(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    url = result["description_placeholders"]["webhook_url"]

    await time_out_verify(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["description_placeholders"] == {"webhook_url": url}


@pytest.mark.usefixtures("external_url")
async def test_verify_after_timeout_is_refused_until_the_user_waits_again(
    hass: HomeAssistant, client: Client, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    await time_out_verify(hass, freezer)

    response = await answer_verify(hass, client, flow_webhook_id(result))

    assert response.status == HTTPStatus.FORBIDDEN


@pytest.mark.usefixtures("external_url")
async def test_submitting_verify_timeout_waits_again_and_verify_finishes(
    hass: HomeAssistant, client: Client, freezer: FrozenDateTimeFactory
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await time_out_verify(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["step_id"] == "verify_timeout"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "verify"
    response = await answer_verify(hass, client, webhook_id)
    assert response.status == HTTPStatus.OK
    result = await finish_webhook_only(hass, result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_WEBHOOK_ID] == webhook_id


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    "challenge",
    ['{"eventType":"VEHICLE_STATE"}', '  {"a":1}', "[1,2]", 'abc"def'],
)
async def test_verify_with_a_payload_like_challenge_is_refused_in_the_flow(
    hass: HomeAssistant, client: Client, challenge: str
) -> None:
    body = verify_body()
    body["data"]["challenge"] = challenge
    result = await start_flow(hass)

    response = await answer_verify(hass, client, flow_webhook_id(result), body)

    assert response.status == HTTPStatus.FORBIDDEN
    assert "challenge" not in await response.json()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["step_id"] for flow in flows] == ["verify"]


@pytest.mark.usefixtures("external_url")
async def test_refused_challenge_leaves_the_flow_window_open(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    unsafe = verify_body()
    unsafe["data"]["challenge"] = "[0]"
    refused = await answer_verify(hass, client, webhook_id, unsafe)
    assert refused.status == HTTPStatus.FORBIDDEN

    response = await answer_verify(hass, client, webhook_id)

    assert response.status == HTTPStatus.OK
    result = await finish_webhook_only(hass, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("external_url")
async def test_verify_after_the_answered_one_is_answered_while_the_flow_lasts(
    hass: HomeAssistant, client: Client
) -> None:
    """The first VERIFY may be forged: Smartcar's own must still be answered."""
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    body = load_fixture("v2_verify.json")

    response = await answer_verify(hass, client, webhook_id, body)

    assert response.status == HTTPStatus.OK
    assert await response.json() == {
        "challenge": hash_challenge(MANAGEMENT_TOKEN, body["payload"]["challenge"])
    }


@pytest.mark.usefixtures("external_url")
async def test_created_entry_takes_over_the_webhook_from_the_flow(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id)
    result = await finish_webhook_only(hass, result["flow_id"])
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED

    response = await client.post(
        f"/api/webhook/{webhook_id}", **signed(load_fixture("v4_vehicle_state.json"))
    )

    # Only the entry's handler applies deliveries; the flow's kept them.
    assert await response.json() == {"status": "ok"}
    assert result["result"].runtime_data is not None


@pytest.mark.usefixtures("external_url")
async def test_abandoned_flow_unregisters_its_webhook(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)

    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()
    response = await answer_verify(hass, client, flow_webhook_id(result))

    # Home Assistant's own answer for an unknown webhook id: 200, no body.
    assert response.status == HTTPStatus.OK
    assert await response.read() == b""


# --- Home Assistant Cloud ---------------------------------------------------


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
    hass: HomeAssistant, cloud_loaded: Any, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = cloud_loaded.async_get_or_create_cloudhook.await_args.args[1]

    response = await answer_verify(hass, client, webhook_id)
    assert response.status == HTTPStatus.OK
    result = await finish_webhook_only(hass, result["flow_id"])

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


async def test_abandoned_cloudhook_flow_deletes_its_cloudhook(
    hass: HomeAssistant, cloud_loaded: Any
) -> None:
    result = await start_flow(hass)
    webhook_id = cloud_loaded.async_get_or_create_cloudhook.await_args.args[1]

    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()

    cloud_loaded.async_delete_cloudhook.assert_awaited_once_with(hass, webhook_id)


# --- stopping Home Assistant ------------------------------------------------


@pytest.mark.usefixtures("external_url")
async def test_stopping_while_the_flow_waits_does_not_hold_up_shutdown(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    result = await start_flow(hass)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    caplog.set_level(logging.WARNING)

    await hass.async_stop()

    assert "still running after final writes" not in caplog.text
    assert "Timed out waiting" not in caplog.text
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "verify_timeout"
