"""The vehicle store on its own: newest-wins merge, dedupe and notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.smartcar_webhooks.const import DEDUPE_MEMORY
from custom_components.smartcar_webhooks.smartcar import (
    ChargingEvent,
    ChargingEventType,
    ChargingState,
    DataDelivery,
    ErrorDelivery,
    ErrorState,
    Field,
    FieldError,
    Location,
    Mode,
    Reading,
    Unit,
    Value,
    VehicleError,
    VehicleInfo,
    VehicleReport,
)
from custom_components.smartcar_webhooks.store import (
    KEY_CHARGING_EVENT,
    KEY_LAST_DELIVERY,
    KEY_LAST_UPDATE,
    KEY_PROBLEM,
    VehicleState,
    VehicleStore,
)

VEHICLE = "d329211c-3829-4685-9f7e-b1216460d4a3"
OTHER = "61203471-718e-4ac0-ac71-a13b5ac2dee6"
T0 = datetime(2025, 12, 14, 8, 0, tzinfo=UTC)
ASLEEP = FieldError("VEHICLE_STATE", "ASLEEP", "RETRY_LATER")

# Hypothesis with the autouse `hass` fixture of conftest.py.
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _reading(
    value: Value | None = 50.0,
    at: datetime = T0,
    field: Field = Field.BATTERY_LEVEL,
    *,
    delivery_id: str = "delivery-1",
    error: FieldError | None = None,
    vehicle_id: str = VEHICLE,
) -> Reading:
    unit = Unit.PERCENT if field is Field.BATTERY_LEVEL else None
    return Reading(vehicle_id, field, value, unit, at, delivery_id, error)


def _error(at: datetime = T0, field: Field = Field.BATTERY_LEVEL) -> Reading:
    return _reading(None, at, field, error=ASLEEP)


def _delivery(
    *readings: Reading,
    delivery_id: str = "delivery-1",
    delivered_at: datetime = T0 + timedelta(minutes=10),
    info: VehicleInfo | None = None,
) -> DataDelivery:
    info = info or VehicleInfo(VEHICLE)
    return DataDelivery(
        kind="dynamic",
        webhook_id="c6ba6fcc-64f1-4daa-9ad6-16c8ee597411",
        mode=Mode.LIVE,
        delivered_at=delivered_at,
        vehicles=(VehicleReport(info, delivery_id, readings),),
    )


def _vehicle_error(
    state: ErrorState = ErrorState.ERROR,
    code: str | None = "AUTHENTICATION_FAILED",
    error_type: str = "CONNECTED_SERVICES_ACCOUNT",
) -> VehicleError:
    return VehicleError(error_type, code, None, "REAUTHENTICATE", state)


def _error_delivery(
    *errors: VehicleError, delivery_id: str = "error-1"
) -> ErrorDelivery:
    return ErrorDelivery(
        webhook_id=None,
        mode=Mode.LIVE,
        delivery_id=delivery_id,
        delivered_at=T0,
        vehicle=VehicleInfo(VEHICLE, "KIA", "EV6", 2023),
        errors=errors,
    )


def _charging_event(
    event_type: ChargingEventType = ChargingEventType.CHARGING_STARTED,
    delivery_id: str = "event-1",
    vehicle_id: str = VEHICLE,
) -> ChargingEvent:
    return ChargingEvent(None, Mode.LIVE, delivery_id, vehicle_id, event_type, T0)


def _state() -> VehicleState:
    return VehicleState(VEHICLE, VehicleInfo(VEHICLE))


def _calls(store: VehicleStore, *keys: str) -> dict[str, int]:
    """Count listener calls per key of VEHICLE."""
    calls = dict.fromkeys(keys, 0)

    def listener_for(key: str) -> None:
        def listener() -> None:
            calls[key] += 1

        store.async_add_listener(VEHICLE, key, listener)

    for key in keys:
        listener_for(key)
    return calls


# --- VehicleState.merge -------------------------------------------------------------


def test_merge_first_reading_is_stored_and_changed() -> None:
    state = _state()
    reading = _reading(50.0)

    assert state.merge([reading]) == {"battery_level"}
    assert state.readings[Field.BATTERY_LEVEL] is reading


def test_merge_newer_reading_replaces_older() -> None:
    state = _state()
    state.merge([_reading(50.0, T0)])
    newer = _reading(60.0, T0 + timedelta(minutes=1))

    assert state.merge([newer]) == {"battery_level"}
    assert state.readings[Field.BATTERY_LEVEL] is newer


def test_merge_older_reading_is_ignored() -> None:
    state = _state()
    newer = _reading(60.0, T0 + timedelta(minutes=1))
    state.merge([newer])

    assert state.merge([_reading(50.0, T0)]) == set()
    assert state.readings[Field.BATTERY_LEVEL] is newer


def test_merge_equal_times_take_the_later_arrival() -> None:
    state = _state()
    state.merge([_reading(50.0, T0, delivery_id="first")])
    later = _reading(51.0, T0, delivery_id="second")

    assert state.merge([later]) == {"battery_level"}
    assert state.readings[Field.BATTERY_LEVEL] is later


def test_merge_same_value_newer_time_is_stored_but_not_changed() -> None:
    state = _state()
    state.merge([_reading(50.0, T0)])
    again = _reading(50.0, T0 + timedelta(hours=1))

    assert state.merge([again]) == set()
    assert state.readings[Field.BATTERY_LEVEL].recorded_at == again.recorded_at


def test_merge_value_to_error_is_changed() -> None:
    state = _state()
    state.merge([_reading(50.0, T0)])

    assert state.merge([_error(T0 + timedelta(minutes=1))]) == {"battery_level"}
    assert not state.has_value(Field.BATTERY_LEVEL)


def test_merge_error_to_error_is_not_changed() -> None:
    state = _state()
    state.merge([_error(T0)])
    other = _reading(
        None,
        T0 + timedelta(minutes=1),
        error=FieldError("VEHICLE_STATE", "UNREACHABLE"),
    )

    assert state.merge([other]) == set()


def test_merge_error_to_value_is_changed() -> None:
    state = _state()
    state.merge([_error(T0)])

    assert state.merge([_reading(50.0, T0 + timedelta(minutes=1))]) == {"battery_level"}
    assert state.has_value(Field.BATTERY_LEVEL)


def test_merge_reports_only_the_fields_that_changed() -> None:
    state = _state()
    state.merge(
        [
            _reading(50.0, T0),
            _reading(300.0, T0, Field.RANGE),
            _reading(ChargingState.CHARGING, T0, Field.CHARGING_STATE),
        ]
    )
    later = T0 + timedelta(minutes=5)

    changed = state.merge(
        [
            _reading(50.0, later),
            _reading(290.0, later, Field.RANGE),
            _reading(ChargingState.CHARGING, later, Field.CHARGING_STATE),
            _reading(Location(48.1, 11.5), later, Field.LOCATION),
        ]
    )

    assert changed == {"range", "location"}


def test_last_update_is_the_newest_good_reading() -> None:
    state = _state()
    state.merge(
        [
            _reading(50.0, T0),
            _reading(300.0, T0 + timedelta(minutes=3), Field.RANGE),
            _error(T0 + timedelta(minutes=9), Field.LOCATION),
        ]
    )

    assert state.last_update == T0 + timedelta(minutes=3)


def test_last_update_without_good_readings_is_none() -> None:
    state = _state()
    assert state.last_update is None
    state.merge([_error(T0)])
    assert state.last_update is None


def test_has_value() -> None:
    state = _state()
    state.merge([_reading(50.0), _error(field=Field.RANGE)])

    assert state.has_value(Field.BATTERY_LEVEL)
    assert not state.has_value(Field.RANGE)
    assert not state.has_value(Field.LOCATION)


# --- dedupe -------------------------------------------------------------------------


def test_seen_is_true_the_second_time() -> None:
    state = _state()
    assert state.seen("delivery-1") is False
    assert state.seen("delivery-1") is True
    assert state.seen("delivery-2") is False


def test_empty_delivery_id_is_never_a_duplicate() -> None:
    state = _state()
    assert state.seen("") is False
    assert state.seen("") is False
    assert len(state.seen_deliveries) == 0


def test_dedupe_memory_is_bounded() -> None:
    state = _state()
    for index in range(DEDUPE_MEMORY + 1):
        assert state.seen(f"delivery-{index}") is False

    assert len(state.seen_deliveries) == DEDUPE_MEMORY
    assert state.seen(f"delivery-{DEDUPE_MEMORY}") is True
    # The oldest id was forgotten, so it counts as new again.
    assert state.seen("delivery-0") is False


def test_store_drops_a_duplicate_delivery() -> None:
    store = VehicleStore()
    assert store.async_apply(_delivery(_reading(50.0))) is True
    calls = _calls(store, "battery_level")

    assert store.async_apply(_delivery(_reading(10.0))) is False
    assert calls == {"battery_level": 0}
    assert store.vehicles[VEHICLE].readings[Field.BATTERY_LEVEL].value == 50.0


def test_store_applies_deliveries_without_id_every_time() -> None:
    store = VehicleStore()
    assert store.async_apply(_delivery(_reading(50.0), delivery_id="")) is True
    later = _reading(60.0, T0 + timedelta(minutes=1), delivery_id="")

    assert store.async_apply(_delivery(later, delivery_id="")) is True
    assert store.vehicles[VEHICLE].readings[Field.BATTERY_LEVEL].value == 60.0


def test_delivery_with_one_new_vehicle_report_is_applied() -> None:
    store = VehicleStore()
    store.async_apply(_delivery(_reading(50.0), delivery_id="request-1"))
    delivery = DataDelivery(
        kind="dynamic",
        webhook_id=None,
        mode=Mode.LIVE,
        delivered_at=T0,
        vehicles=(
            VehicleReport(VehicleInfo(VEHICLE), "request-1", (_reading(10.0),)),
            VehicleReport(
                VehicleInfo(OTHER), "request-2", (_reading(20.0, vehicle_id=OTHER),)
            ),
        ),
    )

    assert store.async_apply(delivery) is True
    assert store.vehicles[VEHICLE].readings[Field.BATTERY_LEVEL].value == 50.0
    assert store.vehicles[OTHER].readings[Field.BATTERY_LEVEL].value == 20.0


# --- vehicles -----------------------------------------------------------------------


def test_vehicle_is_new_the_first_time() -> None:
    store = VehicleStore()
    state, new = store.vehicle(VehicleInfo(VEHICLE))
    assert new is True
    assert store.vehicles[VEHICLE] is state
    assert store.vehicle(VehicleInfo(VEHICLE)) == (state, False)


def test_vehicle_info_with_make_renames_the_vehicle() -> None:
    store = VehicleStore()
    store.vehicle(VehicleInfo(VEHICLE))
    info = VehicleInfo(VEHICLE, "KIA", "EV6", 2023)

    state, renamed = store.vehicle(info)

    assert renamed is True
    assert state.info == info
    assert store.vehicle(info) == (state, False)


def test_vehicle_info_without_make_keeps_known_info() -> None:
    store = VehicleStore()
    info = VehicleInfo(VEHICLE, "KIA", "EV6", 2023)
    store.vehicle(info)

    state, renamed = store.vehicle(VehicleInfo(VEHICLE))

    assert renamed is False
    assert state.info == info


# --- listeners ----------------------------------------------------------------------


def test_listeners_are_called_only_for_changed_keys() -> None:
    store = VehicleStore()
    store.async_apply(
        _delivery(_reading(50.0), _reading(300.0, field=Field.RANGE), delivery_id="a")
    )
    calls = _calls(store, "battery_level", "range", "location")
    later = T0 + timedelta(minutes=5)

    store.async_apply(
        _delivery(
            _reading(50.0, later),
            _reading(290.0, later, Field.RANGE),
            delivery_id="b",
        )
    )

    assert calls == {"battery_level": 0, "range": 1, "location": 0}


def test_listeners_of_other_vehicles_are_not_called() -> None:
    store = VehicleStore()
    other_calls: list[bool] = []
    store.async_add_listener(OTHER, "battery_level", lambda: other_calls.append(True))

    store.async_apply(_delivery(_reading(50.0)))

    assert other_calls == []


def test_last_update_and_last_delivery_listeners() -> None:
    store = VehicleStore()
    calls = _calls(store, KEY_LAST_UPDATE, KEY_LAST_DELIVERY)

    store.async_apply(_delivery(_reading(50.0), delivery_id="a"))
    assert calls == {KEY_LAST_UPDATE: 1, KEY_LAST_DELIVERY: 1}

    # Same reading time, a later delivery: only the delivery time moves.
    store.async_apply(
        _delivery(
            _reading(50.0),
            delivery_id="b",
            delivered_at=T0 + timedelta(minutes=20),
        )
    )
    assert calls == {KEY_LAST_UPDATE: 1, KEY_LAST_DELIVERY: 2}


def test_older_delivery_time_does_not_move_last_delivery() -> None:
    store = VehicleStore()
    store.async_apply(_delivery(_reading(50.0), delivery_id="a"))
    calls = _calls(store, KEY_LAST_DELIVERY)
    latest = store.vehicles[VEHICLE].last_delivery

    store.async_apply(
        _delivery(
            _reading(51.0, T0 + timedelta(minutes=1)),
            delivery_id="b",
            delivered_at=T0,
        )
    )

    assert store.vehicles[VEHICLE].last_delivery == latest
    assert calls == {KEY_LAST_DELIVERY: 0}


def test_removed_listener_is_not_called() -> None:
    store = VehicleStore()
    calls: list[str] = []
    remove = store.async_add_listener(
        VEHICLE, "battery_level", lambda: calls.append("x")
    )
    remove_keys = store.async_add_new_keys_listener(lambda _v: calls.append("keys"))
    remove_device = store.async_add_device_listener(lambda _v: calls.append("device"))
    remove()
    remove_keys()
    remove_device()

    store.async_apply(_delivery(_reading(50.0)))

    assert calls == []


def test_new_keys_listener_for_new_vehicle_and_first_values_only() -> None:
    store = VehicleStore()
    seen: list[set[str]] = []
    store.async_add_new_keys_listener(lambda vehicle: seen.append(set(vehicle.present)))

    store.async_apply(_delivery(_reading(50.0), delivery_id="a"))
    assert len(seen) == 1  # a new vehicle
    assert "battery_level" in seen[0]

    store.async_apply(
        _delivery(_reading(40.0, T0 + timedelta(minutes=1)), delivery_id="b")
    )
    assert len(seen) == 1  # a repeated key

    store.async_apply(
        _delivery(
            _reading(300.0, T0 + timedelta(minutes=2), Field.RANGE), delivery_id="c"
        )
    )
    assert len(seen) == 2  # the first value of the range
    assert "range" in seen[1]


def test_field_in_error_is_not_present() -> None:
    store = VehicleStore()
    store.async_apply(
        _delivery(_reading(50.0), _error(field=Field.FUEL_LEVEL), delivery_id="a")
    )

    present = store.vehicles[VEHICLE].present
    assert "battery_level" in present
    assert "fuel_level" not in present


def test_device_listener_for_new_and_renamed_vehicles() -> None:
    store = VehicleStore()
    infos: list[VehicleInfo] = []
    store.async_add_device_listener(lambda vehicle: infos.append(vehicle.info))
    kia = VehicleInfo(VEHICLE, "KIA", "EV6", 2023)

    store.async_apply(_delivery(_reading(50.0), delivery_id="a"))
    store.async_apply(_delivery(_reading(50.0), delivery_id="b", info=kia))
    store.async_apply(_delivery(_reading(50.0), delivery_id="c", info=kia))
    store.async_apply(_delivery(_reading(50.0), delivery_id="d"))

    assert infos == [VehicleInfo(VEHICLE), kia]


# --- vehicle errors and charging events -------------------------------------------


def test_vehicle_error_is_active_until_resolved() -> None:
    store = VehicleStore()
    calls = _calls(store, KEY_PROBLEM)

    assert store.async_apply(_error_delivery(_vehicle_error())) is True
    assert [e.code for e in store.vehicles[VEHICLE].active_errors] == [
        "AUTHENTICATION_FAILED"
    ]
    assert calls == {KEY_PROBLEM: 1}

    resolved = _vehicle_error(ErrorState.RESOLVED)
    assert store.async_apply(_error_delivery(resolved, delivery_id="error-2")) is True
    assert store.vehicles[VEHICLE].active_errors == []
    assert calls == {KEY_PROBLEM: 2}


def test_vehicle_error_without_change_does_not_notify_problem() -> None:
    store = VehicleStore()
    store.async_apply(_error_delivery(_vehicle_error()))
    calls = _calls(store, KEY_PROBLEM)

    store.async_apply(
        _error_delivery(
            _vehicle_error(ErrorState.RESOLVED, "ASLEEP", "VEHICLE_STATE"),
            delivery_id="error-2",
        )
    )

    assert calls == {KEY_PROBLEM: 0}
    assert len(store.vehicles[VEHICLE].active_errors) == 1


def test_errors_are_keyed_by_type_and_code() -> None:
    store = VehicleStore()
    store.async_apply(
        _error_delivery(
            _vehicle_error(),
            _vehicle_error(code=None, error_type="PERMISSION"),
            _vehicle_error(code="ASLEEP", error_type="VEHICLE_STATE"),
        )
    )
    store.async_apply(
        _error_delivery(
            _vehicle_error(ErrorState.RESOLVED, None, "PERMISSION"),
            delivery_id="error-2",
        )
    )

    assert {(e.type, e.code) for e in store.vehicles[VEHICLE].active_errors} == {
        ("CONNECTED_SERVICES_ACCOUNT", "AUTHENTICATION_FAILED"),
        ("VEHICLE_STATE", "ASLEEP"),
    }


def test_duplicate_error_delivery_is_dropped() -> None:
    store = VehicleStore()
    store.async_apply(_error_delivery(_vehicle_error()))

    resolved = _error_delivery(_vehicle_error(ErrorState.RESOLVED))
    assert store.async_apply(resolved) is False
    assert len(store.vehicles[VEHICLE].active_errors) == 1


def test_charging_event_is_kept_and_notified() -> None:
    store = VehicleStore()
    calls = _calls(store, KEY_CHARGING_EVENT)
    event = _charging_event()

    assert store.async_apply(event) is True

    assert store.vehicles[VEHICLE].last_charging_event is event
    assert calls == {KEY_CHARGING_EVENT: 1}
    assert KEY_CHARGING_EVENT in store.vehicles[VEHICLE].present


def test_duplicate_charging_event_is_dropped() -> None:
    store = VehicleStore()
    store.async_apply(_charging_event())
    calls = _calls(store, KEY_CHARGING_EVENT)
    stopped = _charging_event(ChargingEventType.CHARGING_STOPPED)

    assert store.async_apply(stopped) is False
    assert calls == {KEY_CHARGING_EVENT: 0}
    assert (
        store.vehicles[VEHICLE].last_charging_event.event_type
        is ChargingEventType.CHARGING_STARTED
    )


# --- properties -----------------------------------------------------------------------


@PROPERTY
@given(
    readings=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**6),
            st.floats(min_value=0, max_value=100, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
        unique_by=lambda item: item[0],
    ),
    data=st.data(),
)
def test_newest_recorded_reading_wins_in_any_arrival_order(
    readings: list[tuple[int, float]], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(readings))
    state = _state()

    for seconds, value in order:
        state.merge([_reading(value, T0 + timedelta(seconds=seconds))])

    newest_seconds, newest_value = max(readings)
    stored = state.readings[Field.BATTERY_LEVEL]
    assert stored.recorded_at == T0 + timedelta(seconds=newest_seconds)
    assert stored.value == newest_value


@PROPERTY
@given(
    readings=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**6),
            st.floats(min_value=0, max_value=100, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
        unique_by=lambda item: item[0],
    ),
    data=st.data(),
)
def test_store_keeps_newest_reading_across_deliveries_in_any_order(
    readings: list[tuple[int, float]], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(readings))
    store = VehicleStore()

    for index, (seconds, value) in enumerate(order):
        at = T0 + timedelta(seconds=seconds)
        store.async_apply(
            _delivery(
                _reading(value, at, delivery_id=str(index)), delivery_id=str(index)
            )
        )

    newest_seconds, newest_value = max(readings)
    vehicle = store.vehicles[VEHICLE]
    assert vehicle.readings[Field.BATTERY_LEVEL].value == newest_value
    assert vehicle.last_update == T0 + timedelta(seconds=newest_seconds)


@pytest.mark.parametrize("count", [1, DEDUPE_MEMORY, DEDUPE_MEMORY * 3])
def test_dedupe_memory_never_exceeds_its_bound(count: int) -> None:
    store = VehicleStore()
    for index in range(count):
        store.async_apply(_delivery(_reading(50.0), delivery_id=f"id-{index}"))

    assert len(store.vehicles[VEHICLE].seen_deliveries) == min(count, DEDUPE_MEMORY)
