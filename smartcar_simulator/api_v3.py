"""The simulator's Smartcar API v3, beside its v2.0 (SMARTCAR-V3.md).

- `POST /oauth2/token`: the client-credentials grant with the API
  credentials, taken as JSON, as a form or with HTTP Basic (which one
  Smartcar wants is not settled); an application token lives an hour.
- Vehicle API: `GET /v3/connections` (JSON:API pages, `filter[userId]`,
  `filter[vehicleId]`), `DELETE /v3/connections/{id}`,
  `GET /v3/vehicles/{id}/signals` and `POST /v3/vehicles/{id}/commands/...`
  (both need `sc-user-id`); a command answers 200, or 202 when asked to.
- Management API: `GET /v3/webhooks/{id}`, `POST`/`GET /v3/subscriptions`
  (409 when already subscribed), `DELETE /v3/subscriptions/{id}`.

Every call needs `Authorization: Bearer <application token>`. Failures are
injected like v2.0's (`/sim/fail`, a 429 with `retry-after`, a 430).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import hmac
import json
from typing import Any
import uuid

from aiohttp import BasicAuth, web

from .api import (
    SIMULATOR,
    CommandRefusedError,
    _charge,
    _security,
    api_error,
    oauth_error,
)
from .cars import Car
from .payloads import DATA_AGE, FETCH_AGE, SIGNALS, TIMELESS_SIGNALS
from .simulator import DEFAULT_SCOPES, Simulator

V3 = "/v3"
TOKEN_PATH = "/oauth2/token"
_NAMESPACE = uuid.UUID("9a3e7e7c-5f5e-4c64-9d1c-6b1f3f0c2a10")


def _sim(request: web.Request) -> Simulator:
    return request.app[SIMULATOR]


def _error(status: int, code: str | None = None) -> web.Response:
    return api_error(status, code=code)


def connection_id(car: Car) -> str:
    """The id of the user's connection to this car (stable across restarts)."""
    return str(uuid.uuid5(_NAMESPACE, f"connection:{car.vehicle_id}"))


def subscription_id(car: Car) -> str:
    """The id of this car's subscription to the webhook."""
    return str(uuid.uuid5(_NAMESPACE, f"subscription:{car.vehicle_id}"))


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- the application token ---------------------------------------------------------


async def _client_credentials(request: web.Request) -> dict[str, str]:
    """The grant's fields from a JSON body, a form, and an HTTP Basic header."""
    fields: dict[str, str] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            fields = {k: v for k, v in body.items() if isinstance(v, str)}
    else:
        fields = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    try:
        basic = BasicAuth.decode(request.headers.get("Authorization", ""))
    except ValueError:
        basic = None
    if basic is not None:
        fields.setdefault("client_id", basic.login)
        fields.setdefault("client_secret", basic.password)
    return fields


async def app_token(request: web.Request) -> web.Response:
    """`POST /oauth2/token`: `grant_type=client_credentials` with the API credentials."""
    sim = _sim(request)
    fields = await _client_credentials(request)
    if fields.get("grant_type") != "client_credentials":
        return oauth_error(
            400, "invalid_request", "grant_type must be client_credentials."
        )
    if not (
        hmac.compare_digest(
            fields.get("client_id", "").encode(), sim.settings.api_client_id.encode()
        )
        and hmac.compare_digest(
            fields.get("client_secret", "").encode(),
            sim.settings.api_client_secret.encode(),
        )
    ):
        return oauth_error(401, "invalid_client", "Client authentication failed.")
    return web.json_response(sim.issue_app_token())


def _require_app_token(request: web.Request) -> Simulator:
    sim = _sim(request)
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not sim.app_token_valid(
        header.removeprefix("Bearer ")
    ):
        raise _Refused(_error(401))
    return sim


class _Refused(Exception):  # noqa: N818 - carries the answer, not an error
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


type V3Handler = Callable[[web.Request], Any]


def _guarded(handler: Callable[[web.Request], Any]) -> Callable[[web.Request], Any]:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except _Refused as refused:
            return refused.response
        return response

    return handle


