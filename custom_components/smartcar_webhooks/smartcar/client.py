"""An async client for the Smartcar REST API (v2.0): vehicles and webhook subscriptions.

The aiohttp session is injected (Home Assistant's shared one); base URLs can
be overridden for tests and the local simulator. Every failure is one of the
typed errors below, never a raw aiohttp exception.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientResponse, ClientSession, ClientTimeout

from .errors import SmartcarError
from .models import VehicleInfo

API_BASE = "https://api.smartcar.com"
PAGE_SIZE = 50
MAX_PAGES = 20
REQUEST_TIMEOUT = ClientTimeout(total=30)


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


class SmartcarServerError(SmartcarApiError):
    """Smartcar failed (5xx)."""


class SmartcarConnectionError(SmartcarError):
    """Smartcar could not be reached, or did not answer in time."""


def _retry_after(response: ClientResponse) -> float | None:
    """Seconds to wait, when Smartcar gives a usable (finite, non-negative) number."""
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


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
    error_type = error.get("type") if isinstance(error.get("type"), str) else None
    code = error.get("code") if isinstance(error.get("code"), str) else None
    resolution = error.get("resolution")
    resolution_type = resolution.get("type") if isinstance(resolution, dict) else None
    kind = "/".join(part for part in (error_type, code) if part)
    message = f"Smartcar API error {response.status}" + (f" ({kind})" if kind else "")
    details: dict[str, Any] = {
        "status": response.status,
        "error_type": error_type,
        "code": code,
    }
    if response.status == 429 or error_type == "RATE_LIMIT":
        raise SmartcarRateLimitError(
            message, retry_after=_retry_after(response), **details
        )
    if (
        response.status == 401
        or error_type == "AUTHENTICATION"
        or resolution_type == "REAUTHENTICATE"
    ):
        raise SmartcarAuthError(message, **details)
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
        self, method: str, path: str, token: str, params: dict[str, str] | None = None
    ) -> Any:
        url = f"{self._api_base}{path}"
        headers = {"Authorization": f"Bearer {token}", "SC-Unit-System": "metric"}
        try:
            async with self._session.request(
                method, url, headers=headers, params=params, timeout=REQUEST_TIMEOUT
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
