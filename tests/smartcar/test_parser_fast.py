"""What makes parsing cheap changes nothing it gives: orjson, and re-sent bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json

from custom_components.smartcar_webhooks.smartcar import DataDelivery, parse_delivery
from custom_components.smartcar_webhooks.smartcar.parser import RECENT_BODIES

T0 = datetime(2026, 1, 31, 22, 10, tzinfo=UTC)
OEM_MS = int((T0 - timedelta(minutes=1)).timestamp() * 1000)


def body(oem_ms: int = OEM_MS, event: str = "event-1", soc: object = 42) -> bytes:
    return json.dumps(
        {
            "eventId": event,
            "eventType": "VEHICLE_STATE",
            "data": {
                "vehicle": {"id": "3f1c2a8e-5b7d-4e21-9a60-0c4d8b2e7f19"},
                "signals": [
                    {
                        "code": "tractionbattery-stateofcharge",
                        "body": {"value": soc, "unit": "percent"},
                        "meta": {"oemUpdatedAt": oem_ms},
                        "status": {"value": "SUCCESS"},
                    }
                ],
            },
            "meta": {"deliveredAt": oem_ms, "mode": "LIVE"},
        }
    ).encode()


def test_a_re_sent_body_is_the_same_delivery_received_now() -> None:
    first = parse_delivery(body(), received_at=T0)
    again = parse_delivery(body(), received_at=T0 + timedelta(seconds=25))

    assert isinstance(again, DataDelivery)
    assert again.received_at == T0 + timedelta(seconds=25)
    assert again.vehicles == first.vehicles  # type: ignore[union-attr]


def test_a_body_whose_car_time_was_cut_to_its_arrival_is_parsed_again() -> None:
    ahead = int((T0 + timedelta(minutes=5)).timestamp() * 1000)
    first = parse_delivery(body(ahead), received_at=T0)
    later = T0 + timedelta(minutes=10)
    again = parse_delivery(body(ahead), received_at=later)

    assert isinstance(first, DataDelivery)
    assert isinstance(again, DataDelivery)
    assert first.vehicles[0].readings[0].recorded_at == T0
    assert again.vehicles[0].readings[0].recorded_at == T0 + timedelta(minutes=5)


def test_a_body_arriving_before_its_car_time_is_parsed_again() -> None:
    parse_delivery(body(), received_at=T0)
    early = T0 - timedelta(minutes=2)
    again = parse_delivery(body(), received_at=early)

    assert isinstance(again, DataDelivery)
    assert again.vehicles[0].readings[0].recorded_at == early


def test_only_the_latest_bodies_are_kept() -> None:
    bodies = [body(event=f"event-{n}") for n in range(RECENT_BODIES + 1)]
    for raw in bodies:
        parse_delivery(raw, received_at=T0)
    # The first was forgotten: parsing it again gives an equal, new delivery.
    again = parse_delivery(bodies[0], received_at=T0)
    assert again == parse_delivery(bodies[0], received_at=T0)


def test_nan_is_a_dropped_value_whichever_library_parses() -> None:
    raw = body().replace(b'"value": 42', b'"value": NaN')
    delivery = parse_delivery(raw, received_at=T0)

    assert isinstance(delivery, DataDelivery)
    assert delivery.vehicles[0].readings == ()
    assert [dropped.reason for dropped in delivery.dropped] == ["not a finite number"]


def test_a_utf16_body_still_parses() -> None:
    raw = body().decode().encode("utf-16")
    assert isinstance(parse_delivery(raw, received_at=T0), DataDelivery)


def test_an_unchanged_signal_reads_as_before_in_the_new_delivery() -> None:
    first = parse_delivery(body(event="event-1"), received_at=T0)
    second = parse_delivery(body(event="event-2"), received_at=T0)

    assert isinstance(first, DataDelivery)
    assert isinstance(second, DataDelivery)
    (before,), (after,) = first.vehicles[0].readings, second.vehicles[0].readings
    assert after.delivery_id == "event-2"
    assert (after.field, after.value, after.unit, after.recorded_at) == (
        before.field,
        before.value,
        before.unit,
        before.recorded_at,
    )


def test_a_changed_signal_is_read_again() -> None:
    parse_delivery(body(event="event-1"), received_at=T0)
    second = parse_delivery(body(event="event-2", soc=43), received_at=T0)

    assert isinstance(second, DataDelivery)
    assert second.vehicles[0].readings[0].value == 43


def test_an_unchanged_signal_ahead_of_the_clock_is_cut_to_each_arrival() -> None:
    ahead = int((T0 + timedelta(minutes=5)).timestamp() * 1000)
    parse_delivery(body(ahead, event="event-1"), received_at=T0)
    later = T0 + timedelta(minutes=2)
    second = parse_delivery(body(ahead, event="event-2"), received_at=later)

    assert isinstance(second, DataDelivery)
    assert second.vehicles[0].readings[0].recorded_at == later


def test_an_unchanged_dropped_value_is_dropped_again() -> None:
    for event in ("event-1", "event-2"):
        delivery = parse_delivery(body(event=event, soc=101), received_at=T0)
        assert isinstance(delivery, DataDelivery)
        assert [dropped.reason for dropped in delivery.dropped] == ["implausible value"]