def _user_car(request: web.Request) -> tuple[Simulator, Car]:
    """The connected car of `{vehicle_id}` for the user in `sc-user-id`."""
    sim = _require_app_token(request)
    user = request.headers.get("sc-user-id")
    if not user:
        raise _Refused(_error(400, "MISSING_HEADER"))
    car = sim.connected(request.match_info["vehicle_id"])
    if car is None or user != sim.user_id:
        raise _Refused(_error(404))
    return sim, car


# --- connections ------------------------------------------------------------------------


def _connection(sim: Simulator, car: Car) -> dict[str, Any]:
    return {
        "id": connection_id(car),
        "type": "connection",
        "attributes": {
            "permissions": DEFAULT_SCOPES.split(),
            "vehicle": {
                "make": car.make,
                "model": car.model,
                "year": car.year,
                "mode": "simulated",
                "powertrainType": "BEV",
            },
            "user": {"id": sim.user_id},
        },
        "relationships": {
            "vehicle": {"data": {"id": car.vehicle_id, "type": "vehicle"}},
            "user": {"data": {"id": sim.user_id, "type": "user"}},
        },
    }


async def connections(request: web.Request) -> web.Response:
    """`GET /v3/connections`: the user's connected cars, paged."""
    sim = _require_app_token(request)
    query = request.query
    try:
        number = max(int(query.get("page[number]", "1")), 1)
        size = min(max(int(query.get("page[size]", "10")), 1), 100)
    except ValueError:
        return _error(400)
    cars = [car for car in sim.cars if car.vehicle_id not in sim.disconnected]
    if (user := query.get("filter[userId]")) is not None and user != sim.user_id:
        cars = []
    if (vehicle := query.get("filter[vehicleId]")) is not None:
        cars = [car for car in cars if car.vehicle_id == vehicle]
    page = cars[(number - 1) * size : number * size]
    more = number * size < len(cars)
    return web.json_response(
        {
            "data": [_connection(sim, car) for car in page],
            "meta": {"pageNumber": number, "pageSize": size, "totalCount": len(cars)},
            "links": {
                "next": f"{V3}/connections?page[number]={number + 1}" if more else None
            },
        }
    )


async def delete_connection(request: web.Request) -> web.Response:
    """`DELETE /v3/connections/{connection_id}`: the user's grant is gone."""
    sim = _require_app_token(request)
    wanted = request.match_info["connection_id"]
    car = next(
        (
            car
            for car in sim.cars
            if connection_id(car) == wanted and car.vehicle_id not in sim.disconnected
        ),
        None,
    )
    if car is None:
        return _error(404)
    disconnect(sim, car)
    return web.Response(status=204)


def disconnect(sim: Simulator, car: Car) -> None:
    """The car's connection ends: no reads, commands, subscription or deliveries."""
    sim.disconnected.add(car.vehicle_id)
    sim.subscribed.discard(car.vehicle_id)
    sim.save()


# --- signals ----------------------------------------------------------------------------


def signal_items(sim: Simulator, car: Car) -> list[dict[str, Any]]:
    """The car's signals as a v3 read answers them: a 4.0 signal under `attributes`.

    Times are ISO text here (as a live capture shows), epoch ms in a delivery.
    """
    now = sim.clock.now()
    items = []
    for code, (name, group, body) in SIGNALS.items():
        meta: dict[str, Any] = {"ingestedAt": _iso(now)}
        if code not in TIMELESS_SIGNALS:
            meta["oemUpdatedAt"] = _iso(now - DATA_AGE)
            meta["retrievedAt"] = _iso(now - FETCH_AGE)
        items.append(
            {
                "id": code,
                "type": "signal",
                "attributes": {
                    "code": code,
                    "name": name,
                    "group": group,
                    "status": {"value": "SUCCESS"},
                    "body": body(car),
                },
                "meta": meta,
            }
        )
    return items


async def signals(request: web.Request) -> web.Response:
    """`GET /v3/vehicles/{id}/signals` with `sc-user-id`."""
    sim, car = _user_car(request)
    return web.json_response(
        {
            "data": signal_items(sim, car),
            "included": {
                "vehicle": {
                    "id": car.vehicle_id,
                    "type": "vehicle",
                    "attributes": {
                        "make": car.make,
                        "model": car.model,
                        "year": car.year,
                    },
                }
            },
        }
    )


