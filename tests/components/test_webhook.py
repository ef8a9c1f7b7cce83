"""The webhook handler contract, status by status."""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta
from http import HTTPStatus
import json
import logging
from typing import Any
from unittest.mock import patch

from aiohttp import ClientError
from aiohttp.http_exceptions import ContentLengthError
from aiohttp.web import RequestPayloadError
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.webhook import async_handle_webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.json import json_bytes
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.aiohttp import MockRequest
from hypothesis import HealthCheck, given, settings, strategies as st
from multidict import CIMultiDict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.const import (
    DOMAIN,
    MAX_BODY_BYTES,
    VERIFY_WINDOW,
)
from custom_components.smartcar_webhooks.smartcar import (
    Closures,
    Field,
    hash_challenge,
    sign_body,
)
from custom_components.smartcar_webhooks.webhook import (
    MAX_CHALLENGE_LENGTH,
    SIGNATURE_HEADER,
    VerificationWindow,
    async_create_handler,
    is_safe_challenge,
    read_body,
)
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, PostDelivery, load_fixture

V2_VEHICLE = "d329211c-3829-4685-9f7e-b1216460d4a3"
V4_VEHICLE = "9df3e999-f80f-4893-9c42-d3e9f351e174"
NOT_5XX = {200, 400, 401, 403, 413, 415}


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


