"""HMAC-SHA256 signatures: VERIFY answers and `SC-Signature` checks."""

from __future__ import annotations

from collections.abc import Callable
import hashlib
import hmac
import json
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar import (
    Delivery,
    InvalidDeliveryError,
    VerifyRequest,
    hash_challenge,
    sign_body,
    signature as signature_module,
    verify_signature,
)

AMT = "amt"
# Smartcar's published test vectors (docs / SDK tests).
CHALLENGE_ANSWER = "9baf5a7464bd86740ad5a06e439dcf535a075022ed2c92d74efacf646d79328e"
PIZZA_BODY = b'{"pizza":"pasta"}'
PIZZA_SIGNATURE = "4c05a8da471f05156ad717baa4017acd13a3a809850b9ca7d3301dcaaa854f70"


def _independent_hmac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def test_hash_challenge_matches_smartcar_test_vector() -> None:
    assert hash_challenge("amt", "challenge") == CHALLENGE_ANSWER


def test_sign_body_matches_smartcar_test_vector() -> None:
    assert sign_body("amt", PIZZA_BODY) == PIZZA_SIGNATURE


def test_sign_body_depends_on_the_amt() -> None:
    assert sign_body("another-amt", PIZZA_BODY) != PIZZA_SIGNATURE


def test_verify_answer_and_body_signature_are_the_same_construction() -> None:
    # Why VERIFY must never be answered for a body an attacker chose.
    assert hash_challenge(AMT, "challenge") == sign_body(AMT, b"challenge")


def test_hash_challenge_of_fixture_challenge_is_hex_hmac(
    fixture_json: Callable[[str], Any], parse: Callable[[Any], Delivery]
) -> None:
    request = parse(fixture_json("v4_verify.json"))
    assert isinstance(request, VerifyRequest)
    assert hash_challenge("my-amt", request.challenge) == _independent_hmac(
        "my-amt", request.challenge.encode()
    )


def test_verify_signature_accepts_the_right_signature() -> None:
    assert verify_signature(AMT, PIZZA_BODY, PIZZA_SIGNATURE) is True


@pytest.mark.parametrize(
    "signature",
    [
        PIZZA_SIGNATURE.upper(),
        f"  {PIZZA_SIGNATURE}  ",
        f"{PIZZA_SIGNATURE}\n",
        f"\t{PIZZA_SIGNATURE.upper()} ",
    ],
    ids=["uppercase", "spaces", "newline", "tab-uppercase"],
)
def test_verify_signature_accepts_case_and_surrounding_whitespace(
    signature: str,
) -> None:
    assert verify_signature(AMT, PIZZA_BODY, signature) is True


@pytest.mark.parametrize(
    "signature",
    [
        PIZZA_SIGNATURE[:-1] + ("0" if PIZZA_SIGNATURE[-1] != "0" else "1"),
        PIZZA_SIGNATURE[:-1],
        PIZZA_SIGNATURE + "0",
        sign_body("another-amt", PIZZA_BODY),
        CHALLENGE_ANSWER,
        f"sha256={PIZZA_SIGNATURE}",
        "0" * 64,
        PIZZA_SIGNATURE.replace("", " ").strip(),
    ],
    ids=[
        "last-digit-changed",
        "truncated",
        "extended",
        "other-amt",
        "other-message",
        "prefixed",
        "zeros",
        "inner-spaces",
    ],
)
def test_verify_signature_rejects_a_wrong_signature(signature: str) -> None:
    assert verify_signature(AMT, PIZZA_BODY, signature) is False


@pytest.mark.parametrize("signature", [None, "", "   "], ids=["none", "empty", "blank"])
def test_verify_signature_rejects_a_missing_signature(signature: str | None) -> None:
    assert verify_signature(AMT, PIZZA_BODY, signature) is False


@pytest.mark.parametrize(
    "signature",
    [
        "é" * 64,
        "ü" + PIZZA_SIGNATURE[1:],
        "\u0664" * 64,  # ARABIC-INDIC DIGIT FOUR
        PIZZA_SIGNATURE.translate({ord("0") + d: 0xFF10 + d for d in range(10)}),
        "\x00" * 64,
        "🚗" * 16,
    ],
    ids=["e-acute", "one-umlaut", "arabic-digits", "fullwidth-digits", "nul", "emoji"],
)
def test_verify_signature_rejects_non_ascii_garbage(signature: str) -> None:
    assert verify_signature(AMT, PIZZA_BODY, signature) is False


def test_verify_signature_rejects_undecodable_header_bytes() -> None:
    # aiohttp decodes header values with errors="surrogateescape", so the raw
    # bytes b"\xff..." of a hostile SC-Signature header reach us as lone surrogates.
    header = (b"\xff" * 64).decode("utf-8", "surrogateescape")
    assert verify_signature(AMT, PIZZA_BODY, header) is False


def test_verify_signature_rejects_signature_of_reserialized_body() -> None:
    reserialized = json.dumps(json.loads(PIZZA_BODY)).encode()
    assert reserialized != PIZZA_BODY
    assert verify_signature(AMT, PIZZA_BODY, sign_body(AMT, reserialized)) is False


def test_verify_signature_checks_raw_bytes_of_a_real_delivery(
    fixture_text: Callable[[str], str],
) -> None:
    body = fixture_text("v4_vehicle_state.json").encode()
    signature = _independent_hmac(AMT, body)
    assert verify_signature(AMT, body, signature) is True
    tampered = body.replace(b'"value": 67', b'"value": 68', 1)
    assert tampered != body
    assert verify_signature(AMT, tampered, signature) is False


def test_verify_signature_compares_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    compare_digest = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(signature_module.hmac, "compare_digest", spy)
    assert verify_signature(AMT, PIZZA_BODY, PIZZA_SIGNATURE.upper()) is True
    assert calls == [(PIZZA_SIGNATURE.encode(), PIZZA_SIGNATURE.encode())]


@pytest.mark.parametrize(
    "body",
    [
        b'{"eventType": "VERIFY", "data": {"challenge": "\\ud800"}}',
        b'{"eventName": "verify", "payload": {"challenge": "abc\\udfff"}}',
    ],
    ids=["v4-lone-surrogate", "v2-lone-surrogate"],
)
def test_every_parsed_verify_challenge_can_be_answered(
    body: bytes, parse: Callable[[Any], Delivery]
) -> None:
    # VERIFY is unsigned: anyone can send one. parse_delivery must either refuse
    # the challenge or return one that hash_challenge can answer without raising.
    try:
        request = parse(body)
    except InvalidDeliveryError:
        return
    assert isinstance(request, VerifyRequest)
    answer = hash_challenge(AMT, request.challenge)
    assert len(answer) == 64
    assert set(answer) <= set("0123456789abcdef")