# --- commands ---------------------------------------------------------------------------


def _percent(body: Any) -> float:
    attributes = ((body or {}).get("data") or {}).get("attributes") or {}
    percent = attributes.get("percent")
    if (
        isinstance(percent, bool)
        or not isinstance(percent, int | float)
        or not 50 <= percent <= 100
    ):
        raise _Refused(_error(400))
    return float(percent)


async def command(request: web.Request) -> web.Response:
    """`POST /v3/vehicles/{id}/commands/{group}/{action}`."""
    sim, car = _user_car(request)
    name = f"{request.match_info['group']}/{request.match_info['action']}"
    body: Any = None
    if request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            return _error(400)
    actions: dict[str, Callable[[], None]] = {
        "charge/start": lambda: _charge(car, {"action": "START"}),
        "charge/stop": lambda: _charge(car, {"action": "STOP"}),
        "charge/set-limit": lambda: setattr(
            car, "charge_limit", round(_percent(body), 1)
        ),
        "security/lock": lambda: _security(car, {"action": "LOCK"}),
        "security/unlock": lambda: _security(car, {"action": "UNLOCK"}),
    }
    if name not in actions:
        return _error(404)
    answers = sim.pending_commands
    pending = answers.count > 0
    if pending:
        answers.count -= 1
    if name == "charge/set-limit":
        _percent(body)  # refused before anything else, also when pending
    if not pending or answers.confirm:
        try:
            actions[name]()
        except CommandRefusedError as err:
            return _error(409, err.code)
        sim.report_soon(car)
    status = "PENDING" if pending else "SUCCESS"
    return web.json_response(
        {
            "data": {
                "type": "command-execution",
                "id": str(uuid.uuid4()),
                "attributes": {
                    "status": {"value": status},
                    "executionMode": "async" if pending else "sync",
                },
            }
        },
        status=202 if pending else 200,
    )


# --- Management API -----------------------------------------------------------------------


async def webhook(request: web.Request) -> web.Response:
    """`GET /v3/webhooks/{webhook_id}`."""
    sim = _require_app_token(request)
    if request.match_info["webhook_id"] != sim.webhook_id:
        return _error(404)
    return web.json_response(
        {
            "data": {
                "id": sim.webhook_id,
                "type": "webhook",
                "attributes": {
                    "name": sim.factory.webhook_name,
                    "callbackUri": sim.callback_uri,
                    "errorCallbackUri": None,
                    "isEnabled": sim.callback_uri is not None,
                    "autoSubscribe": sim.settings.auto_subscribe,
                    "triggers": [
                        {"code": "charge-ischarging"},
                        {"code": "charge-ischargingcableconnected"},
                    ],
                    "data": [{"code": code} for code in SIGNALS],
                },
            }
        }
    )


def _subscription(sim: Simulator, car: Car) -> dict[str, Any]:
    return {
        "id": subscription_id(car),
        "type": "subscription",
        "attributes": {
            "webhookId": sim.webhook_id,
            "vehicleId": car.vehicle_id,
            "userId": sim.user_id,
        },
    }


async def create_subscription(request: web.Request) -> web.Response:
    """`POST /v3/subscriptions {"data": {"attributes": {webhookId, userId, vehicleId}}}`."""
    sim = _require_app_token(request)
    try:
        body = await request.json()
        attributes = body["data"]["attributes"]
        webhook_id, user, vehicle = (
            attributes["webhookId"],
            attributes["userId"],
            attributes["vehicleId"],
        )
    except ValueError, KeyError, TypeError:
        return _error(400)
    car = sim.connected(str(vehicle))
    if webhook_id != sim.webhook_id or user != sim.user_id or car is None:
        return _error(404)
    if car.vehicle_id in sim.subscribed:
        return web.json_response(
            {
                "type": "CONFLICT",
                "code": "SUBSCRIPTION_EXISTS",
                "description": "The vehicle is already subscribed to this webhook.",
            },
            status=409,
        )
    sim.subscribed.add(car.vehicle_id)
    sim.save()
    return web.json_response({"data": _subscription(sim, car)}, status=202)


