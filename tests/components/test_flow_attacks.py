"""Issue 7.2: nothing in an unsigned request is trusted beyond the challenge.

Each test first carries out the attack through Home Assistant's HTTP stack: a
forged VERIFY, posted without authentication to the callback URI while the
set-up or reconfigure flow waits for Smartcar's. A VERIFY is unsigned, so its
webhook id is the sender's choice.
"""

from __future__ import annotations

from http import HTTPStatus
import json
from typing import Any

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.json import json_bytes
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
)
from custom_components.smartcar_webhooks.smartcar import hash_challenge, token_unique_id
from tests.components.flow_helpers import (
    AUTH_DOMAIN,
    CLIENT_ID,
    CLIENT_SECRET,
    EXTERNAL_URL,
    FORGED_WEBHOOK_ID,
    KIA,
    SMARTCAR_WEBHOOK_ID,
    UNIQUE_ID,
    VW,
    Client,
    answer_verify,
    api_calls,
    connect_entry_data,
    flow_webhook_id,
    mock_smartcar,
    refuse_webhook,
    sign_in,
    start_flow,
    verify_body,
    webhook_url,
)
from tests.components.flow_translations import check_flow_translations
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID

NEW_TOKEN = "new-management-token"
# JSON escapes of a lone surrogate: valid JSON, not valid Unicode text.
SURROGATE_V4 = (
    b'{"eventType":"VERIFY","data":{"challenge":"forged"},'
    b'"meta":{"version":"4.0","webhookId":"\\ud800"}}'
)
SURROGATE_V2 = (
    b'{"version":"2.0","webhookId":"\\ud800","eventName":"verify",'
    b'"payload":{"challenge":"forged"}}'
)


@pytest.fixture(autouse=True)
def translations(hass: HomeAssistant) -> None:
    """Every flow result of these tests is translated."""
    check_flow_translations(hass)


@pytest.fixture(autouse=True)
async def external_url(hass: HomeAssistant) -> None:
    """An external https URL Smartcar could deliver to."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """Smartcar application credentials, for the Connect path."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )


def forged(webhook_id: str, challenge: str = "forged") -> dict[str, Any]:
    """A VERIFY naming the webhook id the attacker chose."""
    body = verify_body(webhook_id)
    body["data"]["challenge"] = challenge
    return body


async def post_raw(
    client: Client, hass: HomeAssistant, webhook_id: str, raw: bytes
) -> Any:
    """POST raw bytes (a JSON escape Python's json module would not write)."""
    response = await client.post(
        f"/api/webhook/{webhook_id}",
        data=raw,
        headers={"Content-Type": "application/json"},
    )
    await hass.async_block_till_done(
        wait_background_tasks=response.status == HTTPStatus.OK
    )
    return response


async def finish_webhook_only(hass: HomeAssistant, flow_id: str) -> Any:
    """After VERIFY: finish without Connect."""
    await hass.config_entries.flow.async_configure(flow_id)
    return await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "webhook_only"}
    )


async def connect_and_pick(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    flow_id: str,
) -> Any:
    """After VERIFY: Connect, sign in, pick the Kia and the VW."""
    await hass.config_entries.flow.async_configure(flow_id)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "connect"}
    )
    result = await sign_in(hass, client, aioclient_mock, result["flow_id"])
    return await hass.config_entries.flow.async_configure(
        flow_id, {CONF_VEHICLES: [KIA, VW]}
    )


def serialisable(entry: ConfigEntry) -> bool:
    """Whether Home Assistant can still write the entry to its storage."""
    try:
        json_bytes(entry.as_dict())
    except TypeError, ValueError:
        return False
    return True


# --- the set-up flow ----------------------------------------------------------


async def test_forged_webhook_id_is_not_stored_by_a_webhook_only_set_up(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)

    response = await answer_verify(
        hass, client, flow_webhook_id(result), forged(FORGED_WEBHOOK_ID)
    )
    result = await finish_webhook_only(hass, result["flow_id"])

    assert response.status == HTTPStatus.OK
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_SMARTCAR_WEBHOOK_ID not in result["data"]
    assert result["result"].unique_id == UNIQUE_ID


async def test_smartcars_verify_after_a_forged_one_is_still_answered(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id, forged(FORGED_WEBHOOK_ID))

    response = await answer_verify(hass, client, webhook_id, verify_body())

    assert response.status == HTTPStatus.OK
    assert await response.json() == {
        "challenge": hash_challenge(
            MANAGEMENT_TOKEN, verify_body()["data"]["challenge"]
        )
    }