def _raw(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def _states(hass: HomeAssistant) -> dict[str, tuple[str, dict[str, Any], Any]]:
    """Every state with its attributes and last change, to compare before/after."""
    return {
        state.entity_id: (state.state, dict(state.attributes), state.last_updated)
        for state in hass.states.async_all()
    }


def _state(hass: HomeAssistant, platform: str, vehicle_id: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{vehicle_id}_{key}"
    )
    assert entity_id is not None, f"no {platform} entity for {key}"
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _v2_battery(document: dict[str, Any]) -> dict[str, Any]:
    """The /battery body of the first vehicle of a 2.0 dynamic delivery."""
    item = document["payload"]["vehicles"][0]["data"][0]
    assert item["path"] == "/battery"
    return item["body"]


def _v4_signal(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in document["data"]["signals"] if s["code"] == code)


def _v4_verify(challenge: str) -> dict[str, Any]:
    document = copy.deepcopy(load_fixture("v4_verify.json"))
    document["data"]["challenge"] = challenge
    return document


def _handler(
    window: VerificationWindow | None = None,
    received: list[Any] | None = None,
    refused: list[bool] | None = None,
) -> Any:
    """The handler on its own, with fake receiver and refusal callbacks."""
    received = [] if received is None else received
    refused = [] if refused is None else refused

    async def receive(delivery: Any) -> str:
        received.append(delivery)
        return "ok"

    return async_create_handler(
        MANAGEMENT_TOKEN,
        window or VerificationWindow(),
        receive,
        lambda: refused.append(True),
    )


def _mock_request(body: bytes, signature: str | None = None) -> MockRequest:
    """A request as a cloudhook hands it over."""
    headers = {} if signature is None else {SIGNATURE_HEADER: signature}
    return MockRequest(content=body, mock_source="test", method="POST", headers=headers)


class _ChunkedContent:
    """A stream that hands out at most `chunk` bytes per read."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self._data = data
        self._chunk = chunk
        self.reads = 0

    async def read(self, n: int = -1) -> bytes:
        self.reads += 1
        size = self._chunk if n < 0 else min(n, self._chunk)
        piece, self._data = self._data[:size], self._data[size:]
        return piece


class _RaisingContent:
    """A stream whose read fails."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    async def read(self, _n: int = -1) -> bytes:
        raise self._error


class _FakeRequest:
    """The parts of an aiohttp request the handler uses."""

    def __init__(self, content: Any, headers: dict[str, str] | None = None) -> None:
        self.content = content
        self.content_length: int | None = None
        self.headers = CIMultiDict(headers or {})


def _request(body: bytes, signature: str | None = None) -> _FakeRequest:
    """A request as aiohttp hands it over (a body with no content length)."""
    headers = {} if signature is None else {SIGNATURE_HEADER: signature}
    return _FakeRequest(_ChunkedContent(body, 64 * 1024), headers)


# --- 413: body size -----------------------------------------------------------


async def test_body_over_1_mib_signed_is_413_and_changes_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    assert (await post_delivery(load_fixture("v2_dynamic.json"))).status == 200
    before = _states(hass)
    document = copy.deepcopy(load_fixture("v2_dynamic.json"))
    document["payload"]["vehicles"][0]["requestId"] = "another-request"
    _v2_battery(document)["percentRemaining"] = 0.1
    raw = _raw(document)
    body = raw + b" " * (MAX_BODY_BYTES + 1 - len(raw))
    assert len(body) == MAX_BODY_BYTES + 1

    response = await post_delivery(body)

    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert await response.json() == {"error": "too large"}
    assert _states(hass) == before
    assert _state(hass, "sensor", V2_VEHICLE, "battery_level") == "73.0"


async def test_body_over_1_mib_unsigned_is_413(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    response = await post_delivery(b"x" * (MAX_BODY_BYTES + 1), sign=False)
    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


async def test_body_of_exactly_1_mib_signed_not_json_is_400(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    response = await post_delivery(b"x" * MAX_BODY_BYTES)
    assert response.status == HTTPStatus.BAD_REQUEST
    assert await response.json() == {"error": "body is not JSON"}


async def test_delivery_of_exactly_1_mib_is_accepted(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    raw = _raw(load_fixture("v2_dynamic.json"))
    body = raw + b" " * (MAX_BODY_BYTES - len(raw))

    response = await post_delivery(body)

    assert response.status == HTTPStatus.OK
    assert _state(hass, "sensor", V2_VEHICLE, "battery_level") == "73.0"


# --- 401 / 403 / 200: unsigned requests and VERIFY ------------------------------


async def test_unsigned_delivery_is_401_and_changes_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    before = _states(hass)
    response = await post_delivery(load_fixture("v4_vehicle_state.json"), sign=False)
    assert response.status == HTTPStatus.UNAUTHORIZED
    assert await response.json() == {"error": "missing signature"}
    assert _states(hass) == before


async def test_unsigned_body_that_is_not_json_is_401(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    response = await post_delivery(b"not json", sign=False)
    assert response.status == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("fixture", ["v4_verify.json", "v2_verify.json"])
async def test_unsigned_verify_without_window_is_403_and_raises_issue(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fixture: str,
) -> None:
    response = await post_delivery(load_fixture(fixture), sign=False)

    assert response.status == HTTPStatus.FORBIDDEN
    assert "challenge" not in await response.json()
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"verify_refused_{setup_entry.entry_id}"
    )
    assert issue is not None
    assert issue.is_fixable


@pytest.mark.parametrize(
    ("fixture", "challenge"),
    [
        ("v4_verify.json", "e656678338d8417732296d0faf9370ff"),
        ("v2_verify.json", "30a407b9-b1ac-41a0-989a-ae4c28c9a43a"),
    ],
)
async def test_unsigned_verify_with_window_open_is_answered(
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    fixture: str,
    challenge: str,
) -> None:
    setup_entry.runtime_data.window.open()

    response = await post_delivery(load_fixture(fixture), sign=False)

    assert response.status == HTTPStatus.OK
    assert response.content_type == "application/json"
    assert await response.json() == {
        "challenge": hash_challenge(MANAGEMENT_TOKEN, challenge)
    }


async def test_large_unsigned_verify_is_401_without_parsing(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    """Real VERIFY bodies are tiny: a padded one is refused before the JSON parse."""
    setup_entry.runtime_data.window.open()
    padded = json.dumps(load_fixture("v4_verify.json")) + " " * (16 * 1024)

    with patch(
        "custom_components.smartcar_webhooks.webhook.parse_unsigned_verify"
    ) as parse:
        response = await post_delivery(padded, sign=False)

    assert response.status == HTTPStatus.UNAUTHORIZED
    parse.assert_not_called()
    assert setup_entry.runtime_data.window.is_open


@pytest.mark.parametrize("fixture", ["v4_vehicle_state.json", "v2_dynamic.json"])
async def test_unsigned_delivery_is_never_parsed_as_a_delivery(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery, fixture: str
) -> None:
    """Unsigned, only a VERIFY challenge is looked for (red team 7.5)."""
    setup_entry.runtime_data.window.open()

    with patch("custom_components.smartcar_webhooks.webhook.parse_delivery") as parse:
        response = await post_delivery(load_fixture(fixture), sign=False)

    assert response.status == HTTPStatus.UNAUTHORIZED
    parse.assert_not_called()


async def test_unsigned_verify_hands_over_only_a_clean_webhook_id() -> None:
    """A claimed webhook id that could poison a config entry never gets through."""
    answered: list[Any] = []
    window = VerificationWindow(answered.append)
    window.open()
    document = _v4_verify("c")
    document["meta"]["webhookId"] = "8a326743\ud800"

    response = await _handler(window)(None, WEBHOOK_ID, _request(_raw(document)))

    assert response.status == HTTPStatus.OK
    assert [(r.challenge, r.webhook_id) for r in answered] == [("c", None)]


async def test_signed_verify_is_answered_only_inside_a_window(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    body = load_fixture("v4_verify.json")

    refused = await post_delivery(body)
    setup_entry.runtime_data.window.open()
    answered = await post_delivery(body)

    assert refused.status == HTTPStatus.FORBIDDEN
    assert answered.status == HTTPStatus.OK
    assert await answered.json() == {
        "challenge": hash_challenge(MANAGEMENT_TOKEN, body["data"]["challenge"])
    }


async def test_window_stays_open_after_answering(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    """A forged first VERIFY must not lock out Smartcar's own after it."""
    window = setup_entry.runtime_data.window
    window.open()
    assert (await post_delivery(_v4_verify("first"), sign=False)).status == 200
    assert window.is_open

    response = await post_delivery(_v4_verify("second"), sign=False)

    assert response.status == HTTPStatus.OK


async def test_answered_verify_deletes_the_refused_issue(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    issue_id = f"verify_refused_{setup_entry.entry_id}"
    await post_delivery(_v4_verify("too-early"), sign=False)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    setup_entry.runtime_data.window.open()
    assert (await post_delivery(_v4_verify("in-time"), sign=False)).status == 200

    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    "challenge",
    [
        '{"eventType":"VEHICLE_STATE"}',
        "[1,2]",
        "   {",
        "\n\t[",
        'abc"def',
        "a" * (MAX_CHALLENGE_LENGTH + 1),
    ],
    ids=["object", "array", "space-object", "whitespace-array", "quote", "too-long"],
)
async def test_unsafe_challenge_is_403_even_with_window_open(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery, challenge: str
) -> None:
    setup_entry.runtime_data.window.open()

    response = await post_delivery(_v4_verify(challenge), sign=False)

    assert response.status == HTTPStatus.FORBIDDEN
    assert "challenge" not in await response.json()


async def test_challenge_of_maximum_length_is_answered(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    challenge = "a" * MAX_CHALLENGE_LENGTH
    setup_entry.runtime_data.window.open()

    response = await post_delivery(_v4_verify(challenge), sign=False)

    assert response.status == HTTPStatus.OK
    assert (await response.json())["challenge"] == hash_challenge(
        MANAGEMENT_TOKEN, challenge
    )


async def test_window_still_open_just_before_ten_minutes(
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    setup_entry.runtime_data.window.open()
    freezer.tick(VERIFY_WINDOW - timedelta(seconds=1))

    response = await post_delivery(_v4_verify("challenge"), sign=False)

    assert response.status == HTTPStatus.OK


async def test_window_expires_after_ten_minutes(
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    window = setup_entry.runtime_data.window
    window.open()
    freezer.tick(VERIFY_WINDOW)
    assert not window.is_open

    response = await post_delivery(_v4_verify("challenge"), sign=False)

    assert response.status == HTTPStatus.FORBIDDEN


async def test_verify_wakes_the_waiter_and_leaves_the_window_open() -> None:
    answered: list[str] = []
    window = VerificationWindow(lambda request: answered.append(request.challenge))
    handler = _handler(window)
    waiter = asyncio.ensure_future(window.async_wait())
    await asyncio.sleep(0)
    assert window.is_open

    response = await handler(None, WEBHOOK_ID, _request(_raw(_v4_verify("c"))))

    assert response.status == HTTPStatus.OK
    assert (await waiter).challenge == "c"
    assert answered == ["c"]
    assert window.is_open


async def test_window_without_callback_answers() -> None:
    window = VerificationWindow()
    window.open()

    response = await _handler(window)(None, WEBHOOK_ID, _request(_raw(_v4_verify("c"))))

    assert response.status == HTTPStatus.OK
    assert window.is_open


async def test_verified_skips_a_waiter_already_cancelled() -> None:
    window = VerificationWindow()
    cancelled = asyncio.ensure_future(window.async_wait())
    waiting = asyncio.ensure_future(window.async_wait())
    await asyncio.sleep(0)
    cancelled.cancel()  # its future is done now, its cleanup has not run yet

    response = await _handler(window)(None, WEBHOOK_ID, _request(_raw(_v4_verify("c"))))

    assert response.status == HTTPStatus.OK
    assert (await waiting).challenge == "c"
    with pytest.raises(asyncio.CancelledError):
        await cancelled


async def test_cancelled_window_wait_leaves_closing_to_the_owner() -> None:
    window = VerificationWindow()
    waiter = asyncio.ensure_future(window.async_wait())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert window.is_open

    window.close()

    assert not window.is_open
    assert window.closes_at is None


async def test_window_opened_until_a_time_closes_then(
    freezer: FrozenDateTimeFactory,
) -> None:
    """The set-up flow hands what is left of its window to the entry."""
    window = VerificationWindow()
    until = dt_util.utcnow() + timedelta(minutes=3)

    window.open(until)

    assert window.closes_at == until
    freezer.tick(timedelta(minutes=3))
    assert not window.is_open


@pytest.mark.usefixtures("freezer")
async def test_window_opened_until_a_time_is_capped_at_ten_minutes() -> None:
    window = VerificationWindow()

    window.open(dt_util.utcnow() + timedelta(days=1))

    assert window.closes_at == dt_util.utcnow() + VERIFY_WINDOW


# --- 401: signatures ------------------------------------------------------------


async def test_wrong_signature_is_401_and_changes_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    assert (await post_delivery(load_fixture("v4_vehicle_state.json"))).status == 200
    before = _states(hass)
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    document["eventId"] = "another-event"
    _v4_signal(document, "tractionbattery-stateofcharge")["body"]["value"] = 5

    response = await post_delivery(document, signature="0" * 64)

    assert response.status == HTTPStatus.UNAUTHORIZED
    assert await response.json() == {"error": "bad signature"}
    assert _states(hass) == before
    assert _state(hass, "sensor", V4_VEHICLE, "battery_level") == "67.0"


async def test_signature_over_reserialized_json_is_401(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = load_fixture("v4_vehicle_state.json")
    compact = json.dumps(document, separators=(",", ":")).encode()
    spaced = json.dumps(document, indent=2).encode()
    before = _states(hass)

    response = await post_delivery(
        spaced, signature=sign_body(MANAGEMENT_TOKEN, compact)
    )

    assert response.status == HTTPStatus.UNAUTHORIZED
    assert _states(hass) == before


async def test_signed_verify_with_wrong_signature_is_401(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    setup_entry.runtime_data.window.open()
    response = await post_delivery(_v4_verify("c"), signature="f" * 64)
    assert response.status == HTTPStatus.UNAUTHORIZED
    assert setup_entry.runtime_data.window.is_open


async def test_signature_in_upper_case_is_accepted(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    raw = _raw(load_fixture("v4_vehicle_state.json"))
    signature = sign_body(MANAGEMENT_TOKEN, raw).upper()

    response = await post_delivery(raw, signature=signature)

    assert response.status == HTTPStatus.OK
    assert _state(hass, "sensor", V4_VEHICLE, "battery_level") == "67.0"


# --- 400 / 200: signed bodies ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json at all", "body is not JSON"),
        (b"[1, 2, 3]", "body is not a JSON object"),
        (b'{"hello": "world"}', "body is not a known Smartcar delivery"),
        # A signed event of an unknown type is acknowledged (issue 18.7).
        (b'{"eventName": "dynamic", "payload": []}', "payload is not an object"),
    ],
    ids=["not-json", "array", "unknown-shape", "bad-payload"],
)
async def test_signed_unparseable_body_is_400_with_short_error(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    body: bytes,
    error: str,
) -> None:
    before = _states(hass)

    response = await post_delivery(body)

    assert response.status == HTTPStatus.BAD_REQUEST
    assert response.content_type == "application/json"
    assert await response.json() == {"error": error}
    assert len(error) < 64
    assert _states(hass) == before


async def test_signed_delivery_with_wrong_typed_field_applies_the_others(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = copy.deepcopy(load_fixture("v2_dynamic.json"))
    _v2_battery(document)["percentRemaining"] = "0.73"

    response = await post_delivery(document)

    assert response.status == HTTPStatus.OK
    assert await response.json() == {"status": "ok"}
    # The battery never had a good value: no entity for it yet.
    assert not er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{V2_VEHICLE}_battery_level"
    )
    assert _state(hass, "sensor", V2_VEHICLE, "range") == "312.5"
    assert _state(hass, "binary_sensor", V2_VEHICLE, "plugged_in") == "on"


async def test_signed_body_with_lone_surrogates_leaves_everything_storable(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    """JSON escapes a lone surrogate; orjson cannot store one (red team 7.3)."""
    document = copy.deepcopy(load_fixture("v2_dynamic.json"))
    document["webhookId"] = "c6ba6fcc\ud800"
    document["payload"]["vehicles"][1]["vehicleId"] = "61203471\ud800"
    document["payload"]["vehicles"][1]["requestId"] = "\ud800"
    raw = _raw(document)
    assert b"\\ud800" in raw

    response = await post_delivery(raw)

    assert response.status == HTTPStatus.OK
    assert _state(hass, "sensor", V2_VEHICLE, "battery_level") == "73.0"
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), setup_entry.entry_id
    )
    assert [d.identifiers for d in devices] == [{(DOMAIN, V2_VEHICLE)}]
    for device in devices:
        assert device.as_storage_fragment
    entities = er.async_entries_for_config_entry(
        er.async_get(hass), setup_entry.entry_id
    )
    assert entities
    for entity in entities:
        assert entity.as_storage_fragment
    for state in hass.states.async_all():
        assert state.as_dict_json
    assert json_bytes(setup_entry.as_dict())
    assert "\ud800" not in str(setup_entry.data)


async def test_signed_delivery_of_a_charging_car_keeps_plausible_values(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    """Tires labelled bar but sent in kPa, a bare fuel fraction (issue 9.1, 9.7)."""
    response = await post_delivery(load_fixture("v4_vehicle_state_charging.json"))

    assert response.status == HTTPStatus.OK
    vehicle = setup_entry.runtime_data.store.vehicles[
        "4f8a2c1e-9b7d-4e3a-8c6f-2d1b0a9e7c54"
    ]
    assert vehicle.value(Field.TIRE_PRESSURE_FRONT_LEFT) == 262
    assert vehicle.value(Field.TIRE_PRESSURE_BACK_RIGHT) is None
    assert vehicle.value(Field.FUEL_LEVEL) == 35
    assert vehicle.value(Field.CHARGING_POWER) == 7210
    assert vehicle.value(Field.TIME_TO_FULL) == 95
    doors = vehicle.value(Field.DOORS)
    assert isinstance(doors, Closures)
    assert doors.is_open
    assert vehicle.value(Field.FIRMWARE_VERSION) == "3.1.7"


# --- duplicates -----------------------------------------------------------------


async def test_duplicate_v4_event_id_is_200_duplicate_and_changes_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    first = await post_delivery(load_fixture("v4_vehicle_state.json"))
    assert await first.json() == {"status": "ok"}
    before = _states(hass)
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    signal = _v4_signal(document, "tractionbattery-stateofcharge")
    signal["body"]["value"] = 12
    signal["meta"]["oemUpdatedAt"] += 60_000

    response = await post_delivery(document)

    assert response.status == HTTPStatus.OK
    assert await response.json() == {"status": "duplicate"}
    assert _states(hass) == before
    assert _state(hass, "sensor", V4_VEHICLE, "battery_level") == "67.0"


async def test_duplicate_v2_request_id_is_200_duplicate_and_changes_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    assert (await post_delivery(load_fixture("v2_dynamic.json"))).status == 200
    before = _states(hass)
    document = copy.deepcopy(load_fixture("v2_dynamic.json"))
    _v2_battery(document)["percentRemaining"] = 0.2
    document["payload"]["vehicles"][0]["data"][0]["headers"]["sc-data-age"] = (
        "2025-12-14T09:00:00.000Z"
    )

    response = await post_delivery(document)

    assert response.status == HTTPStatus.OK
    assert await response.json() == {"status": "duplicate"}
    assert _states(hass) == before
    assert _state(hass, "sensor", V2_VEHICLE, "battery_level") == "73.0"


async def test_duplicate_charging_event_is_200_duplicate(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    assert (await post_delivery(load_fixture("v2_event_based.json"))).status == 200
    response = await post_delivery(load_fixture("v2_event_based.json"))
    assert response.status == HTTPStatus.OK
    assert await response.json() == {"status": "duplicate"}


# --- methods and cloudhooks -------------------------------------------------------


async def test_get_is_405(
    setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    response = await post_delivery(b"", sign=False, method="GET")
    assert response.status == HTTPStatus.METHOD_NOT_ALLOWED


async def test_cloudhook_request_updates_entities(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    raw = _raw(load_fixture("v2_dynamic.json"))
    request = MockRequest(
        content=raw,
        mock_source="cloud",
        method="POST",
        headers={SIGNATURE_HEADER: sign_body(MANAGEMENT_TOKEN, raw)},
    )

    response = await async_handle_webhook(hass, WEBHOOK_ID, request)
    await hass.async_block_till_done()

    assert response.status == HTTPStatus.OK
    assert _state(hass, "sensor", V2_VEHICLE, "battery_level") == "73.0"
    assert _state(hass, "sensor", V2_VEHICLE, "charging_state") == "charging"


async def test_cloudhook_oversized_request_is_413(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)
    request = MockRequest(
        content=body,
        mock_source="cloud",
        method="POST",
        headers={SIGNATURE_HEADER: sign_body(MANAGEMENT_TOKEN, body)},
    )

    response = await async_handle_webhook(hass, WEBHOOK_ID, request)

    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


async def test_cloudhook_verify_is_answered_in_window(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    setup_entry.runtime_data.window.open()
    request = MockRequest(
        content=_raw(_v4_verify("cloud-challenge")), mock_source="cloud", method="POST"
    )

    response = await async_handle_webhook(hass, WEBHOOK_ID, request)

    assert response.status == HTTPStatus.OK
    assert json.loads(response.body) == {
        "challenge": hash_challenge(MANAGEMENT_TOKEN, "cloud-challenge")
    }


# --- 415 / 400: encoded and unreadable bodies ------------------------------------

# The webhook id travels in the URL: Home Assistant itself logs it for every
# request at DEBUG (and aiohttp's access log, which Home Assistant silences).
CORE_REQUEST_LOGGERS = {
    "aiohttp.access",
    "homeassistant.components.webhook",
    "homeassistant.helpers.http",
}


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "zstd", "x-custom", "GZIP"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("repeat", [1, 30_000], ids=["small", "large"])
async def test_encoded_body_is_415_before_anything_is_read(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    encoding: str,
    signed: bool,
    repeat: int,
) -> None:
    """A body that claims compression but is not compressed data (red team 7.1)."""
    client = await hass_client_no_auth()
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    body = b"this is not compressed data" * repeat
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    if signed:
        headers[SIGNATURE_HEADER] = sign_body(MANAGEMENT_TOKEN, body)

    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}", data=body, headers=headers
    )
    await hass.async_block_till_done()

    assert response.status == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert await response.json() == {"error": "unsupported encoding"}
    # asyncio's slow-callback warnings say the machine is busy, nothing more.
    assert [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name != "asyncio"
    ] == []
    assert [
        r.getMessage()
        for r in caplog.records
        if WEBHOOK_ID in r.getMessage() and r.name not in CORE_REQUEST_LOGGERS
    ] == []


@pytest.mark.parametrize("encoding", ["identity", "IDENTITY", " identity ", ""])
async def test_identity_encoding_is_read_as_usual(
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    encoding: str,
) -> None:
    client = await hass_client_no_auth()
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}

    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}", data=b"not json", headers=headers
    )

    assert response.status == HTTPStatus.UNAUTHORIZED


async def test_encoded_body_is_never_read() -> None:
    content = _ChunkedContent(b"\x1f\x8b not really gzip", chunk=8)
    request = _FakeRequest(content, {"Content-Encoding": "gzip"})

    response = await _handler()(None, WEBHOOK_ID, request)

    assert response.status == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert content.reads == 0


async def test_cloudhook_request_with_an_encoding_is_415(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    raw = _raw(load_fixture("v2_dynamic.json"))
    request = MockRequest(
        content=raw,
        mock_source="cloud",
        method="POST",
        headers={
            SIGNATURE_HEADER: sign_body(MANAGEMENT_TOKEN, raw),
            "Content-Encoding": "gzip",
        },
    )

    response = await async_handle_webhook(hass, WEBHOOK_ID, request)

    assert response.status == HTTPStatus.UNSUPPORTED_MEDIA_TYPE


# --- never 5xx, never an escaping exception ---------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        ClientError("connection reset"),
        OSError("broken"),
        ValueError("bad chunk"),
        RequestPayloadError("Can not decode content-encoding: gzip"),
        ContentLengthError("Not enough data to satisfy content length header."),
        TimeoutError(),
    ],
    ids=repr,
)
async def test_unreadable_body_is_400(error: Exception) -> None:
    response = await _handler()(None, WEBHOOK_ID, _FakeRequest(_RaisingContent(error)))
    assert response.status == HTTPStatus.BAD_REQUEST


def _json_documents() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=12), children, max_size=4)
        ),
        max_leaves=12,
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document, the root excluded."""
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    paths: list[tuple[Any, ...]] = []
    for key, child in children:
        paths.append((*prefix, key))
        paths.extend(_paths(child, (*prefix, key)))
    return paths


def _mutated_fixtures() -> st.SearchStrategy[bytes]:
    """A fixture body with one value anywhere replaced by a random JSON value."""
    names = st.sampled_from(
        [
            "v2_dynamic.json",
            "v2_event_based.json",
            "v2_scheduled_imperial.json",
            "v2_verify.json",
            "v4_vehicle_error.json",
            "v4_vehicle_state.json",
            "v4_verify.json",
        ]
    )

    def mutate(name: str, index: int, value: Any) -> bytes:
        document = copy.deepcopy(load_fixture(name))
        paths = _paths(document)
        *parents, last = paths[index % len(paths)]
        node = document
        for key in parents:
            node = node[key]
        node[last] = value
        return json.dumps(document).encode()

    return st.builds(mutate, names, st.integers(0, 10**6), _json_documents())


@settings(max_examples=50, deadline=None)
@given(
    body=st.binary(max_size=512)
    | _json_documents().map(lambda doc: json.dumps(doc).encode())
    | _mutated_fixtures(),
    signed=st.sampled_from(["valid", "none", "wrong"]),
    window_open=st.booleans(),
)
async def test_handler_never_answers_5xx(
    body: bytes, signed: str, window_open: bool
) -> None:
    window = VerificationWindow()
    if window_open:
        window.open()
    signature = {
        "valid": sign_body(MANAGEMENT_TOKEN, body),
        "none": None,
        "wrong": "0" * 64,
    }[signed]

    response = await _handler(window)(None, WEBHOOK_ID, _request(body, signature))

    assert response.status in NOT_5XX
    assert response.content_type == "application/json"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.binary(max_size=256), signed=st.booleans())
async def test_webhook_over_http_never_answers_5xx(
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    body: bytes,
    signed: bool,
) -> None:
    response = await post_delivery(body, sign=signed)
    assert response.status in NOT_5XX


async def test_verify_with_unencodable_challenge_is_refused_not_raised() -> None:
    r"""A challenge with a lone surrogate cannot be hashed: refuse it, do not raise.

    JSON allows "\ud800"; `hash_challenge` encodes the challenge as UTF-8.
    """
    window = VerificationWindow()
    window.open()
    body = b'{"eventType": "VERIFY", "data": {"challenge": "\\ud800"}}'

    response = await _handler(window)(None, WEBHOOK_ID, _request(body))

    assert response.status in (HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN)


async def test_verify_with_unencodable_challenge_over_http_is_not_200(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    setup_entry.runtime_data.window.open()
    body = b'{"eventType": "VERIFY", "data": {"challenge": "\\ud800"}}'

    response = await post_delivery(body, sign=False)

    assert response.status in (HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN)
    assert response.content_type == "application/json"


async def test_signature_header_with_undecodable_bytes_is_401(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Aiohttp decodes header bytes with surrogateescape; such a header is bad."""
    client = await hass_client_no_auth()
    body = _raw(load_fixture("v4_vehicle_state.json"))
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"POST /api/webhook/" + WEBHOOK_ID.encode() + b" HTTP/1.1\r\n"
        b"Host: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        b"SC-Signature: \xff\xfe\r\nConnection: close\r\n\r\n" + body
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    await hass.async_block_till_done()

    assert status_line.split()[1] == b"401"


async def test_handler_with_undecodable_signature_header_is_401() -> None:
    body = _raw(load_fixture("v4_vehicle_state.json"))
    response = await _handler()(None, WEBHOOK_ID, _request(body, "\udcff\udcfe"))
    assert response.status == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
async def test_request_text_never_reaches_a_log_line(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    caplog: pytest.LogCaptureFixture,
    signed: bool,
) -> None:
    """A forged line in a body must not become a log line (red team 7.5)."""
    forged = "/x\nERROR forged line\x1b[2K"
    v2 = copy.deepcopy(load_fixture("v2_dynamic.json"))
    v2["payload"]["vehicles"][0]["data"].append(
        {"path": forged, "code": 200, "body": {}, "headers": {}}
    )
    v4 = copy.deepcopy(load_fixture("v4_vehicle_error.json"))
    v4["eventType"] = forged
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    for document in (v2, v4, _v4_verify(forged)):
        await post_delivery(document, sign=signed)

    assert "forged" not in caplog.text
    for record in caplog.records:
        assert record.getMessage().isprintable(), record.getMessage()


# --- is_safe_challenge and read_body ----------------------------------------------


@pytest.mark.parametrize(
    ("challenge", "safe"),
    [
        ("e656678338d8417732296d0faf9370ff", True),
        ("30a407b9-b1ac-41a0-989a-ae4c28c9a43a", True),
        ("", True),
        ("a}b]", True),
        ("a" * MAX_CHALLENGE_LENGTH, True),
        ("a" * (MAX_CHALLENGE_LENGTH + 1), False),
        ("{", False),
        ("[", False),
        ("  \t\r\n{abc", False),
        (" [abc", False),
        ('x"y', False),
        ('"', False),
    ],
)
def test_is_safe_challenge(challenge: str, safe: bool) -> None:
    assert is_safe_challenge(challenge) is safe


async def test_read_body_joins_small_chunks() -> None:
    data = b'{"eventType": "VERIFY"}' * 10
    content = _ChunkedContent(data, chunk=7)

    assert await read_body(_FakeRequest(content)) == data
    assert content.reads > len(data) // 7


async def test_read_body_of_exactly_1_mib_in_chunks() -> None:
    data = b"a" * MAX_BODY_BYTES
    assert await read_body(_FakeRequest(_ChunkedContent(data, 64 * 1024))) == data


async def test_read_body_over_1_mib_in_chunks_is_none() -> None:
    data = b"a" * (MAX_BODY_BYTES + 1)
    assert await read_body(_FakeRequest(_ChunkedContent(data, 64 * 1024))) is None


async def test_read_body_with_large_content_length_reads_nothing() -> None:
    content = _ChunkedContent(b"{}", chunk=2)
    request = _FakeRequest(content)
    request.content_length = MAX_BODY_BYTES + 1

    assert await read_body(request) is None
    assert content.reads == 0


async def test_read_body_of_mock_request() -> None:
    assert await read_body(_mock_request(b'{"a": 1}')) == b'{"a": 1}'


async def test_read_body_of_empty_body() -> None:
    assert await read_body(_FakeRequest(_ChunkedContent(b"", 8))) == b""


# --- logs -------------------------------------------------------------------------


async def test_logs_never_contain_secrets_or_positions(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    v4 = load_fixture("v4_vehicle_state.json")
    v2 = load_fixture("v2_dynamic.json")
    signatures = [sign_body(MANAGEMENT_TOKEN, _raw(doc)) for doc in (v4, v2)]
    bad = copy.deepcopy(v4)
    bad["eventId"] = "out-of-range-location"
    _v4_signal(bad, "location-preciselocation")["body"]["latitude"] = 123.4567

    statuses = [
        (await post_delivery(v4)).status,
        (await post_delivery(v2)).status,
        (await post_delivery(v4)).status,  # duplicate
        (await post_delivery(bad, sign=True)).status,  # dropped field
        (await post_delivery(v4, signature="1" * 64)).status,
        (await post_delivery(v4, sign=False)).status,
        (await post_delivery(b"not json")).status,
        (await post_delivery(b"x" * (MAX_BODY_BYTES + 1))).status,
        (await post_delivery(_v4_verify("challenge-1"), sign=False)).status,
    ]
    setup_entry.runtime_data.window.open()
    statuses.append((await post_delivery(_v4_verify("challenge-2"), sign=False)).status)

    assert statuses == [200, 200, 200, 200, 401, 401, 400, 413, 403, 200]
    ours = [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.smartcar_webhooks")
    ]
    assert ours, "expected the integration to log something"
    text = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in ours
    )
    secrets = [
        MANAGEMENT_TOKEN,
        WEBHOOK_ID,
        *signatures,
        "1" * 64,
        hash_challenge(MANAGEMENT_TOKEN, "challenge-2"),
        "52.5163",
        "13.3777",
        "123.4567",
        "48.1372",
        "11.5755",
    ]
    for secret in secrets:
        assert secret not in text
    # Home Assistant's own webhook component logs the webhook id at DEBUG; the
    # integration's lines must not add any of the secrets to the whole log.
    # (Not the test plugin's storage mock, which logs what it "writes": every
    # delivery is written at once now. Home Assistant's Store logs the key only.)
    whole = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("pytest_homeassistant_custom_component")
    )
    for secret in secrets:
        if secret != WEBHOOK_ID:
            assert secret not in whole
