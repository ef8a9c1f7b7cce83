"""Smartcar's v3 error answers as typed errors: clean codes, short text, sane waits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar.api_errors import (
    MAX_RETRY_AFTER,
    api_error,
    clamp_retry_after,
)
from custom_components.smartcar_webhooks.smartcar.client import (
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarBillingError,
    SmartcarPermissionError,
    SmartcarRateLimitError,
)
from custom_components.smartcar_webhooks.smartcar.signals_read import (
    signals_as_delivery,
)
from custom_components.smartcar_webhooks.smartcar.v3 import SignalsResult

RECEIVED_AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0", 0.0),
        ("30", 30.0),
        (" 45 ", 45.0),
        ("86400", 86400.0),
        ("86401", float(MAX_RETRY_AFTER)),
        ("999999999999", float(MAX_RETRY_AFTER)),
        ("9" * 13, None),
        ("-1", None),
        ("+5", None),
        ("1.5", None),
        ("1e3", None),
        ("NaN", None),
        ("inf", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),
        ("", None),
        (None, None),
        ("٣", None),  # a non-ASCII digit
    ],
)
def test_retry_after_is_plain_seconds_within_a_day(
    header: str | None, seconds: float | None
) -> None:
    assert clamp_retry_after(header) == seconds


def test_the_first_of_a_json_api_errors_list_is_read() -> None:
    error = api_error(
        429,
        {"errors": [{"type": "RATE_LIMIT", "code": "VEHICLE", "title": "Slow down"}]},
        retry_after="10",
    )

    assert isinstance(error, SmartcarRateLimitError)
    assert error.retry_after == 10
    assert str(error) == "Smartcar API error 429 (RATE_LIMIT/VEHICLE): Slow down"


@pytest.mark.parametrize("body", [{"errors": []}, {"errors": ["x"]}, [], "text", None])
def test_an_answer_without_an_error_object_is_named_by_its_status(body: Any) -> None:
    error = api_error(418, body)

    assert type(error) is SmartcarApiError
    assert str(error) == "Smartcar API error 418"


def test_resolution_reauthenticate_is_an_auth_error() -> None:
    assert isinstance(
        api_error(
            400, {"type": "CONNECTED_SERVICES_ACCOUNT", "resolution": "REAUTHENTICATE"}
        ),
        SmartcarAuthError,
    )
    assert isinstance(
        api_error(400, {"type": "X", "resolution": {"type": "REAUTHENTICATE"}}),
        SmartcarAuthError,
    )


def test_permission_and_billing_types() -> None:
    assert isinstance(api_error(403, {"type": "PERMISSION"}), SmartcarPermissionError)
    assert isinstance(api_error(402, {"type": "BILLING"}), SmartcarBillingError)


def test_upstream_rate_limit_is_a_rate_limit() -> None:
    error = api_error(502, {"type": "UPSTREAM", "code": "RATE_LIMIT"})

    assert isinstance(error, SmartcarRateLimitError)
    assert error.retry_after is None


def test_the_description_is_taken_from_the_first_field_with_text() -> None:
    error = api_error(
        400, {"detail": "  \u200b ", "description": "Second", "title": "T"}
    )

    assert str(error) == "Smartcar API error 400: Second"


# --- a signals read as a delivery -----------------------------------------------------


def _read(items: list[Any]) -> SignalsResult:
    return SignalsResult("vehicle-1", "user-1", {"data": items})


def test_numeric_times_are_kept_and_odd_ones_left_out() -> None:
    at = int(datetime(2026, 12, 1, 11, tzinfo=UTC).timestamp() * 1000)
    items = [
        {
            "attributes": {
                "code": "tractionbattery-stateofcharge",
                "body": {"value": 50},
            },
            "meta": {"oemUpdatedAt": at},
        },
        {
            "attributes": {"code": "odometer-traveleddistance", "body": {"value": 10}},
            "meta": {"oemUpdatedAt": "2026-12-01T11:00:00"},  # no zone: no time
        },
        {
            "attributes": {"code": "closure-islocked", "body": {"value": True}},
            "meta": {"oemUpdatedAt": True, "retrievedAt": "x" * 50},
        },
        {
            "attributes": {"code": "charge-ischarging", "body": {"value": True}},
            "meta": {"oemUpdatedAt": "not a time", "retrievedAt": float("inf")},
        },
        {"attributes": "not an object"},
    ]

    (report,) = signals_as_delivery(_read(items), RECEIVED_AT).vehicles

    times = {reading.field.value: reading.recorded_at for reading in report.readings}
    assert times["battery_level"] == datetime(2026, 12, 1, 11, tzinfo=UTC)
    assert times["odometer"] is None
    assert times["locked"] is None
    assert times["charging"] is None
    assert report.vehicle.vehicle_id == "vehicle-1"


def test_a_vehicle_id_the_parser_refuses_is_an_api_error() -> None:
    result = SignalsResult("not a clean id", "user-1", {"data": []})

    with pytest.raises(SmartcarApiError, match="cannot be read"):
        signals_as_delivery(result, RECEIVED_AT)
