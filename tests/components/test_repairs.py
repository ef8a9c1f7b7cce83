"""Tests of the refused-VERIFY repair issue and its fix flow."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks import verify_refused_issue_id
from custom_components.smartcar_webhooks.const import DOMAIN, ISSUE_VERIFY_REFUSED
from custom_components.smartcar_webhooks.smartcar import hash_challenge
from tests.conftest import MANAGEMENT_TOKEN, PostDelivery, load_fixture

V4_CHALLENGE = "e656678338d8417732296d0faf9370ff"


@pytest.fixture(autouse=True)
async def components(hass: HomeAssistant) -> None:
    """Webhook and repairs, set up before an HTTP client freezes the router."""
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(hass, "repairs", {})


@pytest.fixture
async def fix_flow(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> Any:
    """Run a fix flow through the REST API the frontend uses.

    Returns the result of starting it and of confirming its form.
    """
    client = await hass_client()

    async def run(issue_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        response = await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
        )
        assert response.status == HTTPStatus.OK
        started = await response.json()
        response = await client.post(
            f"/api/repairs/issues/fix/{started['flow_id']}", json={}
        )
        assert response.status == HTTPStatus.OK
        return started, await response.json()

    return run


def refuse_verify_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry:
    """The entry's refused-VERIFY issue, or None."""
    return ir.async_get(hass).async_get_issue(DOMAIN, verify_refused_issue_id(entry))


async def test_verify_outside_a_window_is_refused_and_raises_an_issue(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    response = await post_delivery(load_fixture("v4_verify.json"), sign=False)

    assert response.status == HTTPStatus.FORBIDDEN
    assert "challenge" not in await response.json()
    issue = refuse_verify_issue(hass, setup_entry)
    assert issue is not None
    assert issue.issue_id == f"verify_refused_{setup_entry.entry_id}"
    assert issue.is_fixable
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_key == ISSUE_VERIFY_REFUSED
    assert issue.translation_placeholders == {"title": setup_entry.title}


async def test_fix_flow_asks_for_confirmation(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
) -> None:
    await post_delivery(load_fixture("v4_verify.json"), sign=False)

    started, _ = await fix_flow(verify_refused_issue_id(setup_entry))

    assert started["type"] == "form"
    assert started["step_id"] == "confirm"


async def test_fix_flow_opens_the_verification_window(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
) -> None:
    await post_delivery(load_fixture("v4_verify.json"), sign=False)

    _, finished = await fix_flow(verify_refused_issue_id(setup_entry))

    assert finished["type"] == "create_entry"
    assert setup_entry.runtime_data.window.is_open


@pytest.mark.parametrize(
    ("fixture", "challenge"),
    [
        ("v4_verify.json", V4_CHALLENGE),
        ("v2_verify.json", "30a407b9-b1ac-41a0-989a-ae4c28c9a43a"),
    ],
)
async def test_verify_after_the_fix_is_answered(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
    fixture: str,
    challenge: str,
) -> None:
    await post_delivery(load_fixture(fixture), sign=False)
    await fix_flow(verify_refused_issue_id(setup_entry))

    response = await post_delivery(load_fixture(fixture), sign=False)

    assert response.status == HTTPStatus.OK
    assert response.content_type == "application/json"
    assert await response.json() == {
        "challenge": hash_challenge(MANAGEMENT_TOKEN, challenge)
    }
    assert refuse_verify_issue(hass, setup_entry) is None


async def test_answered_verify_deletes_an_issue_raised_while_the_window_is_open(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
) -> None:
    await post_delivery(load_fixture("v4_verify.json"), sign=False)
    await fix_flow(verify_refused_issue_id(setup_entry))
    unsafe = load_fixture("v4_verify.json")
    unsafe["data"]["challenge"] = '{"eventType":"VEHICLE_STATE"}'
    response = await post_delivery(unsafe, sign=False)
    assert response.status == HTTPStatus.FORBIDDEN
    assert refuse_verify_issue(hass, setup_entry) is not None

    response = await post_delivery(load_fixture("v4_verify.json"), sign=False)

    assert response.status == HTTPStatus.OK
    assert refuse_verify_issue(hass, setup_entry) is None


async def test_window_stays_open_after_an_answer(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
) -> None:
    """A forged VERIFY answered first must not lock out Smartcar's own."""
    await post_delivery(load_fixture("v4_verify.json"), sign=False)
    await fix_flow(verify_refused_issue_id(setup_entry))
    first = await post_delivery(load_fixture("v4_verify.json"), sign=False)
    assert first.status == HTTPStatus.OK

    second = await post_delivery(load_fixture("v4_verify.json"), sign=False)

    assert second.status == HTTPStatus.OK
    assert refuse_verify_issue(hass, setup_entry) is None


async def test_window_is_still_open_just_before_ten_minutes(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    await post_delivery(load_fixture("v4_verify.json"), sign=False)
    await fix_flow(verify_refused_issue_id(setup_entry))

    freezer.tick(timedelta(minutes=9, seconds=59))
    response = await post_delivery(load_fixture("v4_verify.json"), sign=False)

    assert response.status == HTTPStatus.OK


async def test_window_closes_after_ten_minutes(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    await post_delivery(load_fixture("v4_verify.json"), sign=False)
    await fix_flow(verify_refused_issue_id(setup_entry))

    # The window compares against dt_util.utcnow(): moving the clock is enough.
    freezer.tick(timedelta(minutes=10, seconds=1))
    response = await post_delivery(load_fixture("v4_verify.json"), sign=False)

    assert response.status == HTTPStatus.FORBIDDEN
    assert refuse_verify_issue(hass, setup_entry) is not None


async def test_fix_flow_on_an_unloaded_entry_aborts(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fix_flow: Any,
) -> None:
    await post_delivery(load_fixture("v4_verify.json"), sign=False)
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()

    _, finished = await fix_flow(verify_refused_issue_id(setup_entry))

    assert finished["type"] == "abort"
    assert finished["reason"] == "entry_not_loaded"
    assert refuse_verify_issue(hass, setup_entry) is not None


@pytest.mark.parametrize(
    "data",
    [None, {}, {"entry_id": 42}, {"entry_id": "no-such-entry"}],
    ids=["no-data", "no-entry-id", "entry-id-not-a-string", "unknown-entry"],
)
@pytest.mark.usefixtures("setup_entry")
async def test_fix_flow_without_a_usable_entry_aborts(
    hass: HomeAssistant, fix_flow: Any, data: dict[str, Any] | None
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        "verify_refused_orphan",
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_VERIFY_REFUSED,
        translation_placeholders={"title": "Smartcar"},
        data=data,
    )

    _, finished = await fix_flow("verify_refused_orphan")

    assert finished["type"] == "abort"
    assert finished["reason"] == "entry_not_loaded"
