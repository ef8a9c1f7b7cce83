"""The library's v3 client against the simulator over loopback: both sides agree.

The simulator is an independent implementation of Smartcar's side; where the
facts are unconfirmed, this is where a change on one side shows on the other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient
import pytest

from custom_components.smartcar_webhooks.smartcar import Field
from custom_components.smartcar_webhooks.smartcar.app_token import (
    AppToken,
    TokenBodyStyle,
)
from custom_components.smartcar_webhooks.smartcar.client import (
    SmartcarCredentialsError,
    SmartcarRateLimitError,
    SmartcarVehicleStateError,
)
from custom_components.smartcar_webhooks.smartcar.v3 import SmartcarV3Client
from custom_components.smartcar_webhooks.smartcar.vehicle_api import CommandStatus
from smartcar_simulator.simulator import Simulator

from .conftest import Receiver

type Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """A real aiohttp session (loopback only)."""
    async with ClientSession() as session:
        yield session


def _v3(
    session: ClientSession,
    client: Client,
    sim: Simulator,
    *,
    secret: str | None = None,
    style: TokenBodyStyle = TokenBodyStyle.JSON,
) -> tuple[SmartcarV3Client, AppToken]:
    base = str(client.make_url("")).rstrip("/")
    tokens = AppToken(
        session,
        sim.settings.api_client_id,
        secret or sim.settings.api_client_secret,
        token_url=f"{base}/oauth2/token",
        body_style=style,
    )
    return (
        SmartcarV3Client(
            session, tokens, vehicle_base=f"{base}/v3", management_base=f"{base}/v3"
        ),
        tokens,
    )


@pytest.mark.parametrize("style", list(TokenBodyStyle))
async def test_every_body_style_gets_a_token(
    session: ClientSession, client: Client, sim: Simulator, style: TokenBodyStyle
) -> None:
    v3, _ = _v3(session, client, sim, style=style)

    await v3.check_credentials()


async def test_refused_credentials(
    session: ClientSession, client: Client, sim: Simulator
) -> None:
    v3, _ = _v3(session, client, sim, secret="wrong")

    with pytest.raises(SmartcarCredentialsError):
        await v3.check_credentials()


async def test_connections_subscribe_read_and_command(
    session: ClientSession, client: Client, sim: Simulator, receiver: Receiver
) -> None:
    v3, tokens = _v3(session, client, sim)
    await client.post("/sim/verify", json={"callback_uri": receiver.url})

    connections = await v3.connections()
    assert [c.vehicle_id for c in connections] == [car.vehicle_id for car in sim.cars]
    first = connections[0]
    assert first.user_id == sim.user_id
    assert (first.make, first.year) == (sim.cars[0].make, sim.cars[0].year)

    webhook = await v3.webhook(sim.webhook_id)
    assert webhook.auto_subscribe is False
    await v3.subscribe(first.user_id, first.vehicle_id, sim.webhook_id)
    await v3.subscribe(first.user_id, first.vehicle_id, sim.webhook_id)  # 409
    assert first.vehicle_id in sim.subscribed

    delivery = await v3.read(
        first.user_id, first.vehicle_id, received_at=datetime.now(UTC)
    )
    (report,) = delivery.vehicles
    battery = next(r for r in report.readings if r.field is Field.BATTERY_LEVEL)
    assert battery.value == round(sim.cars[0].soc, 1)
    assert battery.recorded_at is not None

    car = sim.cars[0]
    car.locked = True
    assert (await v3.unlock(first.user_id, first.vehicle_id)).done
    assert not car.locked
    await client.post("/sim/commands", json={"count": 1})
    result = await v3.lock(first.user_id, first.vehicle_id)
    assert result.status is CommandStatus.PENDING
    await sim.settle()

    await v3.unsubscribe(first.user_id, first.vehicle_id, sim.webhook_id)
    assert first.vehicle_id not in sim.subscribed
    assert tokens.requests == 1


async def test_an_expired_token_is_renewed_once(
    session: ClientSession, client: Client, sim: Simulator
) -> None:
    v3, tokens = _v3(session, client, sim)
    await v3.connections()
    await client.post("/sim/expire-app-tokens")

    await v3.connections()

    assert tokens.requests == 2


async def test_refusals_and_limits(
    session: ClientSession, client: Client, sim: Simulator
) -> None:
    v3, _ = _v3(session, client, sim)
    car = sim.cars[0]
    car.unplug()

    with pytest.raises(SmartcarVehicleStateError) as refused:
        await v3.start_charging(sim.user_id, car.vehicle_id)
    assert refused.value.code == "CHARGING_PLUG_NOT_CONNECTED"

    await client.post(
        "/sim/fail",
        json={"status": 429, "path": "/v3/vehicles", "retry_after": 90},
    )
    with pytest.raises(SmartcarRateLimitError) as limited:
        await v3.signals(sim.user_id, car.vehicle_id)
    assert limited.value.retry_after == 90


async def test_a_disconnected_car_is_no_longer_listed(
    session: ClientSession, client: Client, sim: Simulator
) -> None:
    v3, _ = _v3(session, client, sim)
    car = sim.cars[1]
    await client.post("/sim/disconnect", json={"vehicle_ids": [car.vehicle_id]})

    assert await v3.connections(vehicle_id=car.vehicle_id) == []
    assert [c.vehicle_id for c in await v3.connections(user_id=sim.user_id)] == [
        sim.cars[0].vehicle_id
    ]
