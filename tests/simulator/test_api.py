"""Connect, the REST API and the control API, with Smartcar's shapes and errors."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient

from smartcar_simulator import sign_body
from smartcar_simulator.simulator import Settings, Simulator

from .conftest import AMT, Receiver

type Client = TestClient[web.Request, web.Application]
REDIRECT = "http://127.0.0.1:8123/auth/external/callback"


def basic(settings: Settings, secret: str | None = None) -> dict[str, str]:
    pair = f"{settings.client_id}:{secret or settings.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


async def authorize(client: Client, sim: Simulator, scope: str | None = None) -> str:
    params = {
        "response_type": "code",
        "client_id": sim.settings.client_id,
        "redirect_uri": REDIRECT,
        "state": "flow-state",
    }
    if scope is not None:
        params["scope"] = scope
    response = await client.get(
        "/oauth/authorize", params=params, allow_redirects=False
    )
    assert response.status == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


async def tokens(
    client: Client, sim: Simulator, scope: str | None = None
) -> dict[str, Any]:
    code = await authorize(client, sim, scope)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
        },
        headers=basic(sim.settings),
    )
    assert response.status == 200
    pair: dict[str, Any] = await response.json()
    return pair


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_authorize_redirects_back_with_a_code_and_the_state(
    client: Client, sim: Simulator
) -> None:
    response = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": sim.settings.client_id,
            "redirect_uri": REDIRECT,
            "state": "flow-state",
        },
        allow_redirects=False,
    )
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["flow-state"]
    assert query["code"]


async def test_authorize_refuses_an_unknown_client(client: Client) -> None:
    response = await client.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": "x", "redirect_uri": REDIRECT},
        allow_redirects=False,
    )
    assert response.status == 400


async def test_a_code_gives_bearer_tokens_once(client: Client, sim: Simulator) -> None:
    code = await authorize(client, sim)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    first = await client.post("/oauth/token", data=form, headers=basic(sim.settings))
    again = await client.post("/oauth/token", data=form, headers=basic(sim.settings))
    body = await first.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert body["access_token"] and body["refresh_token"]
    assert again.status == 400
    assert (await again.json())["error"] == "invalid_grant"


async def test_the_token_endpoint_wants_the_client_secret(
    client: Client, sim: Simulator
) -> None:
    code = await authorize(client, sim)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
        },
        headers=basic(sim.settings, "wrong"),
    )
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"


async def test_a_refresh_token_is_spent_by_its_use(
    client: Client, sim: Simulator
) -> None:
    pair = await tokens(client, sim)
    form = {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    first = await client.post("/oauth/token", data=form, headers=basic(sim.settings))
    again = await client.post("/oauth/token", data=form, headers=basic(sim.settings))
    assert first.status == 200
    assert (await first.json())["refresh_token"] != pair["refresh_token"]
    assert again.status == 400


async def test_the_user_endpoint_names_the_user(client: Client, sim: Simulator) -> None:
    token = (await tokens(client, sim))["access_token"]
    response = await client.get("/v2.0/user", headers=bearer(token))
    assert await response.json() == {"id": sim.user_id}


async def test_an_unknown_token_gets_smartcars_401(client: Client) -> None:
    response = await client.get("/v2.0/user", headers=bearer("nope"))
    body = await response.json()
    assert response.status == 401
    assert body["type"] == "AUTHENTICATION"
    assert body["resolution"] == {"type": "REAUTHENTICATE"}
    assert body["statusCode"] == 401


async def test_vehicles_are_paged(client: Client, sim: Simulator) -> None:
    token = (await tokens(client, sim))["access_token"]
    first = await (await client.get("/v2.0/vehicles", headers=bearer(token))).json()
    second = await (
        await client.get(
            "/v2.0/vehicles", params={"offset": "1"}, headers=bearer(token)
        )
    ).json()
    assert first == {
        "vehicles": [sim.cars[0].vehicle_id],
        "paging": {"count": 2, "offset": 0},
    }
    assert second["vehicles"] == [sim.cars[1].vehicle_id]


async def test_attributes_and_vin(client: Client, sim: Simulator) -> None:
    token = (await tokens(client, sim))["access_token"]
    car = sim.cars[0]
    attributes = await client.get(
        f"/v2.0/vehicles/{car.vehicle_id}", headers=bearer(token)
    )
    vin = await client.get(
        f"/v2.0/vehicles/{car.vehicle_id}/vin", headers=bearer(token)
    )
    assert await attributes.json() == {
        "id": car.vehicle_id,
        "make": car.make,
        "model": car.model,
        "year": car.year,
    }
    assert await vin.json() == {"vin": car.vin}


async def test_the_vin_needs_its_permission(client: Client, sim: Simulator) -> None:
    token = (await tokens(client, sim, scope="read_vehicle_info"))["access_token"]
    response = await client.get(
        f"/v2.0/vehicles/{sim.cars[0].vehicle_id}/vin", headers=bearer(token)
    )
    assert response.status == 403
    assert (await response.json())["type"] == "PERMISSION"


async def test_reads_give_the_cars_current_state(
    client: Client, sim: Simulator
) -> None:
    token = (await tokens(client, sim))["access_token"]
    car = sim.cars[0]
    response = await client.get(
        f"/v2.0/vehicles/{car.vehicle_id}/battery", headers=bearer(token)
    )
    assert (await response.json())["percentRemaining"] == round(car.soc / 100, 4)
    assert "sc-data-age" in response.headers


async def test_subscribe_with_the_user_token(client: Client, sim: Simulator) -> None:
    token = (await tokens(client, sim))["access_token"]
    car = sim.cars[0]
    response = await client.post(
        f"/v2.0/vehicles/{car.vehicle_id}/webhooks/{sim.webhook_id}",
        headers=bearer(token),
    )
    assert await response.json() == {
        "webhookId": sim.webhook_id,
        "vehicleId": car.vehicle_id,
    }
    assert sim.subscribed == {car.vehicle_id}


async def test_subscribe_to_an_unknown_webhook_is_not_found(
    client: Client, sim: Simulator
) -> None:
    token = (await tokens(client, sim))["access_token"]
    response = await client.post(
        f"/v2.0/vehicles/{sim.cars[0].vehicle_id}/webhooks/other", headers=bearer(token)
    )
    assert response.status == 404


async def test_unsubscribe_wants_the_amt_not_the_user_token(
    client: Client, sim: Simulator
) -> None:
    token = (await tokens(client, sim))["access_token"]
    path = f"/v2.0/vehicles/{sim.cars[0].vehicle_id}/webhooks/{sim.webhook_id}"
    sim.subscribed.add(sim.cars[0].vehicle_id)
    refused = await client.delete(path, headers=bearer(token))
    done = await client.delete(path, headers=bearer(AMT))
    assert refused.status == 401
    assert await done.json() == {"status": "success"}
    assert sim.subscribed == set()


async def test_an_injected_429_carries_retry_after(
    client: Client, sim: Simulator
) -> None:
    await client.post(
        "/sim/fail", json={"status": 429, "retry_after": 7, "path": "/v2.0/user"}
    )
    token = (await tokens(client, sim))["access_token"]
    limited = await client.get("/v2.0/user", headers=bearer(token))
    after = await client.get("/v2.0/user", headers=bearer(token))
    assert limited.status == 429
    assert limited.headers["retry-after"] == "7"
    assert (await limited.json())["type"] == "RATE_LIMIT"
    assert after.status == 200


async def test_injected_server_errors_fail_the_next_calls(
    client: Client, sim: Simulator
) -> None:
    token = (await tokens(client, sim))["access_token"]
    await client.post("/sim/fail", json={"status": 500, "count": 2})
    statuses = [
        (await client.get("/v2.0/user", headers=bearer(token))).status for _ in range(3)
    ]
    assert statuses == [500, 500, 200]


async def test_the_request_log_shows_who_called_without_tokens(
    client: Client, sim: Simulator
) -> None:
    token = (await tokens(client, sim))["access_token"]
    await client.get("/v2.0/user", headers=bearer(token))
    log = await (await client.get("/sim/requests")).json()
    assert {"method": "GET", "path": "/v2.0/user", "auth": "user", "status": 200} in log
    assert token not in str(log)


async def test_control_verify_and_steps_deliver_to_the_callback(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    sim.settings.deliver_unsubscribed = True
    verify = await client.post("/sim/verify", json={"callback_uri": receiver.url})
    await client.post("/sim/scenario", json={"name": "drive", "background": False})
    step = await (await client.post("/sim/step")).json()
    assert (await verify.json())["ok"]
    assert step["name"] == "parked at work"
    assert [d["status"] for d in step["sent"]] == [200, 200, 200, 200]
    assert len(receiver.bodies) == 5
    assert receiver.signatures[0] is None  # VERIFY is not signed
    assert all(
        signature == sign_body(AMT, body)
        for body, signature in zip(
            receiver.bodies[1:], receiver.signatures[1:], strict=True
        )
    )


async def test_resend_sends_the_same_bodies_again(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    sim.settings.deliver_unsubscribed = True
    await client.post("/sim/verify", json={"callback_uri": receiver.url})
    await client.post("/sim/scenario", json={"name": "drive", "background": False})
    await client.post("/sim/step")
    sent = receiver.bodies[1:]
    resent = await (await client.post("/sim/resend")).json()
    assert len(resent) == len(sent)
    assert receiver.bodies[1 + len(sent) :] == sent


async def test_subscriptions_and_tokens_survive_a_restart(
    settings: Settings, tmp_path: Any
) -> None:
    settings.state_file = tmp_path / "state.json"
    first = Simulator(settings)
    first.subscribed.add(first.cars[0].vehicle_id)
    pair = first.exchange_code(first.issue_code(REDIRECT, "read_vin"), REDIRECT)
    first.save()
    second = Simulator(settings)
    assert pair is not None
    assert second.subscribed == {second.cars[0].vehicle_id}
    assert second.access_grant(pair["access_token"]) is not None
    assert second.webhook_id == first.webhook_id


async def test_a_charge_command_needs_the_cable(client: Client, sim: Simulator) -> None:
    token = (await tokens(client, sim))["access_token"]
    car = sim.cars[0]
    response = await client.post(
        f"/v2.0/vehicles/{car.vehicle_id}/charge",
        json={"action": "START"},
        headers=bearer(token),
    )
    body = await response.json()
    assert response.status == 409
    assert (body["type"], body["code"]) == (
        "VEHICLE_STATE",
        "CHARGING_PLUG_NOT_CONNECTED",
    )


async def test_a_command_shows_in_the_cars_next_delivery(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    token = (await tokens(client, sim))["access_token"]
    car = sim.cars[0]
    car.plug_in()
    sim.subscribed.add(car.vehicle_id)
    await client.post("/sim/verify", json={"callback_uri": receiver.url})
    response = await client.post(
        f"/v2.0/vehicles/{car.vehicle_id}/charge",
        json={"action": "START"},
        headers=bearer(token),
    )
    assert await response.json() == {
        "status": "success",
        "message": "Successfully sent request to vehicle",
    }
    await sim.settle()
    assert len(receiver.bodies) == 3  # VERIFY, then the car's 4.0 and 2.0 reports
    state = receiver.documents()[1]
    charging = {s["code"]: s for s in state["data"]["signals"]}["charge-ischarging"]
    assert charging["body"] == {"value": True}


async def test_lock_and_charge_limit_commands_change_the_car(
    client: Client, sim: Simulator
) -> None:
    token = (await tokens(client, sim))["access_token"]
    car = sim.cars[0]
    base = f"/v2.0/vehicles/{car.vehicle_id}"
    await client.post(
        f"{base}/security", json={"action": "UNLOCK"}, headers=bearer(token)
    )
    await client.post(
        f"{base}/charge/limit", json={"limit": 0.9}, headers=bearer(token)
    )
    assert not car.locked
    assert car.charge_limit == 90.0


async def test_commands_need_their_permission(client: Client, sim: Simulator) -> None:
    token = (await tokens(client, sim, scope="read_charge"))["access_token"]
    response = await client.post(
        f"/v2.0/vehicles/{sim.cars[0].vehicle_id}/security",
        json={"action": "LOCK"},
        headers=bearer(token),
    )
    assert response.status == 403


async def test_resend_can_send_only_the_last_deliveries(
    client: Client, sim: Simulator, receiver: Receiver
) -> None:
    sim.settings.deliver_unsubscribed = True
    await client.post("/sim/verify", json={"callback_uri": receiver.url})
    await client.post("/sim/scenario", json={"name": "drive", "background": False})
    await client.post("/sim/step")
    resent = await (await client.post("/sim/resend", json={"last": 1})).json()
    assert len(resent) == 1
    assert receiver.bodies[-1] == receiver.bodies[-2]


async def test_a_batch_reads_several_paths_each_failing_alone(
    client: Client, sim: Simulator
) -> None:
    token = (await tokens(client, sim, scope="read_battery"))["access_token"]
    car = sim.cars[0]
    response = await client.post(
        f"/v2.0/vehicles/{car.vehicle_id}/batch",
        json={"requests": [{"path": "/battery"}, {"path": "/location"}]},
        headers=bearer(token),
    )
    battery, location = (await response.json())["responses"]
    assert battery["code"] == 200
    assert battery["body"]["percentRemaining"] == round(car.soc / 100, 4)
    assert "sc-data-age" in battery["headers"]
    assert location["code"] == 403
    assert location["body"]["type"] == "PERMISSION"


async def test_odometers_never_run_backwards_across_restarts(
    settings: Settings, tmp_path: Any
) -> None:
    settings.state_file = tmp_path / "state.json"
    first = Simulator(settings)
    first.cars[0].odometer_km += 250
    first.save()
    assert Simulator(settings).cars[0].odometer_km == first.cars[0].odometer_km


async def test_a_restart_resumes_the_scenario_where_it_was(
    settings: Settings, tmp_path: Any
) -> None:
    settings.state_file = tmp_path / "state.json"
    first = Simulator(settings)
    first.start_player("commute", repeat=True)
    for _ in range(5):
        await first.step()
    assert first.player is not None
    index, car = first.player.index, first.cars[0]

    second = Simulator(settings)
    player = second.start_player("commute", repeat=True, resume=True)

    assert player.index == index
    assert (second.cars[0].latitude, second.cars[0].soc) == (car.latitude, car.soc)
    assert second.cars[0].charge_state == car.charge_state


async def test_a_restart_without_resume_starts_the_scenario_over(
    settings: Settings, tmp_path: Any
) -> None:
    settings.state_file = tmp_path / "state.json"
    first = Simulator(settings)
    first.start_player("commute", repeat=True)
    for _ in range(5):
        await first.step()

    player = Simulator(settings).start_player("commute", repeat=True)

    assert player.index == 0