@pytest.mark.usefixtures("credentials", "current_request_with_host")
async def test_forged_webhook_id_is_refused_by_smartcar_and_never_kept(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    refuse_webhook(aioclient_mock)
    mock_smartcar(aioclient_mock)
    result = await start_flow(hass)
    await answer_verify(
        hass, client, flow_webhook_id(result), forged(FORGED_WEBHOOK_ID)
    )

    result = await connect_and_pick(hass, client, aioclient_mock, result["flow_id"])

    # Smartcar refused the subscriptions: the user is asked for the real id.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartcar_webhook_id"
    assert result["errors"] == {"base": "webhook_refused"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID}
    )
    assert result["data"][CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID
    assert result["result"].unique_id == UNIQUE_ID


@pytest.mark.usefixtures("credentials", "current_request_with_host")
async def test_after_a_forged_verify_the_id_smartcar_accepts_is_kept(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    refuse_webhook(aioclient_mock)
    mock_smartcar(aioclient_mock)
    result = await start_flow(hass)
    webhook_id = flow_webhook_id(result)
    await answer_verify(hass, client, webhook_id, forged(FORGED_WEBHOOK_ID))
    await answer_verify(hass, client, webhook_id, verify_body())

    result = await connect_and_pick(hass, client, aioclient_mock, result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID
    assert list(result["data"][CONF_VEHICLES]) == [KIA, VW]
    tried = [url for url, _ in api_calls(aioclient_mock, "POST")]
    assert sorted(tried) == sorted(
        [
            webhook_url(KIA, FORGED_WEBHOOK_ID),
            webhook_url(VW, FORGED_WEBHOOK_ID),
            webhook_url(KIA),
            webhook_url(VW),
        ]
    )


async def test_forged_webhook_id_of_another_entry_leaves_that_entry_alone(
    hass: HomeAssistant, client: Client
) -> None:
    """The old flow moved the entry whose unique id the VERIFY named to itself."""
    other_data = {
        CONF_WEBHOOK_ID: WEBHOOK_ID,
        CONF_MANAGEMENT_TOKEN: "the-other-applications-token",
        CONF_CLOUDHOOK: False,
    }
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SMARTCAR_WEBHOOK_ID,
        minor_version=2,  # already migrated: its unique id is what it is
        data=dict(other_data),
    )
    other.add_to_hass(hass)
    result = await start_flow(hass)

    response = await answer_verify(
        hass, client, flow_webhook_id(result), forged(str(other.unique_id))
    )
    result = await finish_webhook_only(hass, result["flow_id"])

    assert response.status == HTTPStatus.OK
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert other.data == other_data
    assert other.unique_id == SMARTCAR_WEBHOOK_ID
    assert len(hass.config_entries.async_entries(DOMAIN)) == 2


@pytest.mark.parametrize("raw", [SURROGATE_V4, SURROGATE_V2], ids=["4.0", "2.0"])
async def test_lone_surrogate_webhook_id_leaves_the_entry_serialisable(
    hass: HomeAssistant, client: Client, raw: bytes
) -> None:
    result = await start_flow(hass)

    response = await post_raw(client, hass, flow_webhook_id(result), raw)
    result = await finish_webhook_only(hass, result["flow_id"])

    assert response.status == HTTPStatus.OK
    entry = result["result"]
    assert CONF_SMARTCAR_WEBHOOK_ID not in entry.data
    assert serialisable(entry)


@pytest.mark.usefixtures("credentials", "current_request_with_host")
async def test_lone_surrogate_webhook_id_is_never_tried_with_smartcar(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await start_flow(hass)
    await post_raw(client, hass, flow_webhook_id(result), SURROGATE_V4)

    result = await connect_and_pick(hass, client, aioclient_mock, result["flow_id"])

    assert result["step_id"] == "smartcar_webhook_id"
    assert api_calls(aioclient_mock, "POST") == []


# --- reconfigure ---------------------------------------------------------------


@pytest.fixture
async def connect_entry(hass: HomeAssistant) -> MockConfigEntry:
    """A Connect entry subscribed to Smartcar's webhook, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smartcar", unique_id=UNIQUE_ID, data=connect_entry_data()
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def start_reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Reconfigure with a new token; the verify progress result."""
    result = await entry.start_reconfigure_flow(hass)
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: NEW_TOKEN}
    )


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("webhook_id", [FORGED_WEBHOOK_ID, "\ud800"])
async def test_forged_verify_during_reconfigure_changes_nothing_it_names(
    hass: HomeAssistant,
    client: Client,
    connect_entry: MockConfigEntry,
    webhook_id: str,
) -> None:
    result = await start_reconfigure(hass, connect_entry)

    response = await answer_verify(hass, client, WEBHOOK_ID, forged(webhook_id))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert response.status == HTTPStatus.OK
    assert result["reason"] == "reconfigure_successful"
    assert connect_entry.data[CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID
    assert connect_entry.unique_id == token_unique_id(NEW_TOKEN)
    assert serialisable(connect_entry)


@pytest.mark.usefixtures("credentials")
async def test_smartcars_verify_after_a_forged_one_is_answered_after_reconfigure(
    hass: HomeAssistant, client: Client, connect_entry: MockConfigEntry
) -> None:
    result = await start_reconfigure(hass, connect_entry)
    await answer_verify(hass, client, WEBHOOK_ID, forged(FORGED_WEBHOOK_ID))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["reason"] == "reconfigure_successful"

    response = await answer_verify(hass, client, WEBHOOK_ID, verify_body())

    assert response.status == HTTPStatus.OK
    assert await response.json() == {
        "challenge": hash_challenge(NEW_TOKEN, verify_body()["data"]["challenge"])
    }


def test_surrogate_bodies_are_valid_json() -> None:
    """The attack bodies are what a JSON parser accepts."""
    assert json.loads(SURROGATE_V4)["meta"]["webhookId"] == "\ud800"
    assert json.loads(SURROGATE_V2)["webhookId"] == "\ud800"
