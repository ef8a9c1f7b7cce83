"""An unsigned body is read for a VERIFY challenge and nothing else (red team 7.5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
import json
import logging
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.smartcar_webhooks.smartcar import (
    InvalidDeliveryError,
    VerifyRequest,
    parse_delivery,
    parse_unsigned_verify,
)

type LoadJson = Callable[[str], Any]


def test_v4_verify_gives_its_challenge_and_claimed_webhook_id(
    fixture_json: LoadJson,
) -> None:
    body = json.dumps(fixture_json("v4_verify.json"))
    assert parse_unsigned_verify(body) == VerifyRequest(
        "e656678338d8417732296d0faf9370ff",
        "8a326743-4efd-406d-88d6-1c8cb3420e11",
        "4.0",
    )


def test_v2_verify_gives_its_challenge_and_claimed_webhook_id(
    fixture_json: LoadJson,
) -> None:
    body = json.dumps(fixture_json("v2_verify.json")).encode()
    assert parse_unsigned_verify(body) == VerifyRequest(
        "30a407b9-b1ac-41a0-989a-ae4c28c9a43a",
        "c6ba6fcc-64f1-4daa-9ad6-16c8ee597411",
        "2.0",
    )


@pytest.mark.parametrize(
    "webhook_id",
    ["\ud800", "8a326743\n", "x" * 129, 7, None, ["id"]],
    ids=repr,
)
def test_claimed_webhook_id_that_is_not_clean_is_none(webhook_id: Any) -> None:
    for document in (
        {
            "eventType": "VERIFY",
            "data": {"challenge": "c"},
            "meta": {"webhookId": webhook_id},
        },
        {"eventName": "verify", "payload": {"challenge": "c"}, "webhookId": webhook_id},
    ):
        request = parse_unsigned_verify(json.dumps(document))
        assert request is not None
        assert request.webhook_id is None


def test_v4_webhook_id_outside_meta_is_not_read() -> None:
    body = '{"eventType":"VERIFY","webhookId":"w","data":{"challenge":"c","webhookId":"w"}}'
    assert parse_unsigned_verify(body) == VerifyRequest("c", None, "4.0")


def test_minimal_verify_bodies() -> None:
    assert parse_unsigned_verify(
        b'{"eventType":"VERIFY","data":{"challenge":"c"}}'
    ) == VerifyRequest("c", None, "4.0")
    assert parse_unsigned_verify(
        b'{"eventName":"verify","payload":{"challenge":"c"}}'
    ) == VerifyRequest("c", None, "2.0")


def test_challenge_is_kept_exactly_as_sent() -> None:
    # Answered byte for byte; the webhook refuses an unsafe one.
    body = b'{"eventType":"VERIFY","data":{"challenge":" {\\ud800\\n"}}'
    request = parse_unsigned_verify(body)
    assert request is not None
    assert request.challenge == " {\ud800\n"


@pytest.mark.parametrize(
    "fixture",
    [
        "v4_vehicle_state.json",
        "v4_vehicle_error.json",
        "v2_dynamic.json",
        "v2_event_based.json",
    ],
)
def test_a_delivery_is_not_a_verify(fixture: str, fixture_json: LoadJson) -> None:
    assert parse_unsigned_verify(json.dumps(fixture_json(fixture))) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"VERIFY"',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"eventType":"VERIFY"}',
        b'{"eventType":"VERIFY","data":[]}',
        b'{"eventType":"VERIFY","data":{"challenge":""}}',
        b'{"eventType":"VERIFY","data":{"challenge":42}}',
        b'{"eventType":"VERIFY","data":{"challenge":["c"]}}',
        b'{"eventType":"verify","data":{"challenge":"c"}}',
        b'{"eventType":["VERIFY"],"data":{"challenge":"c"}}',
        b'{"eventName":"VERIFY","payload":{"challenge":"c"}}',
        b'{"eventName":"verify","data":{"challenge":"c"}}',
        b'{"eventType":"VEHICLE_STATE","eventName":"verify","payload":{"challenge":"c"}}',
    ],
    ids=repr,
)
def test_anything_else_is_none(body: bytes) -> None:
    assert parse_unsigned_verify(body) is None


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=256)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["eventType", "eventName", "data", "payload", "challenge"]
                )
                | st.text(max_size=5),
                children | st.sampled_from(["VERIFY", "verify"]),
                max_size=4,
            )
        ),
        max_leaves=12,
    ).map(lambda document: json.dumps(document).encode())
)
def test_agrees_with_parse_delivery_and_never_raises(body: bytes) -> None:
    request = parse_unsigned_verify(body)
    try:
        parsed = parse_delivery(body, received_at=datetime(2026, 1, 1, tzinfo=UTC))
    except InvalidDeliveryError:
        parsed = None
    if request is None:
        assert not isinstance(parsed, VerifyRequest)
    else:
        assert isinstance(parsed, VerifyRequest)
        assert request == parsed


def test_parser_never_logs_request_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    forged = "/x\nERROR forged line"
    v2 = {
        "eventName": "dynamic",
        "payload": {
            "vehicles": [
                {
                    "vehicleId": "vehicle-1",
                    "data": [{"path": forged, "code": 200, "body": {}}],
                }
            ]
        },
    }
    v4 = {
        "eventType": "VEHICLE_STATE",
        "data": {
            "vehicle": {"id": "vehicle-1"},
            "signals": [
                {"code": forged, "body": {"value": 1}},
                {"code": "tractionbattery-range", "body": {"value": 1, "unit": forged}},
            ],
        },
    }
    received_at = datetime(2026, 1, 1, tzinfo=UTC)

    for document in (v2, v4):
        parse_delivery(json.dumps(document), received_at=received_at)
        parse_unsigned_verify(json.dumps(document))

    assert caplog.records, "the parser says what it skipped"
    for record in caplog.records:
        message = record.getMessage()
        assert "forged" not in message
        assert message.isprintable()