async def list_subscriptions(request: web.Request) -> web.Response:
    """`GET /v3/subscriptions?filter[vehicleId]=...`."""
    sim = _require_app_token(request)
    vehicle = request.query.get("filter[vehicleId]")
    return web.json_response(
        {
            "data": [
                _subscription(sim, car)
                for car in sim.cars
                if car.vehicle_id in sim.subscribed
                and (vehicle is None or car.vehicle_id == vehicle)
            ]
        }
    )


async def delete_subscription(request: web.Request) -> web.Response:
    """`DELETE /v3/subscriptions/{subscription_id}`."""
    sim = _require_app_token(request)
    wanted = request.match_info["subscription_id"]
    car = next(
        (
            car
            for car in sim.cars
            if subscription_id(car) == wanted and car.vehicle_id in sim.subscribed
        ),
        None,
    )
    if car is None:
        return _error(404)
    sim.subscribed.discard(car.vehicle_id)
    sim.save()
    return web.Response(status=204)


# --- control ---------------------------------------------------------------------------------


async def _json(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = json.loads(await request.text())
    except ValueError:
        raise web.HTTPBadRequest(text="body is not JSON") from None
    return body if isinstance(body, dict) else {}


async def control_commands(request: web.Request) -> web.Response:
    """`POST /sim/commands {"count", "confirm"}`: the next commands answer 202.

    With `confirm` false the car never does them: a 202 that never confirms.
    """
    sim = _sim(request)
    body = await _json(request)
    try:
        sim.pending_commands.count = int(body.get("count", 1))
    except TypeError, ValueError:
        raise web.HTTPBadRequest(text="count is a number") from None
    sim.pending_commands.confirm = bool(body.get("confirm", True))
    return web.json_response(
        {"count": sim.pending_commands.count, "confirm": sim.pending_commands.confirm}
    )


async def control_disconnect(request: web.Request) -> web.Response:
    """`POST /sim/disconnect {"vehicle_ids"}`: the user removes cars' connections."""
    sim = _sim(request)
    ids = (await _json(request)).get("vehicle_ids") or []
    for vehicle_id in ids if isinstance(ids, list) else []:
        if isinstance(vehicle_id, str) and (car := sim.car(vehicle_id)) is not None:
            disconnect(sim, car)
    return web.json_response({"disconnected": sorted(sim.disconnected)})


async def control_expire_app_tokens(request: web.Request) -> web.Response:
    """`POST /sim/expire-app-tokens`: every v3 token is refused from now on (401)."""
    sim = _sim(request)
    expired = len(sim.issued.app)
    sim.issued.app.clear()
    return web.json_response({"expired": expired})


def add_routes(app: web.Application) -> None:
    """Register the v3 routes on the simulator's application."""
    vehicle = f"{V3}/vehicles/{{vehicle_id}}"
    app.router.add_post(TOKEN_PATH, app_token)
    app.router.add_get(f"{V3}/connections", _guarded(connections))
    app.router.add_delete(
        f"{V3}/connections/{{connection_id}}", _guarded(delete_connection)
    )
    app.router.add_get(f"{vehicle}/signals", _guarded(signals))
    app.router.add_post(f"{vehicle}/commands/{{group}}/{{action}}", _guarded(command))
    app.router.add_get(f"{V3}/webhooks/{{webhook_id}}", _guarded(webhook))
    app.router.add_post(f"{V3}/subscriptions", _guarded(create_subscription))
    app.router.add_get(f"{V3}/subscriptions", _guarded(list_subscriptions))
    app.router.add_delete(
        f"{V3}/subscriptions/{{subscription_id}}", _guarded(delete_subscription)
    )
    app.router.add_post("/sim/commands", control_commands)
    app.router.add_post("/sim/disconnect", control_disconnect)
    app.router.add_post("/sim/expire-app-tokens", control_expire_app_tokens)
