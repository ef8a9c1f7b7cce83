"""The vehicle state and its store: merge rules, replays, persistence, notices."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.smartcar_webhooks.smartcar import (
    ChargingEvent,
    ChargingEventType,
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
from custom_components.smartcar_webhooks.storage import decode_vehicle, encode_vehicle
from custom_components.smartcar_webhooks.store import (
    MAX_NEW_VEHICLES,
    DurableStore,
    NotKeptError,
    Outcome,
    VehicleStore,
    _WriteFailedError,
    remove_leftovers,
    write_file,
)
from custom_components.smartcar_webhooks.vehicle import (
    DOUBLE_EVENT_WINDOW,
    KEY_CHARGING_EVENT,
    KEY_INFO,
    KEY_LAST_DELIVERY,
    KEY_LAST_UPDATE,
    KEY_NEW,
    KEY_PROBLEM,
    RECENT_DELIVERIES,
    STALE_AFTER,
    VehicleEvent,
    VehicleEventType,
    VehicleState,
)

VEHICLE = "d329211c-3829-4685-9f7e-b1216460d4a3"
T0 = datetime(2025, 12, 14, 8, 0, tzinfo=UTC)
ASLEEP = FieldError("VEHICLE_STATE", "ASLEEP", "RETRY_LATER")
SERVER = FieldError("SERVER", "INTERNAL")
BATTERY = Field.BATTERY_LEVEL
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _good(value: Value, recorded: datetime | None, key: Field = BATTERY) -> Reading:
    return Reading(VEHICLE, key, value, Unit.PERCENT, recorded, "d")


def _bad(key: Field = BATTERY, error: FieldError = SERVER) -> Reading:
    return Reading(VEHICLE, key, None, None, None, "d", error)


def _vehicle() -> VehicleState:
    return VehicleState(VEHICLE, VehicleInfo(VEHICLE))


def _data(
    *readings: Reading,
    delivery_id: str = "delivery-1",
    sent: datetime | None = None,
    received: datetime | None = None,
    info: VehicleInfo | None = None,
) -> DataDelivery:
    return DataDelivery(
        kind="vehicle_state",
        webhook_id=None,
        mode=Mode.LIVE,
        delivered_at=sent,
        received_at=received or sent or _at(60),
        vehicles=(VehicleReport(info or VehicleInfo(VEHICLE), delivery_id, readings),),
    )


def _errors(
    *errors: VehicleError, delivery_id: str = "error-1", sent: datetime = T0
) -> ErrorDelivery:
    return ErrorDelivery(
        None, Mode.LIVE, delivery_id, sent, sent, VehicleInfo(VEHICLE), errors
    )


def _auth_error(state: ErrorState = ErrorState.ERROR) -> VehicleError:
    return VehicleError(
        "CONNECTED_SERVICES_ACCOUNT",
        "AUTHENTICATION_FAILED",
        None,
        "REAUTHENTICATE",
        state,
    )


def _event(
    event_type: ChargingEventType, at: datetime | None, delivery_id: str = "event-1"
) -> ChargingEvent:
    return ChargingEvent(None, Mode.LIVE, delivery_id, VEHICLE, event_type, at, _at(90))


# --- merge: good values -----------------------------------------------------------


def test_first_good_value_is_kept_and_announces_a_new_field() -> None:
    vehicle = _vehicle()

    changed = vehicle.merge([_good(70.0, T0)], _at(1))

    assert vehicle.value(BATTERY) == 70.0
    assert changed == {BATTERY.value, KEY_NEW, KEY_LAST_UPDATE}


def test_newer_car_time_replaces_the_value() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(1))

    changed = vehicle.merge([_good(60.0, _at(5))], _at(6))

    assert vehicle.value(BATTERY) == 60.0
    assert changed == {BATTERY.value, KEY_LAST_UPDATE}


def test_older_car_time_changes_nothing() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, _at(5))], _at(6))

    changed = vehicle.merge([_good(20.0, T0)], _at(7))

    assert vehicle.value(BATTERY) == 70.0
    assert changed == set()


def test_same_car_time_keeps_the_value_already_kept() -> None:
    """A 2.0 and a 4.0 webhook report one instant rounded differently: no flip-flop."""
    vehicle = _vehicle()
    vehicle.merge([_good(342.2, T0, Field.RANGE)], _at(1))

    assert vehicle.merge([_good(342.22, T0, Field.RANGE)], _at(2)) == set()
    assert vehicle.value(Field.RANGE) == 342.2


def test_value_without_car_time_never_beats_one_with_it() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(1))

    assert vehicle.merge([_good(20.0, None)], _at(2)) == set()
    assert vehicle.value(BATTERY) == 70.0


def test_values_without_car_time_follow_the_arrival_order() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(82.0, None, Field.BATTERY_CAPACITY)], _at(1))

    vehicle.merge([_good(80.0, None, Field.BATTERY_CAPACITY)], _at(2))

    assert vehicle.value(Field.BATTERY_CAPACITY) == 80.0


def test_same_value_with_newer_time_is_no_change_of_the_field() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(1))

    assert vehicle.merge([_good(70.0, _at(5))], _at(6)) == {KEY_LAST_UPDATE}


def test_last_update_is_the_newest_car_time_of_a_good_value() -> None:
    vehicle = _vehicle()
    vehicle.merge(
        [_good(70.0, _at(5)), _good(300.0, T0, Field.RANGE), _good(82.0, None)], _at(9)
    )

    assert vehicle.last_update == _at(5)


# --- merge: errors (issue 9.2) -----------------------------------------------------


def test_error_delivered_after_the_value_makes_it_unavailable() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(1))

    changed = vehicle.merge([_bad()], _at(2))

    assert vehicle.value(BATTERY) is None
    assert vehicle.has(BATTERY)
    assert changed == {BATTERY.value, KEY_PROBLEM}


def test_same_value_delivered_after_a_transient_error_ends_it() -> None:
    """Battery 70 %, a SERVER error, then the same 70 % again: available again."""
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(1))
    vehicle.merge([_bad()], _at(2))

    changed = vehicle.merge([_good(70.0, T0)], _at(3))

    assert vehicle.value(BATTERY) == 70.0
    assert changed == {BATTERY.value, KEY_PROBLEM}


def test_good_reading_recorded_before_the_error_but_delivered_after_ends_it() -> None:
    vehicle = _vehicle()
    vehicle.merge([_bad(Field.LOCKED)], _at(2))

    vehicle.merge([_good(True, _at(1), Field.LOCKED)], _at(3))

    assert vehicle.value(Field.LOCKED) is True


def test_error_delivered_before_the_good_reading_changes_nothing() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(5))

    assert vehicle.merge([_bad()], _at(4)) == set()
    assert vehicle.value(BATTERY) == 70.0


def test_error_for_a_field_never_seen_makes_no_new_field() -> None:
    vehicle = _vehicle()

    assert vehicle.merge([_bad()], _at(1)) == {KEY_PROBLEM}
    assert not vehicle.has(BATTERY)


# --- merge: property ---------------------------------------------------------------


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000),
            st.floats(min_value=0, max_value=100),
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda item: item[0],
    ),
    st.randoms(use_true_random=False),
)
def test_newest_car_time_wins_in_any_arrival_order(
    readings: list[tuple[int, float]], order: Any
) -> None:
    arrival = list(readings)
    order.shuffle(arrival)
    vehicle = _vehicle()

    for index, (minutes, value) in enumerate(arrival):
        vehicle.merge([_good(value, _at(minutes))], _at(20_000 + index))

    newest = max(readings)
    assert vehicle.value(BATTERY) == newest[1]
    assert vehicle.last_update == _at(newest[0])


@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_unavailable_exactly_while_the_latest_delivery_was_an_error(
    deliveries: list[bool],
) -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(0))

    for index, good in enumerate(deliveries, start=1):
        vehicle.merge([_good(70.0, T0) if good else _bad()], _at(index))

    assert (vehicle.value(BATTERY) is not None) == deliveries[-1]


# --- merge: derived events ---------------------------------------------------------

PLUG = Field.PLUGGED_IN


def test_first_value_is_no_transition() -> None:
    vehicle = _vehicle()

    changed = vehicle.merge([_good(True, T0, PLUG)], _at(1))

    assert vehicle.events == ()
    assert KEY_CHARGING_EVENT not in changed


def test_changed_winning_value_is_an_event_with_its_car_time() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(False, T0, PLUG), _good(70.0, T0)], _at(1))

    changed = vehicle.merge([_good(True, _at(5), PLUG)], _at(6))

    assert vehicle.events == (VehicleEvent(VehicleEventType.PLUGGED_IN, 70.0, _at(5)),)
    assert KEY_CHARGING_EVENT in changed


def test_low_battery_needs_a_threshold() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(30.0, T0)], _at(1))

    vehicle.merge([_good(10.0, _at(5))], _at(6))

    assert vehicle.events == ()


def test_battery_reaching_the_threshold_is_not_below_it() -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(30.0, T0)], _at(1), 20.0)

    vehicle.merge([_good(20.0, _at(5))], _at(6), 20.0)

    assert vehicle.events == ()


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.booleans()),
        min_size=1,
        max_size=10,
        unique_by=lambda item: item[0],
    ),
    st.randoms(use_true_random=False),
)
def test_plug_events_alternate_in_any_arrival_order(
    readings: list[tuple[int, bool]], order: Any
) -> None:
    arrival = list(readings)
    order.shuffle(arrival)
    vehicle = _vehicle()
    fired: list[VehicleEventType] = []

    for index, (minutes, plugged) in enumerate(arrival):
        vehicle.merge([_good(plugged, _at(minutes), PLUG)], _at(20_000 + index))
        fired += [event.type for event in vehicle.events]
        vehicle.events = ()

    assert all(a != b for a, b in pairwise(fired))
    assert len(fired) <= len(readings) - 1


def test_charging_event_within_the_window_of_the_other_source_is_dropped() -> None:
    vehicle = _vehicle()
    started = VehicleEventType.CHARGING_STARTED

    assert vehicle.fires(started, T0, event_based=True)
    assert not vehicle.fires(started, T0 + DOUBLE_EVENT_WINDOW, event_based=False)
    assert vehicle.fires(started, _at(1), event_based=True)


def test_charging_event_outside_the_window_or_without_time_fires() -> None:
    vehicle = _vehicle()
    stopped = VehicleEventType.CHARGING_STOPPED
    vehicle.fires(stopped, T0, event_based=False)

    assert vehicle.fires(stopped, None, event_based=True)
    assert vehicle.fires(stopped, T0 + 2 * DOUBLE_EVENT_WINDOW, event_based=False)


# --- the store ---------------------------------------------------------------------


@pytest.fixture
def store(hass: HomeAssistant) -> VehicleStore:
    """An empty store of one entry."""
    return VehicleStore(hass, "entry-1")


def _notices(
    store: VehicleStore, key: str, vehicle_id: str | None = None
) -> list[set[str]]:
    seen: list[set[str]] = []
    store.async_listen(
        lambda _vehicle, changed: seen.append(set(changed)), key, vehicle_id
    )
    return seen


async def test_delivery_is_applied_and_notifies_its_keys(store: VehicleStore) -> None:
    battery = _notices(store, BATTERY.value, VEHICLE)
    new = _notices(store, KEY_NEW)
    info = _notices(store, KEY_INFO)

    outcome = store.async_apply(_data(_good(70.0, T0)))
    await store.async_commit()

    assert outcome is Outcome.APPLIED
    assert len(battery) == len(new) == len(info) == 1
    assert battery[0] >= {BATTERY.value, KEY_LAST_DELIVERY}


async def test_listener_of_another_key_or_vehicle_is_not_called(
    store: VehicleStore,
) -> None:
    other_key = _notices(store, Field.RANGE.value, VEHICLE)
    other_vehicle = _notices(store, BATTERY.value, "another-vehicle")

    store.async_apply(_data(_good(70.0, T0)))

    assert other_key == other_vehicle == []


async def test_removed_listener_is_not_called(store: VehicleStore) -> None:
    seen: list[str] = []
    remove = store.async_listen(lambda _v, _c: seen.append("x"), BATTERY.value, VEHICLE)
    remove()

    store.async_apply(_data(_good(70.0, T0)))

    assert seen == []


async def test_same_delivery_id_again_is_a_duplicate_and_changes_nothing(
    store: VehicleStore,
) -> None:
    store.async_apply(_data(_good(70.0, T0)))
    notices = _notices(store, KEY_LAST_DELIVERY, VEHICLE)

    assert store.async_apply(_data(_good(20.0, _at(5)))) is Outcome.DUPLICATE
    assert store.vehicles[VEHICLE].value(BATTERY) == 70.0
    assert notices == []


async def test_delivery_ids_are_remembered_within_a_bound(store: VehicleStore) -> None:
    for index in range(RECENT_DELIVERIES + 5):
        store.async_apply(_data(delivery_id=f"d{index}"))

    assert len(store.vehicles[VEHICLE].recent) == RECENT_DELIVERIES
    assert store.async_apply(_data(delivery_id="d0")) is Outcome.APPLIED


async def test_delivery_sent_long_before_the_newest_is_a_stale_replay(
    store: VehicleStore,
) -> None:
    store.async_apply(_data(_good(70.0, T0), delivery_id="new", sent=_at(120)))

    replay = _data(
        _bad(), delivery_id="old", sent=_at(120) - STALE_AFTER - timedelta(seconds=1)
    )

    assert store.async_apply(replay) is Outcome.STALE
    assert store.vehicles[VEHICLE].value(BATTERY) == 70.0


async def test_late_retry_within_the_margin_is_merged(store: VehicleStore) -> None:
    store.async_apply(_data(_good(70.0, _at(5)), delivery_id="new", sent=_at(10)))

    late = _data(_good(60.0, T0, Field.RANGE), delivery_id="late", sent=_at(2))

    assert store.async_apply(late) is Outcome.APPLIED
    assert store.vehicles[VEHICLE].value(Field.RANGE) == 60.0


async def test_one_delivery_adds_at_most_the_new_vehicle_limit(
    store: VehicleStore, caplog: pytest.LogCaptureFixture
) -> None:
    reports = tuple(
        VehicleReport(VehicleInfo(f"vehicle-{index}"), f"r{index}", ())
        for index in range(MAX_NEW_VEHICLES + 50)
    )
    delivery = DataDelivery("dynamic", None, Mode.LIVE, None, T0, reports)

    assert store.async_apply(delivery) is Outcome.APPLIED
    assert len(store.vehicles) == MAX_NEW_VEHICLES
    assert caplog.text.count("too many new vehicles") == 1


async def test_vehicle_info_with_a_make_renames_the_vehicle(
    store: VehicleStore,
) -> None:
    store.async_apply(_data())
    await store.async_commit()
    info = _notices(store, KEY_INFO)

    store.async_apply(
        _data(delivery_id="2", info=VehicleInfo(VEHICLE, "KIA", "EV6", 2023))
    )
    store.async_apply(_data(delivery_id="3"))
    await store.async_commit()

    assert store.vehicles[VEHICLE].info == VehicleInfo(VEHICLE, "KIA", "EV6", 2023)
    assert len(info) == 1


# --- vehicle errors and charging events (issue 7.4) -------------------------------------


async def test_older_vehicle_error_after_a_newer_resolved_one_changes_nothing(
    store: VehicleStore,
) -> None:
    store.async_apply(_errors(_auth_error(), delivery_id="e1", sent=_at(0)))
    store.async_apply(
        _errors(_auth_error(ErrorState.RESOLVED), delivery_id="e3", sent=_at(20))
    )
    problem = _notices(store, KEY_PROBLEM, VEHICLE)

    store.async_apply(_errors(_auth_error(), delivery_id="e2", sent=_at(10)))

    assert store.vehicles[VEHICLE].active_errors == []
    assert problem == []


async def test_resolved_error_turns_the_problem_off(store: VehicleStore) -> None:
    store.async_apply(_errors(_auth_error(), delivery_id="e1", sent=_at(0)))
    await store.async_commit()
    problem = _notices(store, KEY_PROBLEM, VEHICLE)

    store.async_apply(
        _errors(_auth_error(ErrorState.RESOLVED), delivery_id="e2", sent=_at(5))
    )
    await store.async_commit()

    assert store.vehicles[VEHICLE].active_errors == []
    assert len(problem) == 1


async def test_older_charging_event_after_a_newer_one_fires_nothing(
    store: VehicleStore,
) -> None:
    store.async_apply(_event(ChargingEventType.CHARGING_COMPLETED, _at(30), "done"))
    fired = _notices(store, KEY_CHARGING_EVENT, VEHICLE)

    store.async_apply(_event(ChargingEventType.CHARGING_STARTED, _at(10), "started"))

    assert fired == []
    assert store.vehicles[VEHICLE].last_event == (
        ChargingEventType.CHARGING_COMPLETED,
        _at(30),
    )


async def test_the_same_charging_event_under_a_new_id_fires_nothing(
    store: VehicleStore,
) -> None:
    store.async_apply(_event(ChargingEventType.CHARGING_STARTED, _at(10), "a"))
    fired = _notices(store, KEY_CHARGING_EVENT, VEHICLE)

    store.async_apply(_event(ChargingEventType.CHARGING_STARTED, _at(10), "b"))

    assert fired == []


async def test_events_are_only_there_while_listeners_hear_the_delivery(
    store: VehicleStore,
) -> None:
    heard: list[tuple[VehicleEvent, ...]] = []
    store.async_listen(
        lambda vehicle, _changed: heard.append(vehicle.events), KEY_CHARGING_EVENT
    )

    store.async_apply(_event(ChargingEventType.CHARGING_STARTED, _at(10)))
    await store.async_commit()

    assert [event.type for event in heard[0]] == [VehicleEventType.CHARGING_STARTED]
    assert store.vehicles[VEHICLE].events == ()


async def test_first_charging_event_of_a_known_vehicle_announces_a_new_entity(
    store: VehicleStore,
) -> None:
    store.async_apply(_data(_good(70.0, T0)))
    await store.async_commit()
    new = _notices(store, KEY_NEW, VEHICLE)

    store.async_apply(_event(ChargingEventType.CHARGING_STARTED, _at(10)))
    await store.async_commit()

    assert len(new) == 1


# --- removed vehicles ---------------------------------------------------------------


async def test_replay_for_a_removed_vehicle_does_not_bring_it_back(
    store: VehicleStore,
) -> None:
    store.async_apply(_data(_good(70.0, _at(5)), delivery_id="a", sent=_at(6)))
    store.async_apply(_errors(_auth_error(), delivery_id="e", sent=_at(7)))
    store.async_apply(_event(ChargingEventType.CHARGING_STARTED, _at(8), "ev"))
    store.async_remove_vehicle(VEHICLE)

    assert (
        store.async_apply(_data(_good(70.0, _at(5)), delivery_id="b")) is Outcome.STALE
    )
    assert store.async_apply(_errors(_auth_error(), delivery_id="e2", sent=_at(7))) is (
        Outcome.STALE
    )
    assert store.async_apply(
        _event(ChargingEventType.CHARGING_STARTED, _at(8), "ev2")
    ) is (Outcome.STALE)
    assert VEHICLE not in store.vehicles


async def test_newer_data_brings_a_removed_vehicle_back_fresh(
    store: VehicleStore,
) -> None:
    store.async_apply(_data(_good(70.0, _at(5)), _good(300.0, _at(5), Field.RANGE)))
    store.async_remove_vehicle(VEHICLE)

    store.async_apply(_data(_good(60.0, _at(9)), delivery_id="after"))

    assert store.vehicles[VEHICLE].value(BATTERY) == 60.0
    assert not store.vehicles[VEHICLE].has(Field.RANGE)


async def test_removing_an_unknown_vehicle_does_nothing(store: VehicleStore) -> None:
    store.async_remove_vehicle(VEHICLE)

    assert store.async_apply(_data(_good(70.0, T0))) is Outcome.APPLIED


async def test_added_vehicle_is_known_before_any_delivery(store: VehicleStore) -> None:
    info = _notices(store, KEY_INFO)

    store.async_add_vehicle(VehicleInfo(VEHICLE, "POLESTAR", "Polestar 2", 2024))
    store.async_add_vehicle(VehicleInfo(VEHICLE, "POLESTAR", "Polestar 2", 2024))

    assert store.vehicles[VEHICLE].info.model == "Polestar 2"
    assert len(info) == 1


# --- persistence --------------------------------------------------------------------


async def test_saved_state_loads_into_a_new_store(
    hass: HomeAssistant, store: VehicleStore, hass_storage: dict[str, Any]
) -> None:
    store.async_apply(
        _data(
            _good(70.0, T0),
            _good(Location(52.5, 13.4, 90.0), T0, Field.LOCATION),
            _bad(Field.RANGE),
            info=VehicleInfo(VEHICLE, "KIA", "EV6", 2023),
            sent=_at(1),
        )
    )
    store.async_apply(_errors(_auth_error(), sent=_at(2)))
    store.async_apply(_event(ChargingEventType.CHARGING_STARTED, _at(3)))
    store.async_remove_vehicle("gone")
    await store.async_flush()

    loaded = VehicleStore(hass, "entry-1")
    assert await loaded.async_load()

    assert encode_vehicle(loaded.vehicles[VEHICLE]) == encode_vehicle(
        store.vehicles[VEHICLE]
    )
    assert loaded.async_apply(_data(delivery_id="delivery-1")) is Outcome.DUPLICATE


async def test_store_without_saved_state_says_so(hass: HomeAssistant) -> None:
    assert not await VehicleStore(hass, "never-saved").async_load()


@pytest.mark.parametrize(
    "damage",
    [
        {"fields": {"battery_level": {"value": 1}}},
        {"last_update": "not a time"},
        {"last_update": "2025-12-14T08:00:00"},
        {"errors": [{"type": None}]},
        {"make": 3},
        {"last_event": ["warp", None]},
        {"charging_fired": {"warp": [None, True]}},
        {"charging_fired": {"charging_started": ["not a time", True]}},
    ],
)
def test_unreadable_stored_vehicle_is_skipped(damage: dict[str, Any]) -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(70.0, T0)], _at(1))

    assert decode_vehicle(VEHICLE, {**encode_vehicle(vehicle), **damage}) is None


def test_vehicle_stored_before_derived_events_loads() -> None:
    raw = encode_vehicle(_vehicle())
    del raw["charging_fired"]

    decoded = decode_vehicle(VEHICLE, raw)

    assert decoded is not None
    assert decoded.charging_fired == {}


def test_stored_field_of_an_unknown_key_is_left_out() -> None:
    raw = encode_vehicle(_vehicle())
    raw["fields"]["warp_drive"] = {"value": 1}

    decoded = decode_vehicle(VEHICLE, raw)

    assert decoded is not None
    assert decoded.fields == {}


@PROPERTY
@given(value=st.floats(min_value=0, max_value=100), minutes=st.integers(0, 10**6))
def test_encoding_round_trips(value: float, minutes: int) -> None:
    vehicle = _vehicle()
    vehicle.merge([_good(value, _at(minutes)), _bad(Field.RANGE)], _at(minutes + 1))

    decoded = decode_vehicle(VEHICLE, encode_vehicle(vehicle))

    assert decoded is not None
    assert encode_vehicle(decoded) == encode_vehicle(vehicle)


async def test_load_skips_unreadable_parts_and_keeps_the_rest(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    good = _vehicle()
    good.merge([_good(70.0, T0)], _at(1))
    hass_storage["smartcar_webhooks.entry-1"] = {
        "version": 1,
        "minor_version": 1,
        "key": "smartcar_webhooks.entry-1",
        "data": {
            "vehicles": {VEHICLE: encode_vehicle(good), "broken": {"make": 1}},
            "removed": {
                "gone": {
                    "recent": ["x"],
                    "newest_sent": None,
                    "last_update": "2025-12-14T09:00:00+00:00",
                    "last_event_at": None,
                },
                "unreadable": {"recent": 5},
            },
        },
    }
    store = VehicleStore(hass, "entry-1")

    assert await store.async_load()

    assert set(store.vehicles) == {VEHICLE}
    gone = VehicleInfo("gone")
    replay = _data(_good(1.0, T0), delivery_id="y", info=gone)
    assert store.async_apply(replay) is Outcome.STALE
    assert store.async_apply(
        _data(delivery_id="z", info=VehicleInfo("unreadable"))
    ) is (Outcome.APPLIED)


async def test_a_committed_delivery_is_on_disk(
    store: VehicleStore, hass_storage: dict[str, Any]
) -> None:
    """Issue 19.1: the webhook answers 200 once `async_commit` returned."""
    for second in range(0, 30, 2):
        store.async_apply(
            _data(_good(float(second), _at(second)), delivery_id=f"d{second}")
        )
        await store.async_commit()

        saved = hass_storage["smartcar_webhooks.entry-1"]["data"]["vehicles"][VEHICLE]
        assert saved["fields"]["battery_level"]["value"] == float(second)
        assert f"d{second}" in saved["recent"]


async def test_deliveries_during_a_write_share_the_next_write(
    store: VehicleStore, hass_storage: dict[str, Any]
) -> None:
    """Group commit: one write in flight, one more for all that came meanwhile."""
    for number in range(20):
        store.async_apply(
            _data(_good(float(number), _at(number)), delivery_id=f"g{number}")
        )

    await asyncio.gather(*(store.async_commit() for _ in range(20)))

    saved = hass_storage["smartcar_webhooks.entry-1"]["data"]["vehicles"][VEHICLE]
    assert saved["fields"]["battery_level"]["value"] == 19.0
    assert store.writes == 1


async def test_listeners_hear_of_a_delivery_only_once_it_is_written(
    store: VehicleStore, hass_storage: dict[str, Any]
) -> None:
    heard: list[Any] = []

    def listener(_vehicle: VehicleState, _changed: set[str]) -> None:
        saved = hass_storage.get("smartcar_webhooks.entry-1")
        heard.append(saved and saved["data"]["vehicles"][VEHICLE]["recent"])

    store.async_listen(listener, BATTERY.value, VEHICLE)
    store.async_apply(_data(_good(70.0, T0), delivery_id="first"))
    assert heard == []

    await store.async_commit()

    assert heard == [["first"]]


async def test_a_closed_store_keeps_and_writes_nothing(
    store: VehicleStore, hass_storage: dict[str, Any]
) -> None:
    """Issue 19.3: nothing gets into an unloaded entry's store after its last write."""
    store.async_apply(_data(_good(70.0, T0), delivery_id="before"))
    await store.async_close()
    written = store.writes

    with pytest.raises(NotKeptError):
        store.async_apply(_data(_good(71.0, _at(5)), delivery_id="after"))
    with pytest.raises(NotKeptError):
        await store.async_commit()
    store.async_remove_vehicle(VEHICLE)
    await asyncio.sleep(0)

    assert store.writes == written
    saved = hass_storage["smartcar_webhooks.entry-1"]["data"]["vehicles"]
    assert saved[VEHICLE]["recent"] == ["before"]


