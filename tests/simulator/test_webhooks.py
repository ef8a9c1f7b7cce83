"""Smartcar's side of a webhook: VERIFY, signed deliveries, retries, loopback only."""

from __future__ import annotations

import json

from aiohttp import ClientSession
import pytest
from yarl import URL

from smartcar_simulator import ManualClock, PayloadFactory, make_fleet
from smartcar_simulator.webhooks import (
    NotLoopbackError,
    WebhookSender,
    delivery_url,
    ensure_loopback,
)

from .conftest import AMT, Receiver


def sender(
    session: ClientSession, receiver: Receiver, clock: ManualClock
) -> WebhookSender:
    return WebhookSender(session, token=AMT, url=URL(receiver.url), clock=clock)


def payloads(clock: ManualClock) -> PayloadFactory:
    return PayloadFactory(webhook_id="w", user_id="u", clock=clock)


async def test_verify_passes_with_the_right_answer(
    receiver: Receiver, clock: ManualClock
) -> None:
    async with ClientSession() as session:
        result = await sender(session, receiver, clock).verify(payloads(clock), "4.0")
    assert result.ok
    assert json.loads(receiver.bodies[0])["eventType"] == "VERIFY"
    assert receiver.signatures == [None]  # VERIFY is not signed


async def test_verify_fails_with_a_wrong_answer(
    receiver: Receiver, clock: ManualClock
) -> None:
    receiver.answer_verify = lambda _challenge: "0" * 64
    async with ClientSession() as session:
        result = await sender(session, receiver, clock).verify(payloads(clock), "2.0")
    assert not result.ok
    assert result.reason == "wrong challenge answer"


async def test_verify_fails_when_nobody_listens(clock: ManualClock) -> None:
    async with ClientSession() as session:
        result = await WebhookSender(
            session, token=AMT, url=URL("http://127.0.0.1:9/x"), clock=clock
        ).verify(payloads(clock), "4.0")
    assert not result.ok
    assert result.status is None


async def test_deliveries_are_signed_with_the_amt(
    receiver: Receiver, clock: ManualClock
) -> None:
    delivery = payloads(clock).vehicle_state(make_fleet(1)[0])
    async with ClientSession() as session:
        status = await sender(session, receiver, clock).send(delivery)
    assert status == 200
    assert receiver.bodies == [delivery.body]
    assert receiver.signed_correctly()


async def test_a_failed_delivery_is_retried_with_backoff(
    receiver: Receiver, clock: ManualClock
) -> None:
    receiver.statuses = [500, 503]
    delivery = payloads(clock).vehicle_state(make_fleet(1)[0])
    async with ClientSession() as session:
        status = await sender(session, receiver, clock).send(delivery)
    assert status == 200
    assert receiver.bodies == [delivery.body] * 3
    assert clock.slept == [25.0, 50.0]


async def test_smartcar_gives_up_after_three_retries(
    receiver: Receiver, clock: ManualClock
) -> None:
    receiver.statuses = [401] * 10
    delivery = payloads(clock).vehicle_state(make_fleet(1)[0])
    async with ClientSession() as session:
        status = await sender(session, receiver, clock).send(delivery)
    assert status == 401
    assert len(receiver.bodies) == 4


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8123/x", "http://localhost/x", "http://[::1]:1/x"]
)
def test_loopback_targets_are_allowed(url: str) -> None:
    assert ensure_loopback(url) == URL(url)


@pytest.mark.parametrize(
    "url", ["https://example.com/x", "http://10.0.0.1/x", "http://192.168.1.2/x"]
)
def test_other_targets_are_refused(url: str) -> None:
    with pytest.raises(NotLoopbackError):
        ensure_loopback(url)


def test_a_public_callback_uri_is_delivered_to_loopback_keeping_its_path() -> None:
    url = delivery_url(
        "https://ha.example.com/api/webhook/abc?x=1", "http://127.0.0.1:8123"
    )
    assert str(url) == "http://127.0.0.1:8123/api/webhook/abc?x=1"


def test_a_public_callback_uri_without_a_loopback_base_is_refused() -> None:
    with pytest.raises(NotLoopbackError):
        delivery_url("https://ha.example.com/api/webhook/abc", None)
