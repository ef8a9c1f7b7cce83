"""An async client for the Smartcar REST API (v2.0): vehicles, webhooks, reads, commands.

The aiohttp session is injected (Home Assistant's shared one); base URLs can
be overridden for tests and the local simulator. Every failure is one of the
typed errors below, never a raw aiohttp exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
import math
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientResponse, ClientSession, ClientTimeout

from .errors import InvalidDeliveryError, SmartcarError
from .models import DataDelivery, VehicleInfo
from .parse_v2 import parse_v2_items
from .text import clean_code

API_BASE = "https://api.smartcar.com"
PAGE_SIZE = 50
MAX_PAGES = 20
REQUEST_TIMEOUT = ClientTimeout(total=30)
# `retry-after`: seconds as a short number, at most a day.
MAX_RETRY_AFTER = 86400.0
MAX_RETRY_AFTER_LENGTH = 16
# Smartcar takes a charge limit from 0.5 to 1 (a fraction); the library speaks percent.
CHARGE_LIMIT_MIN = 50.0
CHARGE_LIMIT_MAX = 100.0
# The kind of a DataDelivery made from a fresh read, not a webhook.
KIND_API = "api"


class SmartcarApiError(SmartcarError):
    """Smartcar answered with an error."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        code: str | None = None,
    ) -> None:
        """Keep what Smartcar said: HTTP status, error type and code."""
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.code = code


class SmartcarAuthError(SmartcarApiError):
    """The token was refused: the user must sign in again."""


class SmartcarRateLimitError(SmartcarApiError):
    """Too many requests; `retry_after` seconds when Smartcar says."""

    def __init__(
        self, message: str, *, retry_after: float | None, **kwargs: Any
    ) -> None:
        """Keep the retry-after delay."""
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class SmartcarPermissionError(SmartcarAuthError):
    """The user did not grant the permission this request needs (PERMISSION).

    An auth error: signing in again, granting the permission, is the remedy.
    """


class SmartcarVehicleStateError(SmartcarApiError):
    """The car cannot do it in its current state (VEHICLE_STATE).

    `code` says why: ASLEEP, UNREACHABLE, CHARGING_PLUG_NOT_CONNECTED, ...
    """


class SmartcarNotCapableError(SmartcarApiError):
    """The car, its make or Smartcar cannot do this at all (COMPATIBILITY)."""


class SmartcarServerError(SmartcarApiError):
    """Smartcar failed (5xx)."""


class SmartcarCredentialsError(SmartcarAuthError):
    """Smartcar refused the application's API credentials (`invalid_client`).

    Not the user's sign-in: new API credentials (client id and secret) are the
    remedy, so no retry and no Connect will help (v3).
    """


class SmartcarBillingError(SmartcarApiError):
    """The application's plan does not cover this call (430 BILLING, v3).

    VEHICLE_LIMIT or VEHICLE_REQUEST_LIMIT: waiting until the next billing
    period or a change of plan is the remedy, not a retry.
    """


class SmartcarConnectionError(SmartcarError):
    """Smartcar could not be reached, or did not answer in time."""


def _retry_after(response: ClientResponse) -> float | None:
    """Seconds to wait, when Smartcar gives a usable number; at most a day.

    Text from the API is bounded before it is read: a header of hundreds of
    digits is no time to wait.
    """
    header = response.headers.get("retry-after", "")
    if len(header) > MAX_RETRY_AFTER_LENGTH:
        return None
    try:
        seconds = float(header)
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def _segment(value: str) -> str:
    """An id as one URL path segment."""
    return quote(value, safe="")


