"""Deliveries that keep failing the signature check: a repair that takes a new token."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.const import (
    BAD_SIGNATURE_LIMIT,
    CONF_MANAGEMENT_TOKEN,
    DOMAIN,
)
from custom_components.smartcar_webhooks.smartcar import sign_body, token_unique_id
from tests.conftest import PostDelivery, load_fixture

ROTATED = "the-new-management-token"


@pytest.fixture(autouse=True)
async def components(hass: HomeAssistant) -> None:
    """Webhook and repairs, set up before an HTTP client freezes the router."""
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(hass, "repairs", {})


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"bad_signatures_{entry.entry_id}"
    )


async def _send_rotated(
    post_delivery: PostDelivery, count: int, start: int = 0
) -> None:
    """Deliveries signed with a token Home Assistant does not have."""
    for index in range(start, start + count):
        body = load_fixture("v4_vehicle_state.json")
        body["eventId"] = f"rotated-{index}"
        raw = json.dumps(body).encode()
        response = await post_delivery(raw, signature=sign_body(ROTATED, raw))
        assert response.status == HTTPStatus.UNAUTHORIZED


async def test_repeated_bad_signatures_raise_a_repair(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT - 1)
    assert _issue(hass, setup_entry) is None

    await _send_rotated(post_delivery, 1, start=BAD_SIGNATURE_LIMIT)

    issue = _issue(hass, setup_entry)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "bad_signatures"
    assert issue.severity is ir.IssueSeverity.ERROR


async def test_bad_signatures_spread_over_more_than_an_hour_raise_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    for index in range(BAD_SIGNATURE_LIMIT):
        await _send_rotated(post_delivery, 1, start=index)
        freezer.tick(timedelta(minutes=16))

    assert _issue(hass, setup_entry) is None


async def test_unsigned_requests_do_not_count(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    for _ in range(BAD_SIGNATURE_LIMIT * 2):
        await post_delivery(load_fixture("v4_vehicle_state.json"), sign=False)

    assert _issue(hass, setup_entry) is None


async def test_a_good_delivery_clears_the_count_and_the_repair(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT)
    assert _issue(hass, setup_entry) is not None

    await post_delivery(load_fixture("v4_vehicle_state.json"))
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT - 1, start=100)

    assert _issue(hass, setup_entry) is None


async def _fix(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, issue_id: str, *steps: Any
) -> list[dict[str, Any]]:
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    results = [await response.json()]
    for step in steps:
        response = await client.post(
            f"/api/repairs/issues/fix/{results[0]['flow_id']}", json=step
        )
        results.append(await response.json())
    return results


async def test_fix_takes_the_new_token_and_opens_the_window(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_client: ClientSessionGenerator,
) -> None:
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT)
    issue = _issue(hass, setup_entry)
    assert issue is not None

    form, verify, done = await _fix(
        hass, hass_client, issue.issue_id, {CONF_MANAGEMENT_TOKEN: f" {ROTATED} "}, {}
    )

    assert form["step_id"] == "token"
    assert verify["step_id"] == "verify"
    assert done["type"] == "create_entry"
    assert setup_entry.data[CONF_MANAGEMENT_TOKEN] == ROTATED
    assert setup_entry.unique_id == token_unique_id(ROTATED)
    assert setup_entry.runtime_data.window.is_open
    assert _issue(hass, setup_entry) is None


async def test_fix_with_an_empty_token_asks_again(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_client: ClientSessionGenerator,
) -> None:
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT)
    issue = _issue(hass, setup_entry)
    assert issue is not None

    _form, again = await _fix(
        hass, hass_client, issue.issue_id, {CONF_MANAGEMENT_TOKEN: " "}
    )

    assert again["step_id"] == "token"
    assert again["errors"] == {"base": "empty_token"}


async def test_fix_with_another_entrys_token_aborts(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_client: ClientSessionGenerator,
) -> None:
    MockConfigEntry(
        domain=DOMAIN, minor_version=2, data={CONF_MANAGEMENT_TOKEN: ROTATED}
    ).add_to_hass(hass)
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT)
    issue = _issue(hass, setup_entry)
    assert issue is not None

    _form, aborted = await _fix(
        hass, hass_client, issue.issue_id, {CONF_MANAGEMENT_TOKEN: ROTATED}
    )

    assert aborted["type"] == "abort"
    assert aborted["reason"] == "already_configured"


async def test_fix_of_an_unloaded_entry_aborts(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_client: ClientSessionGenerator,
) -> None:
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT)
    issue = _issue(hass, setup_entry)
    assert issue is not None
    assert await hass.config_entries.async_unload(setup_entry.entry_id)

    _form, aborted = await _fix(
        hass, hass_client, issue.issue_id, {CONF_MANAGEMENT_TOKEN: ROTATED}
    )

    assert aborted["reason"] == "entry_not_loaded"


# --- issue 19.5 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        (b"not json", "0" * 64),
        (b'{"hello": "world"}', "f" * 64),
        (json.dumps(load_fixture("v4_vehicle_state.json")).encode(), "anything"),
        (json.dumps(load_fixture("v4_vehicle_state.json")).encode(), "z" * 64),
    ],
    ids=["not-json", "not-smartcar", "not-an-hmac", "not-hex"],
)
async def test_noise_with_any_signature_raises_no_repair(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    body: bytes,
    signature: str,
) -> None:
    """Anyone knowing the URL could raise it with 5 requests."""
    for _ in range(BAD_SIGNATURE_LIMIT * 2):
        response = await post_delivery(body, signature=signature)
        assert response.status == HTTPStatus.UNAUTHORIZED

    assert _issue(hass, setup_entry) is None


async def test_fix_with_a_token_that_does_not_verify_the_failures_is_refused(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    hass_client: ClientSessionGenerator,
) -> None:
    """A homeowner typing the wrong value must not break a working set-up."""
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT)
    issue = _issue(hass, setup_entry)
    assert issue is not None
    before = dict(setup_entry.data)

    _form, again = await _fix(
        hass, hass_client, issue.issue_id, {CONF_MANAGEMENT_TOKEN: "a-wrong-token"}
    )

    assert again["type"] == "form"
    assert again["errors"] == {"base": "token_mismatch"}
    assert setup_entry.data == before


async def test_reconfigure_with_a_token_that_does_not_verify_the_failures_aborts(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await _send_rotated(post_delivery, 2)
    before = dict(setup_entry.data)

    result = await setup_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: "a-wrong-token"}
    )

    assert result["type"] == "abort"
    assert result["reason"] == "token_mismatch"
    assert setup_entry.data == before


async def test_ignored_repair_stays_ignored_after_a_good_delivery(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT)
    issue = _issue(hass, setup_entry)
    assert issue is not None
    ir.async_ignore_issue(hass, DOMAIN, issue.issue_id, True)

    await post_delivery(load_fixture("v4_vehicle_state.json"))
    await _send_rotated(post_delivery, BAD_SIGNATURE_LIMIT, start=200)

    issue = _issue(hass, setup_entry)
    assert issue is not None
    assert issue.dismissed_version is not None
