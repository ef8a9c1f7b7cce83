"""Strings from a body: ids kept only when clean, display text cleaned."""

from __future__ import annotations

from typing import Any
import unicodedata

from hypothesis import given, strategies as st
import pytest

from custom_components.smartcar_webhooks.smartcar.text import (
    MAX_ID_LENGTH,
    clean_code,
    clean_id,
    clean_text,
    signal_code,
)

# Every code point, lone surrogates and controls included.
ANY_CHARACTER = st.characters(exclude_categories=())


def _is_clean(text: str) -> bool:
    text.encode("utf-8")  # strict: raises on a lone surrogate
    return not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


@pytest.mark.parametrize(
    "value",
    [
        "9df3e999-f80f-4893-9c42-d3e9f351e174",
        "00000000-0000-4000-A000-000000000000",
        "another-request",
        "a",
        "x" * MAX_ID_LENGTH,
    ],
)
def test_clean_id_keeps_an_id_as_sent(value: str) -> None:
    assert clean_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "9df3e999\ud800",
        "vehicle\n1",
        "vehicle 1",
        "vehicle\x00",
        "véhicule",
        "",
        "x" * (MAX_ID_LENGTH + 1),
        None,
        42,
        ["id"],
    ],
    ids=repr,
)
def test_clean_id_refuses_anything_else(value: Any) -> None:
    assert clean_id(value) is None


def test_clean_code_keeps_smartcar_codes_and_refuses_text() -> None:
    assert clean_code("VEHICLE_NOT_CAPABLE") == "VEHICLE_NOT_CAPABLE"
    assert clean_code("REAUTHENTICATE\u202e") is None
    assert clean_code("x" * 65) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("POLESTAR", "POLESTAR"),
        ("POL\ud800STAR", "POLSTAR"),
        ("Model\n3", "Model 3"),
        ("ID.4\r\nERROR forged line", "ID.4 ERROR forged line"),
        ("  EV6  ", "EV6"),
        ("E\x00V\x1b[31m6", "EV[31m6"),
        ("abc\u202edef", "abcdef"),
        ("a\u2028b", "a b"),
        ("Škoda Enyaq", "Škoda Enyaq"),
        ("\ud800\udfff", None),
        ("\n\t ", None),
        ("", None),
        (None, None),
        (3, None),
    ],
    ids=repr,
)
def test_clean_text(value: Any, expected: str | None) -> None:
    assert clean_text(value, 64) == expected


def test_clean_text_bounds_the_length() -> None:
    assert clean_text("x" * 10_000, 64) == "x" * 64
    assert clean_text("a " * 40, 5) == "a a a"


@given(st.text(ANY_CHARACTER, max_size=200), st.integers(1, 100))
def test_clean_text_is_always_clean_and_bounded(value: str, max_length: int) -> None:
    text = clean_text(value, max_length)
    if text is not None:
        assert _is_clean(text)
        assert 0 < len(text) <= max_length
        assert text == text.strip()


@given(st.text(ANY_CHARACTER, max_size=40))
def test_clean_id_is_the_input_or_none(value: str) -> None:
    identifier = clean_id(value)
    assert identifier is None or (identifier == value and _is_clean(value))


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("TractionBattery.StateOfCharge", "tractionbattery-stateofcharge"),
        ("VehicleUserAccount.Permissions", "vehicleuseraccount-permissions"),
        ("closure-islocked", "closure-islocked"),
        ("Charge-ChargeLimits", "charge-chargelimits"),
        ("IsLocked", None),
        ("Closure.Is Locked", None),
        ("Closure.IsLocked\n", None),
        ("", None),
        (None, None),
        ({"code": "closure-islocked"}, None),
    ],
    ids=repr,
)
def test_signal_code(reference: Any, code: str | None) -> None:
    assert signal_code(reference) == code