async def _raise_for_error(response: ClientResponse) -> None:
    if response.status < 400:
        return
    try:
        body = await response.json(content_type=None)
    except ClientError, ValueError:
        body = None
    error = body if isinstance(body, dict) else {}
    # Clean, bounded codes only: they reach user-facing messages and log lines.
    error_type = clean_code(error.get("type"))
    code = clean_code(error.get("code"))
    resolution = error.get("resolution")
    resolution_type = (
        clean_code(resolution.get("type")) if isinstance(resolution, dict) else None
    )
    kind = "/".join(part for part in (error_type, code) if part)
    message = f"Smartcar API error {response.status}" + (f" ({kind})" if kind else "")
    details: dict[str, Any] = {
        "status": response.status,
        "error_type": error_type,
        "code": code,
    }
    if (
        response.status == 429
        or error_type == "RATE_LIMIT"
        or (error_type == "UPSTREAM" and code == "RATE_LIMIT")
    ):
        raise SmartcarRateLimitError(
            message, retry_after=_retry_after(response), **details
        )
    if error_type == "PERMISSION":
        raise SmartcarPermissionError(message, **details)
    if (
        response.status == 401
        or error_type == "AUTHENTICATION"
        or resolution_type == "REAUTHENTICATE"
    ):
        raise SmartcarAuthError(message, **details)
    if error_type == "COMPATIBILITY":
        raise SmartcarNotCapableError(message, **details)
    if error_type == "VEHICLE_STATE":
        raise SmartcarVehicleStateError(message, **details)
    if response.status >= 500:
        raise SmartcarServerError(message, **details)
    raise SmartcarApiError(message, **details)


