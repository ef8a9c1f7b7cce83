"""The simulator over HTTP: Smartcar Connect, the REST API, and a control API.

- Connect: `GET /oauth/authorize` approves at once and redirects back with a
  code (and the `state`); `POST /oauth/token` (HTTP Basic client auth, form
  body) exchanges codes and refresh tokens.
- REST (v2.0): user, vehicles (paged), attributes, VIN, reads, commands,
  webhook subscribe (user token) and unsubscribe (`Bearer <AMT>`), with
  Smartcar's error shapes.
- API v3 (`api_v3.py`): the application token, connections, signals,
  commands and the Management API's webhooks and subscriptions.
- Control (`/sim/...`): VERIFY a callback URI, play scenarios, inject
  failures, and look at what was requested and delivered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import hmac
import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import BasicAuth, web

from .cars import Car
from .payloads import DeliveryFormat
from .simulator import DEFAULT_SCOPES, Failure, Grant, Simulator

SIMULATOR: web.AppKey[Simulator] = web.AppKey("simulator", Simulator)
DOC_URL = "https://smartcar.com/docs/errors/api-errors"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Smartcar's error bodies by HTTP status: type, code, description, resolution.
ERRORS: dict[int, tuple[str, str | None, str, str | None]] = {
    400: ("VALIDATION", "PARAMETER", "Request invalid or malformed.", None),
    401: (
        "AUTHENTICATION",
        None,
        (
            "The authorization header is missing or malformed, or it contains "
            "invalid or expired authentication credentials."
        ),
        "REAUTHENTICATE",
    ),
    403: (
        "PERMISSION",
        None,
        (
            "Your application has insufficient permissions to access the requested "
            "resource. Please prompt the user to re-authenticate using Smartcar Connect."
        ),
        "REAUTHENTICATE",
    ),
    404: ("RESOURCE_NOT_FOUND", "PATH", "The requested resource does not exist.", None),
    409: (
        "VEHICLE_STATE",
        "ASLEEP",
        "The vehicle is asleep and could not be reached.",
        "RETRY_LATER",
    ),
    429: (
        "RATE_LIMIT",
        "SMARTCAR_API",
        "You have reached the throttling rate limit for this vehicle.",
        "RETRY_LATER",
    ),
    430: (
        "BILLING",
        "VEHICLE_REQUEST_LIMIT",
        "The vehicle has reached its request limit for this billing period.",
        "CONTACT_SUPPORT",
    ),
    500: ("SERVER", "INTERNAL", "An internal Smartcar error occurred.", "RETRY_LATER"),
    502: ("UPSTREAM", "UNKNOWN", "The vehicle's manufacturer failed.", "RETRY_LATER"),
    503: (
        "SERVER",
        "MULTIPLE_RECORDS_FOUND",
        "Smartcar is temporarily unavailable.",
        "RETRY_LATER",
    ),
}


def api_error(
    status: int, *, retry_after: int | None = None, code: str | None = None
) -> web.Response:
    """A Smartcar API error response (`code` overrides the status's usual code)."""
    error_type, usual_code, description, resolution = ERRORS.get(
        status, ("SERVER", "INTERNAL", "An error occurred.", "RETRY_LATER")
    )
    code = code or usual_code
    headers = {"retry-after": str(retry_after)} if retry_after is not None else None
    return web.json_response(
        {
            "type": error_type,
            "code": code,
            "description": description,
            "docURL": DOC_URL,
            "statusCode": status,
            "resolution": {"type": resolution},
            "requestId": secrets.token_hex(12),
        },
        status=status,
        headers=headers,
    )


class ApiError(Exception):
    """Answer the request with Smartcar's error for `status`."""

    def __init__(self, status: int) -> None:
        """An error with this HTTP status."""
        super().__init__(status)
        self.status = status


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """An OAuth error answer of the token endpoint."""
    return web.json_response(
        {"error": error, "error_description": description}, status=status
    )


def _sim(request: web.Request) -> Simulator:
    return request.app[SIMULATOR]


def _auth_kind(sim: Simulator, request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ")
        if hmac.compare_digest(token.encode(), sim.settings.token.encode()):
            return "amt"
        if sim.access_grant(token):
            return "user"
        return "app" if sim.app_token_valid(token) else "invalid"
    if header.startswith("Basic "):
        return "basic"
    return "none"


@web.middleware
async def record_and_fail(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log every Connect/API request; answer with an injected failure first."""
    sim = _sim(request)
    if request.path.startswith("/sim/"):
        return await handler(request)
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "auth": _auth_kind(sim, request),
    }
    sim.requests.append(entry)
    if (failure := sim.take_failure(request.path)) is not None:
        entry["status"] = failure.status
        entry["injected"] = True
        if request.path == "/oauth/authorize":
            return _redirect_back(request, {"error": "access_denied"})
        if request.path == "/oauth/token" and failure.status < 500:
            return oauth_error(failure.status, "invalid_grant", "Injected failure.")
        if request.path == "/oauth2/token" and failure.status < 500:
            error = "invalid_client" if failure.status == 401 else "invalid_request"
            return oauth_error(failure.status, error, "Injected failure.")
        return api_error(failure.status, retry_after=failure.retry_after)
    try:
        response = await handler(request)
    except ApiError as err:
        response = api_error(err.status)
    entry["status"] = response.status
    return response


# --- Connect --------------------------------------------------------------------


def _redirect_back(request: web.Request, params: dict[str, str]) -> web.Response:
    redirect_uri = request.query.get("redirect_uri", "")
    if state := request.query.get("state"):
        params = {**params, "state": state}
    separator = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(f"{redirect_uri}{separator}{urlencode(params)}")


async def authorize(request: web.Request) -> web.Response:
    """Connect's authorize page: the user approves every car at once."""
    sim = _sim(request)
    query = request.query
    if (
        query.get("response_type") != "code"
        or query.get("client_id") != sim.settings.client_id
        or not query.get("redirect_uri")
    ):
        return web.Response(
            status=400,
            text="Invalid Connect request: check response_type, client_id and redirect_uri.",
        )
    scope = query.get("scope") or DEFAULT_SCOPES
    code = sim.issue_code(query["redirect_uri"], scope)
    # v3 Connect names the user in the redirect; the code serves v2.0 (and
    # Home Assistant's OAuth callback, which needs one).
    return _redirect_back(request, {"code": code, "user_id": sim.user_id})


async def token(request: web.Request) -> web.Response:
    """Token endpoint: HTTP Basic client auth, form body."""
    sim = _sim(request)
    try:
        client = BasicAuth.decode(request.headers.get("Authorization", ""))
    except ValueError:
        client = None
    if (
        client is None
        or client.login != sim.settings.client_id
        or client.password != sim.settings.client_secret
    ):
        return oauth_error(401, "invalid_client", "Invalid client credentials.")
    form = await request.post()
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        pair = sim.exchange_code(
            str(form.get("code", "")), str(form.get("redirect_uri", ""))
        )
    elif grant_type == "refresh_token":
        pair = sim.refresh(str(form.get("refresh_token", "")))
    else:
        return oauth_error(400, "unsupported_grant_type", "Unknown grant_type.")
    if pair is None:
        return oauth_error(400, "invalid_grant", "Invalid or expired grant.")
    return web.json_response(pair)


# --- REST -------------------------------------------------------------------------


def _user_grant(request: web.Request) -> Grant:
    """The user token's grant; raises a 401 answer otherwise."""
    header = request.headers.get("Authorization", "")
    grant = (
        _sim(request).access_grant(header.removeprefix("Bearer "))
        if header.startswith("Bearer ")
        else None
    )
    if grant is None:
        raise ApiError(401)
    return grant


def _car(request: web.Request, grant: Grant, scope: str | None = None) -> Car:
    car = _sim(request).car(request.match_info["vehicle_id"])
    if car is None:
        raise ApiError(404)
    if scope is not None and scope not in grant.scope.split():
        raise ApiError(403)
    return car


async def user(request: web.Request) -> web.Response:
    """`GET /v2.0/user`."""
    _user_grant(request)
    return web.json_response({"id": _sim(request).user_id})


async def vehicles(request: web.Request) -> web.Response:
    """`GET /v2.0/vehicles`: the user's vehicle ids, paged."""
    _user_grant(request)
    sim = _sim(request)
    try:
        limit = min(int(request.query.get("limit", sim.settings.page_size)), 50)
        offset = int(request.query.get("offset", 0))
    except ValueError:
        return api_error(400)
    limit = min(limit, sim.settings.page_size)
    ids = [car.vehicle_id for car in sim.cars]
    return web.json_response(
        {
            "vehicles": ids[offset : offset + max(limit, 0)],
            "paging": {"count": len(ids), "offset": offset},
        }
    )


async def attributes(request: web.Request) -> web.Response:
    """`GET /v2.0/vehicles/{id}`: id, make, model, year."""
    car = _car(request, _user_grant(request), "read_vehicle_info")
    return web.json_response(
        {"id": car.vehicle_id, "make": car.make, "model": car.model, "year": car.year}
    )


async def vin(request: web.Request) -> web.Response:
    """`GET /v2.0/vehicles/{id}/vin` (needs `read_vin`)."""
    car = _car(request, _user_grant(request), "read_vin")
    return web.json_response({"vin": car.vin})


def _webhook(request: web.Request) -> None:
    if request.match_info["webhook_id"] != _sim(request).webhook_id:
        raise ApiError(404)


async def subscribe(request: web.Request) -> web.Response:
    """`POST .../webhooks/{webhook_id}` with the user's token."""
    car = _car(request, _user_grant(request))
    _webhook(request)
    sim = _sim(request)
    sim.subscribed.add(car.vehicle_id)
    sim.save()
    return web.json_response({"webhookId": sim.webhook_id, "vehicleId": car.vehicle_id})


async def unsubscribe(request: web.Request) -> web.Response:
    """`DELETE .../webhooks/{webhook_id}` with `Bearer <AMT>`."""
    sim = _sim(request)
    if _auth_kind(sim, request) != "amt":
        return api_error(401)
    car = sim.car(request.match_info["vehicle_id"])
    if car is None:
        return api_error(404)
    _webhook(request)
    sim.subscribed.discard(car.vehicle_id)
    sim.save()
    return web.json_response({"status": "success"})


# Reads: path -> (scope, body of the car). Commands are added the same way.
READS: dict[str, tuple[str, Callable[[Car], dict[str, Any]]]] = {
    "battery": (
        "read_battery",
        lambda car: {
            "percentRemaining": round(car.soc / 100, 4),
            "range": round(car.range_km, 2),
        },
    ),
    "charge": (
        "read_charge",
        lambda car: {"isPluggedIn": car.plugged_in, "state": car.charge_state.value},
    ),
    "charge/limit": ("read_charge", lambda car: {"limit": car.charge_limit / 100}),
    "location": (
        "read_location",
        lambda car: {"latitude": car.latitude, "longitude": car.longitude},
    ),
    "odometer": ("read_odometer", lambda car: {"distance": round(car.odometer_km, 1)}),
    "security": ("read_security", lambda car: {"isLocked": car.locked}),
}


def read_handler(path: str) -> Handler:
    """A `GET /v2.0/vehicles/{id}/<path>` read of the car's current state."""
    scope, body = READS[path]

    async def handle(request: web.Request) -> web.Response:
        car = _car(request, _user_grant(request), scope)
        now = _sim(request).clock.now()
        return web.json_response(
            body(car),
            headers={
                "sc-data-age": now.isoformat(timespec="milliseconds"),
                "sc-unit-system": "metric",
            },
        )

    return handle


def _error_body(status: int) -> dict[str, Any]:
    error_type, code, description, resolution = ERRORS[status]
    return {
        "type": error_type,
        "code": code,
        "description": description,
        "resolution": {"type": resolution},
        "statusCode": status,
    }


async def batch(request: web.Request) -> web.Response:
    """`POST /v2.0/vehicles/{id}/batch {"requests": [{"path"}]}`: several reads at once.

    Each response is an item like a 2.0 dynamic delivery's: path, code, body,
    headers; a path the grant does not allow (or that does not exist) fails
    alone.
    """
    grant = _user_grant(request)
    car = _car(request, grant)
    try:
        body = await request.json()
        paths = [item["path"] for item in body["requests"]]
    except ValueError, KeyError, TypeError:
        return api_error(400)
    now = _sim(request).clock.now().isoformat(timespec="milliseconds")
    responses = []
    for path in paths:
        read = READS.get(str(path).strip("/"))
        if read is None:
            responses.append({"path": path, "code": 404, "body": _error_body(404)})
        elif read[0] not in grant.scope.split():
            responses.append({"path": path, "code": 403, "body": _error_body(403)})
        else:
            responses.append(
                {
                    "path": path,
                    "code": 200,
                    "body": read[1](car),
                    "headers": {"sc-data-age": now, "sc-unit-system": "metric"},
                }
            )
    return web.json_response({"responses": responses})


# Commands: path -> (scope, what it does to the car). A command answers like
# Smartcar, changes the car, and the car reports its new state at once (so
# its next delivery reflects the command). Raise `CommandRefusedError` to refuse.
class CommandRefusedError(Exception):
    """The car cannot do this now: Smartcar's 409 VEHICLE_STATE error with a code."""

    def __init__(self, code: str) -> None:
        """Refused with this VEHICLE_STATE code."""
        super().__init__(code)
        self.code = code


def _charge(car: Car, body: dict[str, Any]) -> None:
    action = body.get("action")
    if action == "START":
        if not car.plugged_in:
            raise CommandRefusedError("CHARGING_PLUG_NOT_CONNECTED")
        if not car.start_charging() and not car.charging:
            raise CommandRefusedError("FULLY_CHARGED")
    elif action == "STOP":
        car.stop_charging()
    else:
        raise ApiError(400)


def _charge_limit(car: Car, body: dict[str, Any]) -> None:
    limit = body.get("limit")
    if not isinstance(limit, int | float) or not 0.5 <= limit <= 1:
        raise ApiError(400)
    car.charge_limit = round(limit * 100, 1)


def _security(car: Car, body: dict[str, Any]) -> None:
    action = body.get("action")
    if action not in ("LOCK", "UNLOCK"):
        raise ApiError(400)
    car.locked = action == "LOCK"


COMMANDS: dict[str, tuple[str, Callable[[Car, dict[str, Any]], None]]] = {
    "charge": ("control_charge", _charge),
    "charge/limit": ("control_charge", _charge_limit),
    "security": ("control_security", _security),
}


def command_handler(path: str) -> Handler:
    """A `POST /v2.0/vehicles/{id}/<path>` command with a JSON body."""
    scope, command = COMMANDS[path]

    async def handle(request: web.Request) -> web.Response:
        car = _car(request, _user_grant(request), scope)
        try:
            body = await request.json()
        except ValueError:
            return api_error(400)
        try:
            command(car, body if isinstance(body, dict) else {})
        except CommandRefusedError as err:
            return api_error(409, code=err.code)
        _sim(request).report_soon(car)
        return web.json_response(
            {"status": "success", "message": "Successfully sent request to vehicle"}
        )

    return handle


# --- control -------------------------------------------------------------------------


async def _json(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body is not JSON") from None
    return body if isinstance(body, dict) else {}


async def control_status(request: web.Request) -> web.Response:
    """`GET /sim/status`."""
    return web.json_response(_sim(request).status())


async def control_verify(request: web.Request) -> web.Response:
    """`POST /sim/verify {"callback_uri", "version"}`: send VERIFY, judge the answer."""
    body = await _json(request)
    callback_uri = body.get("callback_uri")
    if not isinstance(callback_uri, str):
        raise web.HTTPBadRequest(text="callback_uri missing")
    try:
        result = await _sim(request).verify(
            callback_uri, str(body.get("version", "4.0"))
        )
    except ValueError as err:
        raise web.HTTPBadRequest(text=str(err)) from None
    return web.json_response(result.describe())


def _format(value: Any) -> DeliveryFormat | None:
    try:
        return DeliveryFormat(value) if value is not None else None
    except ValueError:
        raise web.HTTPBadRequest(text="format is 2.0, 4.0 or both") from None


async def control_play(request: web.Request) -> web.Response:
    """`POST /sim/scenario {"name", "repeat", "format", "background", "resume"}`: start a scenario."""
    sim = _sim(request)
    body = await _json(request)
    try:
        player = sim.start_player(
            body.get("name"),
            repeat=bool(body.get("repeat", False)),
            fmt=_format(body.get("format")),
            resume=bool(body.get("resume", False)),
        )
    except ValueError as err:
        raise web.HTTPBadRequest(text=str(err)) from None
    if body.get("background", True):
        sim.run_in_background(player)
    return web.json_response({"steps": [step.name for step in player.steps]})


async def control_stop(request: web.Request) -> web.Response:
    """`DELETE /sim/scenario`: stop playing."""
    _sim(request).stop()
    return web.json_response({"stopped": True})


async def control_step(request: web.Request) -> web.Response:
    """`POST /sim/step`: play the current scenario's next step now."""
    result = await _sim(request).step()
    return web.json_response(None if result is None else result.describe())


async def control_resend(request: web.Request) -> web.Response:
    """`POST /sim/resend {"last"}`: send every delivery so far (or the last N) again."""
    last = (await _json(request)).get("last")
    sent = await _sim(request).resend_all(last if isinstance(last, int) else None)
    return web.json_response(
        [{**delivery.describe(), "status": status} for delivery, status in sent]
    )


async def control_fail(request: web.Request) -> web.Response:
    """`POST /sim/fail {"status", "count", "path", "retry_after"}`: fail the next calls."""
    body = await _json(request)
    try:
        failure = Failure(
            status=int(body["status"]),
            count=int(body.get("count", 1)),
            path=str(body.get("path", "")),
            retry_after=None
            if body.get("retry_after") is None
            else int(body["retry_after"]),
        )
    except KeyError, TypeError, ValueError:
        raise web.HTTPBadRequest(text="status (and count, path, retry_after)") from None
    _sim(request).failures.append(failure)
    return web.json_response({"queued": len(_sim(request).failures)})


async def control_requests(request: web.Request) -> web.Response:
    """`GET /sim/requests`: every Connect/API request so far (no tokens)."""
    return web.json_response(_sim(request).requests)


async def control_secrets(request: web.Request) -> web.Response:
    """`GET /sim/secrets`: what must never appear in a log (for scripts/e2e)."""
    sim = _sim(request)
    return web.json_response(
        {
            "tokens": [
                sim.settings.token,
                sim.settings.client_secret,
                sim.settings.api_client_secret,
                *sim.issued.access,
                *sim.issued.refresh,
                *sim.issued.app,
            ],
            "ids": [sim.webhook_id, sim.user_id],
            "vins": [car.vin for car in sim.cars],
        }
    )


async def control_subscribe(request: web.Request) -> web.Response:
    """`POST /sim/subscribe {"vehicle_ids"}`: subscribe in the "Dashboard"."""
    sim = _sim(request)
    body = await _json(request)
    ids = body.get("vehicle_ids") or [car.vehicle_id for car in sim.cars]
    sim.subscribed |= {i for i in ids if isinstance(i, str) and sim.car(i)}
    sim.save()
    return web.json_response({"subscribed": sorted(sim.subscribed)})


def create_app(sim: Simulator) -> web.Application:
    """The simulator's aiohttp application."""
    app = web.Application(middlewares=[record_and_fail])
    app[SIMULATOR] = sim
    vehicle = "/v2.0/vehicles/{vehicle_id}"
    app.router.add_get("/oauth/authorize", authorize)
    app.router.add_post("/oauth/token", token)
    app.router.add_get("/v2.0/user", user)
    app.router.add_get("/v2.0/vehicles", vehicles)
    app.router.add_get(vehicle, attributes)
    app.router.add_get(f"{vehicle}/vin", vin)
    for path in READS:
        app.router.add_get(f"{vehicle}/{path}", read_handler(path))
    app.router.add_post(f"{vehicle}/batch", batch)
    for path in COMMANDS:
        app.router.add_post(f"{vehicle}/{path}", command_handler(path))
    app.router.add_post(f"{vehicle}/webhooks/{{webhook_id}}", subscribe)
    app.router.add_delete(f"{vehicle}/webhooks/{{webhook_id}}", unsubscribe)
    app.router.add_get("/sim/status", control_status)
    app.router.add_post("/sim/verify", control_verify)
    app.router.add_post("/sim/scenario", control_play)
    app.router.add_delete("/sim/scenario", control_stop)
    app.router.add_post("/sim/step", control_step)
    app.router.add_post("/sim/resend", control_resend)
    app.router.add_post("/sim/fail", control_fail)
    app.router.add_get("/sim/requests", control_requests)
    app.router.add_post("/sim/subscribe", control_subscribe)
    app.router.add_get("/sim/secrets", control_secrets)
    from .api_v3 import add_routes  # noqa: PLC0415 - api_v3 builds on this module

    add_routes(app)

    async def close(_app: web.Application) -> None:
        await sim.close()

    app.on_cleanup.append(close)
    return app
