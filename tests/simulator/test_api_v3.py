"""The simulator's API v3: application token, connections, signals, commands, management."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient

from smartcar_simulator.api_v3 import connection_id, subscription_id
from smartcar_simulator.payloads import SIGNALS
from smartcar_simulator.simulator import Simulator

from .conftest import Receiver

type Client = TestClient[web.Request, web.Application]
REDIRECT = "http://127.0.0.1:8123/auth/external/callback"


async def app_token(client: Client, sim: Simulator) -> str:
    response = await client.post(
        "/oauth2/token",
        json={
            "grant_type": "client_credentials",
            "client_id": sim.settings.api_client_id,
            "client_secret": sim.settings.api_client_secret,
        },
    )
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return str(body["access_token"])


async def headers(
    client: Client, sim: Simulator, *, user: bool = True
) -> dict[str, str]:
    result = {"Authorization": f"Bearer {await app_token(client, sim)}"}
    if user:
        result["sc-user-id"] = sim.user_id
    return result


# --- the token -------------------------------------------------------------------


async def test_token_is_an_hour_without_a_refresh_token(
    client: Client, sim: Simulator
) -> None:
    response = await client.post(
        "/oauth2/token",
        json={
            "grant_type": "client_credentials",
            "client_id": sim.settings.api_client_id,
            "client_secret": sim.settings.api_client_secret,
        },
    )

    body = await response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert sim.app_token_valid(body["access_token"])


async def test_token_taken_as_a_form_and_with_basic(
    client: Client, sim: Simulator
) -> None:
    settings = sim.settings
    form = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": settings.api_client_id,
            "client_secret": settings.api_client_secret,
        },
    )
    pair = f"{settings.api_client_id}:{settings.api_client_secret}".encode()
    basic = await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
    )

    assert (form.status, basic.status) == (200, 200)


async def test_wrong_credentials_are_invalid_client(
    client: Client, sim: Simulator
) -> None:
    response = await client.post(
        "/oauth2/token",
        json={
            "grant_type": "client_credentials",
            "client_id": sim.settings.api_client_id,
            "client_secret": "wrong",
        },
    )

    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"


async def test_another_grant_is_an_invalid_request(client: Client) -> None:
    response = await client.post("/oauth2/token", data={"grant_type": "password"})
    bad_json = await client.post(
        "/oauth2/token", data="{", headers={"Content-Type": "application/json"}
    )

    assert (response.status, bad_json.status) == (400, 400)
    assert (await response.json())["error"] == "invalid_request"


async def test_injected_token_failures(client: Client, sim: Simulator) -> None:
    await client.post("/sim/fail", json={"status": 401, "path": "/oauth2/token"})
    await client.post("/sim/fail", json={"status": 503, "path": "/oauth2/token"})

    refused = await client.post("/oauth2/token", json={})
    down = await client.post("/oauth2/token", json={})

    assert (refused.status, (await refused.json())["error"]) == (401, "invalid_client")
    assert down.status == 503


async def test_expired_app_tokens_are_refused(client: Client, sim: Simulator) -> None:
    sent = await headers(client, sim)
    await client.post("/sim/expire-app-tokens")

    response = await client.get("/v3/connections", headers=sent)

    assert response.status == 401
    assert sim.requests[-1]["auth"] == "invalid"


async def test_requests_record_the_app_token_kind(
    client: Client, sim: Simulator
) -> None:
    await client.get("/v3/connections", headers=await headers(client, sim))

    assert sim.requests[-1] == {
        "method": "GET",
        "path": "/v3/connections",
        "auth": "app",
        "status": 200,
    }


# --- Connect ---------------------------------------------------------------------


async def test_connect_redirect_names_the_user(client: Client, sim: Simulator) -> None:
    response = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": sim.settings.client_id,
            "redirect_uri": REDIRECT,
            "state": "s",
        },
        allow_redirects=False,
    )

    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["user_id"] == [sim.user_id]
    assert query["state"] == ["s"]
    assert "code" in query


# --- connections -------------------------------------------------------------------


async def test_connections_list_every_car_of_the_user(
    client: Client, sim: Simulator
) -> None:
    response = await client.get("/v3/connections", headers=await headers(client, sim))

    body = await response.json()
    assert [
        item["relationships"]["vehicle"]["data"]["id"] for item in body["data"]
    ] == [car.vehicle_id for car in sim.cars]
    first = body["data"][0]
    assert first["id"] == connection_id(sim.cars[0])
    assert first["relationships"]["user"]["data"]["id"] == sim.user_id
    assert first["attributes"]["vehicle"]["make"] == sim.cars[0].make
    assert "control_charge" in first["attributes"]["permissions"]
    assert body["meta"]["totalCount"] == 2
    assert body["links"]["next"] is None


async def test_connections_are_paged_and_filtered(
    client: Client, sim: Simulator
) -> None:
    sent = await headers(client, sim, user=False)
    first = await (
        await client.get("/v3/connections?page[size]=1", headers=sent)
    ).json()
    second = await (
        await client.get("/v3/connections?page[size]=1&page[number]=2", headers=sent)
    ).json()
    car = sim.cars[1]
    by_vehicle = await (
        await client.get(
            f"/v3/connections?filter[vehicleId]={car.vehicle_id}", headers=sent
        )
    ).json()
    other_user = await (
        await client.get("/v3/connections?filter[userId]=someone-else", headers=sent)
    ).json()
    bad = await client.get("/v3/connections?page[size]=x", headers=sent)

    assert len(first["data"]) == len(second["data"]) == 1
    assert first["links"]["next"] is not None
    assert second["links"]["next"] is None
    assert [item["id"] for item in by_vehicle["data"]] == [connection_id(car)]
    assert other_user["data"] == []
    assert bad.status == 400


async def test_connections_need_the_app_token(client: Client) -> None:
    response = await client.get("/v3/connections")

    assert response.status == 401


async def test_a_deleted_connection_disappears(client: Client, sim: Simulator) -> None:
    sent = await headers(client, sim)
    car = sim.cars[0]
    sim.subscribed.add(car.vehicle_id)

    deleted = await client.delete(f"/v3/connections/{connection_id(car)}", headers=sent)
    again = await client.delete(f"/v3/connections/{connection_id(car)}", headers=sent)
    listed = await (await client.get("/v3/connections", headers=sent)).json()
    read = await client.get(f"/v3/vehicles/{car.vehicle_id}/signals", headers=sent)

    assert (deleted.status, again.status, read.status) == (204, 404, 404)
    assert connection_id(car) not in [item["id"] for item in listed["data"]]
    assert not sim.receives(car)
    assert car.vehicle_id not in sim.subscribed


async def test_disconnect_control(client: Client, sim: Simulator) -> None:
    car = sim.cars[1]

    response = await client.post(
        "/sim/disconnect", json={"vehicle_ids": [car.vehicle_id, "unknown", 3]}
    )

    assert await response.json() == {"disconnected": [car.vehicle_id]}
    assert sim.connected(car.vehicle_id) is None


# --- signals -------------------------------------------------------------------------


async def test_signals_are_4_0_signals_under_attributes(
    client: Client, sim: Simulator
) -> None:
    car = sim.cars[0]

    response = await client.get(
        f"/v3/vehicles/{car.vehicle_id}/signals", headers=await headers(client, sim)
    )

    body = await response.json()
    items = {item["attributes"]["code"]: item for item in body["data"]}
    assert set(items) == set(SIGNALS)
    soc = items["tractionbattery-stateofcharge"]
    assert soc["attributes"]["body"] == {"value": round(car.soc, 1), "unit": "percent"}
    assert soc["attributes"]["status"] == {"value": "SUCCESS"}
    assert soc["meta"]["oemUpdatedAt"].endswith("Z")
    assert "oemUpdatedAt" not in items["vehicleidentification-vin"]["meta"]
    assert body["included"]["vehicle"]["id"] == car.vehicle_id


async def test_signals_need_the_user(client: Client, sim: Simulator) -> None:
    car = sim.cars[0]
    sent = await headers(client, sim, user=False)

    missing = await client.get(f"/v3/vehicles/{car.vehicle_id}/signals", headers=sent)
    other = await client.get(
        f"/v3/vehicles/{car.vehicle_id}/signals",
        headers={**sent, "sc-user-id": "someone-else"},
    )

    assert missing.status == 400
    assert (await missing.json())["type"] == "VALIDATION"
    assert other.status == 404


async def test_a_429_with_retry_after_on_demand(client: Client, sim: Simulator) -> None:
    car = sim.cars[0]
    path = f"/v3/vehicles/{car.vehicle_id}/signals"
    await client.post(
        "/sim/fail", json={"status": 429, "path": path, "retry_after": 60}
    )

    response = await client.get(path, headers=await headers(client, sim))

    assert response.status == 429
    assert response.headers["retry-after"] == "60"


async def test_a_430_on_demand_is_a_billing_error(
    client: Client, sim: Simulator
) -> None:
    await client.post("/sim/fail", json={"status": 430, "path": "/v3/vehicles"})

    response = await client.get(
        f"/v3/vehicles/{sim.cars[0].vehicle_id}/signals",
        headers=await headers(client, sim),
    )

    assert response.status == 430
    assert (await response.json())["type"] == "BILLING"


# --- commands --------------------------------------------------------------------------


async def test_commands_answer_200_and_change_the_car(
    client: Client, sim: Simulator
) -> None:
    car = sim.cars[0]
    car.plug_in()
    base = f"/v3/vehicles/{car.vehicle_id}/commands"
    sent = await headers(client, sim)

    start = await client.post(f"{base}/charge/start", headers=sent)
    unlock = await client.post(f"{base}/security/unlock", headers=sent)
    limit = await client.post(
        f"{base}/charge/set-limit",
        json={"data": {"attributes": {"percent": 85}}},
        headers=sent,
    )

    assert [r.status for r in (start, unlock, limit)] == [200, 200, 200]
    body = await start.json()
    assert body["data"]["type"] == "command-execution"
    assert body["data"]["attributes"]["status"] == {"value": "SUCCESS"}
    assert car.charging
    assert not car.locked
    assert car.charge_limit == 85.0

    stop = await client.post(f"{base}/charge/stop", headers=sent)
    lock = await client.post(f"{base}/security/lock", headers=sent)
    assert (stop.status, lock.status) == (200, 200)
    assert not car.charging
    assert car.locked


async def test_a_refused_command_is_a_409(client: Client, sim: Simulator) -> None:
    car = sim.cars[0]
    car.unplug()

    response = await client.post(
        f"/v3/vehicles/{car.vehicle_id}/commands/charge/start",
        headers=await headers(client, sim),
    )

    assert response.status == 409
    assert (await response.json())["code"] == "CHARGING_PLUG_NOT_CONNECTED"


async def test_bad_commands(client: Client, sim: Simulator) -> None:
    base = f"/v3/vehicles/{sim.cars[0].vehicle_id}/commands"
    sent = await headers(client, sim)

    unknown = await client.post(f"{base}/doors/fly", headers=sent)
    low = await client.post(
        f"{base}/charge/set-limit",
        json={"data": {"attributes": {"percent": 20}}},
        headers=sent,
    )
    fraction = await client.post(
        f"{base}/charge/set-limit",
        json={"data": {"attributes": {"percent": True}}},
        headers=sent,
    )
    not_json = await client.post(
        f"{base}/charge/set-limit",
        data="{",
        headers={**sent, "Content-Type": "application/json"},
    )

    assert [r.status for r in (unknown, low, fraction, not_json)] == [
        404,
        400,
        400,
        400,
    ]


async def test_a_202_confirms_by_a_delivery(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    car = sim.cars[0]
    car.locked = True
    sim.subscribed.add(car.vehicle_id)
    await client.post("/sim/verify", json={"callback_uri": receiver.url})
    await client.post("/sim/commands", json={"count": 1})

    response = await client.post(
        f"/v3/vehicles/{car.vehicle_id}/commands/security/unlock",
        headers=await headers(client, sim),
    )
    await sim.settle()

    assert response.status == 202
    body = await response.json()
    assert body["data"]["attributes"]["status"] == {"value": "PENDING"}
    assert not car.locked
    state = receiver.documents()[1]
    assert state["data"]["user"]["id"] == sim.user_id
    locked = {s["code"]: s for s in state["data"]["signals"]}["closure-islocked"]
    assert locked["body"] == {"value": False}
    assert sim.pending_commands.count == 0


async def test_a_202_that_never_confirms(client: Client, sim: Simulator) -> None:
    car = sim.cars[0]
    car.locked = True
    control = await client.post("/sim/commands", json={"count": 1, "confirm": False})

    response = await client.post(
        f"/v3/vehicles/{car.vehicle_id}/commands/security/unlock",
        headers=await headers(client, sim),
    )

    assert await control.json() == {"count": 1, "confirm": False}
    assert response.status == 202
    assert car.locked


async def test_commands_control_refuses_a_bad_count(client: Client) -> None:
    response = await client.post("/sim/commands", json={"count": "many"})
    not_json = await client.post("/sim/commands", data="{")

    assert (response.status, not_json.status) == (400, 400)


# --- Management API ---------------------------------------------------------------------


async def test_webhook_settings(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    sim.settings.auto_subscribe = True
    await client.post("/sim/verify", json={"callback_uri": receiver.url})
    sent = await headers(client, sim, user=False)

    response = await client.get(f"/v3/webhooks/{sim.webhook_id}", headers=sent)
    unknown = await client.get("/v3/webhooks/other", headers=sent)

    attributes = (await response.json())["data"]["attributes"]
    assert attributes["autoSubscribe"] is True
    assert attributes["callbackUri"] == receiver.url
    assert attributes["isEnabled"] is True
    assert {"code": "charge-ischarging"} in attributes["triggers"]
    assert unknown.status == 404
    assert sim.receives(sim.cars[0])


async def test_subscribe_list_and_unsubscribe(client: Client, sim: Simulator) -> None:
    sent = await headers(client, sim, user=False)
    car = sim.cars[0]
    body = {
        "data": {
            "attributes": {
                "webhookId": sim.webhook_id,
                "userId": sim.user_id,
                "vehicleId": car.vehicle_id,
            }
        }
    }

    created = await client.post("/v3/subscriptions", json=body, headers=sent)
    again = await client.post("/v3/subscriptions", json=body, headers=sent)
    listed = await (
        await client.get(
            f"/v3/subscriptions?filter[vehicleId]={car.vehicle_id}", headers=sent
        )
    ).json()
    others = await (
        await client.get(
            f"/v3/subscriptions?filter[vehicleId]={sim.cars[1].vehicle_id}",
            headers=sent,
        )
    ).json()

    assert (created.status, again.status) == (202, 409)
    assert listed["data"] == [
        {
            "id": subscription_id(car),
            "type": "subscription",
            "attributes": {
                "webhookId": sim.webhook_id,
                "vehicleId": car.vehicle_id,
                "userId": sim.user_id,
            },
        }
    ]
    assert others["data"] == []
    assert sim.receives(car)

    deleted = await client.delete(
        f"/v3/subscriptions/{subscription_id(car)}", headers=sent
    )
    gone = await client.delete(
        f"/v3/subscriptions/{subscription_id(car)}", headers=sent
    )
    assert (deleted.status, gone.status) == (204, 404)
    assert not sim.receives(car)


async def test_bad_subscriptions(client: Client, sim: Simulator) -> None:
    sent = await headers(client, sim, user=False)

    malformed = await client.post("/v3/subscriptions", json={"data": {}}, headers=sent)
    unknown = await client.post(
        "/v3/subscriptions",
        json={
            "data": {
                "attributes": {
                    "webhookId": "other",
                    "userId": sim.user_id,
                    "vehicleId": sim.cars[0].vehicle_id,
                }
            }
        },
        headers=sent,
    )

    assert (malformed.status, unknown.status) == (400, 404)


# --- what must stay secret ------------------------------------------------------------


async def test_secrets_list_the_api_secret_and_app_tokens(
    client: Client, sim: Simulator
) -> None:
    token = await app_token(client, sim)

    secrets = await (await client.get("/sim/secrets")).json()

    assert sim.settings.api_client_secret in secrets["tokens"]
    assert token in secrets["tokens"]


async def test_disconnected_cars_are_kept_across_restarts(
    sim: Simulator, tmp_path: Any
) -> None:
    sim.settings.state_file = tmp_path / "state.json"
    sim.disconnected.add(sim.cars[0].vehicle_id)
    sim.save()

    again = Simulator(sim.settings, clock=sim.clock)

    assert again.disconnected == {sim.cars[0].vehicle_id}
    assert again.status()["disconnected"] == [sim.cars[0].vehicle_id]