class SmartcarClient:
    """Calls the Smartcar API with a user's access token or the management token."""

    def __init__(self, session: ClientSession, *, api_base: str = API_BASE) -> None:
        """Use the given session; `api_base` without a trailing slash."""
        self._session = session
        self._api_base = api_base.rstrip("/")

    async def _request(
        self,
        method: str,
        path: str,
        token: str,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        url = f"{self._api_base}{path}"
        headers = {"Authorization": f"Bearer {token}", "SC-Unit-System": "metric"}
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                params=params,
                json=json,
                timeout=REQUEST_TIMEOUT,
            ) as response:
                await _raise_for_error(response)
                return await response.json(content_type=None)
        except (ClientError, TimeoutError) as err:
            raise SmartcarConnectionError(
                f"Smartcar not reachable: {type(err).__name__}"
            ) from err
        except ValueError as err:
            raise SmartcarApiError(
                "Smartcar answered with something that is not JSON"
            ) from err

    async def user_id(self, access_token: str) -> str:
        """The id of the Smartcar user the token belongs to."""
        body = await self._request("GET", "/v2.0/user", access_token)
        if not isinstance(body, dict) or not isinstance(user := body.get("id"), str):
            raise SmartcarApiError("Smartcar's user answer has no id")
        return user

    async def vehicle_ids(self, access_token: str) -> list[str]:
        """Every vehicle id the user authorised, across pages."""
        ids: list[str] = []
        for page in range(MAX_PAGES):
            body = await self._request(
                "GET",
                "/v2.0/vehicles",
                access_token,
                {"limit": str(PAGE_SIZE), "offset": str(page * PAGE_SIZE)},
            )
            vehicles = body.get("vehicles") if isinstance(body, dict) else None
            if not isinstance(vehicles, list):
                raise SmartcarApiError("Smartcar's vehicle list has no vehicles")
            ids.extend(vehicle for vehicle in vehicles if isinstance(vehicle, str))
            paging = body.get("paging")
            count = paging.get("count") if isinstance(paging, dict) else None
            if len(vehicles) < PAGE_SIZE or (
                isinstance(count, int) and len(ids) >= count
            ):
                break
        return ids

    async def vehicle_info(self, access_token: str, vehicle_id: str) -> VehicleInfo:
        """Make, model and year of a vehicle."""
        body = await self._request(
            "GET", f"/v2.0/vehicles/{_segment(vehicle_id)}", access_token
        )
        if not isinstance(body, dict):
            raise SmartcarApiError("Smartcar's vehicle answer is not an object")
        make, model, year = body.get("make"), body.get("model"), body.get("year")
        return VehicleInfo(
            vehicle_id=vehicle_id,
            make=make if isinstance(make, str) else None,
            model=model if isinstance(model, str) else None,
            year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        )

    async def vin(self, access_token: str, vehicle_id: str) -> str | None:
        """The VIN, when the user granted `read_vin`."""
        body = await self._request(
            "GET", f"/v2.0/vehicles/{_segment(vehicle_id)}/vin", access_token
        )
        vin = body.get("vin") if isinstance(body, dict) else None
        return vin if isinstance(vin, str) else None

    async def subscribe(
        self, access_token: str, vehicle_id: str, webhook_id: str
    ) -> None:
        """Subscribe a vehicle to a webhook, with the user's access token."""
        await self._request(
            "POST",
            f"/v2.0/vehicles/{_segment(vehicle_id)}/webhooks/{_segment(webhook_id)}",
            access_token,
        )

    async def unsubscribe(
        self, management_token: str, vehicle_id: str, webhook_id: str
    ) -> None:
        """Unsubscribe a vehicle, with the Application Management Token."""
        await self._request(
            "DELETE",
            f"/v2.0/vehicles/{_segment(vehicle_id)}/webhooks/{_segment(webhook_id)}",
            management_token,
        )

    async def read(
        self,
        access_token: str,
        vehicle_id: str,
        paths: Iterable[str],
        *,
        received_at: datetime,
    ) -> DataDelivery:
        """A fresh reading of these endpoints (`/battery`, `/charge`, ...) in one batch.

        The answer has the items of a 2.0 dynamic webhook, so it is parsed like
        one: each value is timed by its `sc-data-age` and an endpoint that
        failed becomes an error reading. `received_at` is when it was asked.
        """
        body = await self._request(
            "POST",
            f"/v2.0/vehicles/{_segment(vehicle_id)}/batch",
            access_token,
            json={"requests": [{"path": path} for path in paths]},
        )
        try:
            report, dropped = parse_v2_items(
                vehicle_id,
                body.get("responses") if isinstance(body, dict) else None,
                received_at=received_at,
            )
        except InvalidDeliveryError as err:
            raise SmartcarApiError("Smartcar's batch answer has no responses") from err
        return DataDelivery(
            kind=KIND_API,
            webhook_id=None,
            mode=None,
            delivered_at=None,
            received_at=received_at,
            vehicles=(report,),
            dropped=dropped,
        )

    async def _command(
        self, access_token: str, vehicle_id: str, path: str, body: dict[str, Any]
    ) -> None:
        await self._request(
            "POST",
            f"/v2.0/vehicles/{_segment(vehicle_id)}{path}",
            access_token,
            json=body,
        )

    async def start_charging(self, access_token: str, vehicle_id: str) -> None:
        """Start charging (`control_charge`)."""
        await self._command(access_token, vehicle_id, "/charge", {"action": "START"})

    async def stop_charging(self, access_token: str, vehicle_id: str) -> None:
        """Stop charging (`control_charge`)."""
        await self._command(access_token, vehicle_id, "/charge", {"action": "STOP"})

    async def set_charge_limit(
        self, access_token: str, vehicle_id: str, percent: float
    ) -> None:
        """Set the charge limit in percent, 50 to 100 (`control_charge`).

        Raises ValueError outside that range: Smartcar refuses it anyway.
        """
        if not CHARGE_LIMIT_MIN <= percent <= CHARGE_LIMIT_MAX:
            raise ValueError("charge limit outside 50-100 %")
        await self._command(
            access_token,
            vehicle_id,
            "/charge/limit",
            {"limit": round(percent / 100, 4)},
        )

    async def lock(self, access_token: str, vehicle_id: str) -> None:
        """Lock the doors (`control_security`)."""
        await self._command(access_token, vehicle_id, "/security", {"action": "LOCK"})

    async def unlock(self, access_token: str, vehicle_id: str) -> None:
        """Unlock the doors (`control_security`)."""
        await self._command(access_token, vehicle_id, "/security", {"action": "UNLOCK"})