async def test_a_failed_write_is_not_kept_and_tried_again(
    store: VehicleStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.async_apply(_data(_good(70.0, T0), delivery_id="one"))
    with (
        patch.object(
            store._store, "async_save", side_effect=_WriteFailedError("disk full")
        ),
        pytest.raises(NotKeptError),
    ):
        await store.async_commit()

    await store.async_commit()

    assert store.writes == 1
    assert [r.levelname for r in caplog.records if "save" in r.getMessage()] == [
        "WARNING"
    ]


def test_write_file_replaces_the_file_whole_and_leaves_no_temporary_file(
    tmp_path: Any,
) -> None:
    path = tmp_path / ".storage" / "smartcar_webhooks.entry-1"
    write_file(str(path), b'{"old": true}')
    (path.parent / f".{path.name}.leftover").write_text("{")  # an interrupted write

    write_file(str(path), '{"new": true}')
    remove_leftovers(str(path))

    assert path.read_text() == '{"new": true}'
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_failed_write_raises_instead_of_being_logged_and_swallowed(
    tmp_path: Any,
) -> None:
    path = tmp_path / "not-a-directory"
    path.write_text("")
    with pytest.raises(OSError):
        write_file(str(path / "file"), b"{}")
    store = DurableStore.__new__(DurableStore)
    with (
        patch.object(DurableStore, "path", str(path / "file")),
        pytest.raises(_WriteFailedError),
    ):
        store._write_prepared_data("wb", b"{}")
