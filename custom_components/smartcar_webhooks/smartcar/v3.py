"""An async client for Smartcar API v3: connections, signals, commands, subscriptions.

Every call carries the application token (`AppToken`, renewed once and the
call sent again when it answers 401); signals and commands also name the
user (`sc-user-id`). The session is injected and the base URLs can be
pointed at the simulator. Where Smartcar's docs disagree about a path
(SMARTCAR-V3.md §6), `PATHS` is the one place to change. Every id and text
taken from an answer is checked or cleaned and bounded before it is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
import json
import logging
from typing import Any, Literal
from urllib.parse import quote

from aiohttp import ClientError, ClientSession, ClientTimeout

from .api_errors import api_error, read_body
from .app_token import AppToken
from .client import (
    CHARGE_LIMIT_MAX,
    CHARGE_LIMIT_MIN,
    SmartcarApiError,
    SmartcarConnectionError,
)
from .models import DataDelivery, VehicleInfo
from .signals_read import signals_as_delivery
from .text import (
    MAX_CODE_LENGTH,
    MAX_NAME_LENGTH,
    clean_code,
    clean_id,
    clean_text,
    clean_token,
    signal_code,
)
from .vehicle_api import CommandResult, CommandStatus

_LOGGER = logging.getLogger(__name__)

VEHICLE_BASE = "https://vehicle.api.smartcar.com/v3"
MANAGEMENT_BASE = "https://management.api.smartcar.com/v3"
REQUEST_TIMEOUT = ClientTimeout(total=60)
MAX_ANSWER_BYTES = 2 * 1024 * 1024
# Smartcar's documented page size of `GET /connections`; pages are numbered from 1.
CONNECTIONS_PAGE_SIZE = 10
MAX_PAGES = 50
MAX_PERMISSIONS = 64
MAX_SIGNAL_CODES = 256
MAX_URI_LENGTH = 2048
FIRST_YEAR, LAST_YEAR = 1900, 2100

type Host = Literal["vehicle", "management"]

# Every path of the v3 API this client calls, by what it is for. Open question
# (SMARTCAR-V3.md §6.1): the blog puts subscriptions under
# `/webhooks/{webhook_id}/subscriptions`, the spec at `/subscriptions`.
PATHS: dict[str, tuple[Host, str]] = {
    "connections": ("vehicle", "/connections"),
    "signals": ("vehicle", "/vehicles/{vehicle_id}/signals"),
    "command": ("vehicle", "/vehicles/{vehicle_id}/commands/{command}"),
    "webhook": ("management", "/webhooks/{webhook_id}"),
    "subscriptions": ("management", "/subscriptions"),
    "subscription": ("management", "/subscriptions/{subscription_id}"),
}
# Commands: what the library calls them -> the path below `/commands/`.
COMMANDS: dict[str, str] = {
    "start_charging": "charge/start",
    "stop_charging": "charge/stop",
    "set_charge_limit": "charge/set-limit",
    "lock": "security/lock",
    "unlock": "security/unlock",
}
# A command's `status.value` that says it failed, even in a 2xx answer.
FAILED_OUTCOMES = frozenset({"FAILED", "FAILURE", "ERROR", "REJECTED"})


@dataclass(frozen=True, slots=True)
class Connection:
    """One user's grant to one vehicle (`GET /connections`), cleaned."""

    connection_id: str
    user_id: str
    vehicle_id: str
    make: str | None = None
    model: str | None = None
    year: int | None = None
    permissions: tuple[str, ...] = ()

    @property
    def vehicle(self) -> VehicleInfo:
        """The vehicle as the rest of the library knows vehicles."""
        return VehicleInfo(self.vehicle_id, self.make, self.model, self.year)


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook of the application (`GET /webhooks/{id}`), cleaned.

    The callback URIs carry Home Assistant's webhook id: not in the repr.
    """

    webhook_id: str
    name: str | None = None
    enabled: bool | None = None
    auto_subscribe: bool | None = None
    triggers: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    callback_uri: str | None = field(default=None, repr=False)
    error_callback_uri: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A vehicle's subscription to a webhook (`GET /subscriptions`)."""

    subscription_id: str
    webhook_id: str | None
    vehicle_id: str | None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class SignalsResult:
    """A `GET /vehicles/{id}/signals` answer: the decoded document, unparsed.

    Its `data` items have the shape of a 4.0 delivery's signals under
    `attributes` and `meta`; the parser turns them into readings.
    """

    vehicle_id: str
    user_id: str
    document: dict[str, Any] = field(repr=False)

    @property
    def items(self) -> list[dict[str, Any]]:
        """The signal items of the answer (anything but an object is left out)."""
        data = self.document.get("data")
        if not isinstance(data, list):
            return []
        return [item for item in data if isinstance(item, dict)]


type SignalsParser = Callable[[SignalsResult, datetime], DataDelivery]


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: Any
    retry_after: str | None


def _segment(value: str) -> str:
    return quote(value, safe="")


def _user_header(user_id: str) -> str:
    """`sc-user-id` only for a clean id: nothing else may go into a header."""
    if clean_id(user_id) is None:
        raise ValueError("not a Smartcar user id")
    return user_id


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _related_id(item: dict[str, Any], name: str) -> str | None:
    """`relationships.<name>.data.id` of a JSON:API resource."""
    related = _object(_object(item.get("relationships")).get(name))
    return clean_id(_object(related.get("data")).get("id"))


def _year(value: Any) -> int | None:
    return value if type(value) is int and FIRST_YEAR <= value <= LAST_YEAR else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _uri(value: Any) -> str | None:
    text = clean_text(value, MAX_URI_LENGTH)
    return text if text is not None and " " not in text else None


def _codes(value: Any) -> tuple[str, ...]:
    """Signal codes of a webhook's triggers or data (strings or `{code}` objects)."""
    codes: dict[str, None] = {}
    for item in value[:MAX_SIGNAL_CODES] if isinstance(value, list) else ():
        reference = item.get("code") if isinstance(item, dict) else item
        if (code := signal_code(reference)) is not None:
            codes[code] = None
    return tuple(codes)


def parse_connection(item: Any) -> Connection | None:
    """A connection from one `data` item; None without clean ids."""
    if not isinstance(item, dict):
        return None
    attributes = _object(item.get("attributes"))
    vehicle = _object(attributes.get("vehicle"))
    connection_id = clean_id(item.get("id"))
    vehicle_id = _related_id(item, "vehicle") or clean_id(vehicle.get("id"))
    user_id = _related_id(item, "user") or clean_id(
        _object(attributes.get("user")).get("id")
    )
    if connection_id is None or vehicle_id is None or user_id is None:
        return None
    raw_permissions = attributes.get("permissions")
    permissions = (
        raw_permissions[:MAX_PERMISSIONS] if isinstance(raw_permissions, list) else []
    )
    return Connection(
        connection_id=connection_id,
        user_id=user_id,
        vehicle_id=vehicle_id,
        make=clean_text(vehicle.get("make"), MAX_NAME_LENGTH),
        model=clean_text(vehicle.get("model"), MAX_NAME_LENGTH),
        year=_year(vehicle.get("year")),
        permissions=tuple(
            dict.fromkeys(
                code
                for permission in permissions
                if (code := clean_code(permission)) is not None
            )
        ),
    )


def parse_webhook(body: Any, webhook_id: str) -> Webhook:
    """A webhook from `GET /webhooks/{id}` (`data` or the body itself)."""
    data = _object(_object(body).get("data")) or _object(body)
    attributes = _object(data.get("attributes"))
    return Webhook(
        webhook_id=clean_id(data.get("id")) or webhook_id,
        name=clean_text(attributes.get("name"), MAX_NAME_LENGTH),
        enabled=_flag(attributes.get("isEnabled")),
        auto_subscribe=_flag(attributes.get("autoSubscribe")),
        triggers=_codes(attributes.get("triggers")),
        signals=_codes(attributes.get("data")),
        callback_uri=_uri(attributes.get("callbackUri")),
        error_callback_uri=_uri(attributes.get("errorCallbackUri")),
    )


def parse_subscription(item: Any) -> Subscription | None:
    """A subscription from one `data` item; None without a clean id."""
    if (
        not isinstance(item, dict)
        or (subscription_id := clean_id(item.get("id"))) is None
    ):
        return None
    attributes = _object(item.get("attributes"))
    return Subscription(
        subscription_id=subscription_id,
        webhook_id=clean_id(attributes.get("webhookId"))
        or _related_id(item, "webhook"),
        vehicle_id=clean_id(attributes.get("vehicleId"))
        or _related_id(item, "vehicle"),
        user_id=clean_id(attributes.get("userId")) or _related_id(item, "user"),
    )


def _data_items(body: Any, what: str) -> list[Any]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise SmartcarApiError(f"Smartcar's {what} answer has no data list")
    return data


def _is_last_page(body: dict[str, Any], count: int, seen: int) -> bool:
    """Whether no page follows: `links.next` empty, a short page, or the total reached."""
    links = body.get("links")
    if isinstance(links, dict) and "next" in links and not links["next"]:
        return True
    total = _object(body.get("meta")).get("totalCount")
    if type(total) is int and seen >= total:
        return True
    return count < CONNECTIONS_PAGE_SIZE


def command_result(answer_status: int, body: Any) -> CommandResult:
    """A command's 200 (done) or 202 (still running); a failed outcome raises."""
    attributes = _object(_object(_object(body).get("data")).get("attributes"))
    outcome = clean_token(
        _object(attributes.get("status")).get("value"), MAX_CODE_LENGTH
    )
    if outcome in FAILED_OUTCOMES:
        raise SmartcarApiError(
            f"Smartcar says the command failed ({outcome})",
            status=answer_status,
            error_type="COMMAND",
            code=outcome,
        )
    status = CommandStatus.PENDING if answer_status == 202 else CommandStatus.DONE
    return CommandResult(status, outcome)


class SmartcarV3Client:
    """Calls Smartcar API v3 with one application token."""

    def __init__(
        self,
        session: ClientSession,
        tokens: AppToken,
        *,
        vehicle_base: str = VEHICLE_BASE,
        management_base: str = MANAGEMENT_BASE,
        parse_signals: SignalsParser | None = None,
    ) -> None:
        """Use the session and the token; bases without a trailing slash needed."""
        self._session = session
        self._tokens = tokens
        self._bases: dict[Host, str] = {
            "vehicle": vehicle_base.rstrip("/"),
            "management": management_base.rstrip("/"),
        }
        self._parse_signals = parse_signals

    def __repr__(self) -> str:
        """No token, no secret."""
        return f"SmartcarV3Client({self._tokens!r})"

    def _url(self, name: str, **segments: str) -> str:
        host, path = PATHS[name]
        return self._bases[host] + path.format(**segments)

    async def _send(
        self,
        method: str,
        url: str,
        token: str,
        *,
        user_id: str | None,
        params: dict[str, str] | None,
        body: dict[str, Any] | None,
    ) -> _Answer:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if user_id is not None:
            headers["sc-user-id"] = user_id
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                params=params,
                json=body,
                timeout=REQUEST_TIMEOUT,
            ) as response:
                status = response.status
                retry_after = response.headers.get("retry-after")
                raw = await read_body(response, MAX_ANSWER_BYTES)
        except (ClientError, TimeoutError) as err:
            raise SmartcarConnectionError(
                f"Smartcar not reachable: {type(err).__name__}"
            ) from err
        try:
            decoded = json.loads(raw) if raw.strip() else None
        except ValueError:
            if status < 400:
                raise SmartcarApiError(
                    "Smartcar answered with something that is not JSON"
                ) from None
            decoded = None
        return _Answer(status, decoded, retry_after)

    async def _call(
        self,
        method: str,
        url: str,
        *,
        user_id: str | None = None,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        accept: Iterable[int] = (),
    ) -> _Answer:
        """One call; a 401 renews the token and sends it once more.

        A status in `accept` is returned like a success; any other error
        status raises its typed error.
        """
        user = None if user_id is None else _user_header(user_id)
        token = await self._tokens.token()
        answer = await self._send(
            method, url, token, user_id=user, params=params, body=body
        )
        if answer.status == 401:
            _LOGGER.debug("Smartcar refused the application token; renewing it")
            token = await self._tokens.renew(token)
            answer = await self._send(
                method, url, token, user_id=user, params=params, body=body
            )
        if answer.status >= 400 and answer.status not in accept:
            raise api_error(answer.status, answer.body, retry_after=answer.retry_after)
        return answer

    # --- credentials ---------------------------------------------------------------

    async def check_credentials(self) -> None:
        """Request a token now: refused credentials raise `SmartcarCredentialsError`."""
        await self._tokens.token()

    # --- connections -----------------------------------------------------------------

    async def connections(
        self, *, user_id: str | None = None, vehicle_id: str | None = None
    ) -> list[Connection]:
        """The application's connections, across pages, optionally for one user or vehicle."""
        filters: dict[str, str] = {}
        if user_id is not None:
            filters["filter[userId]"] = user_id
        if vehicle_id is not None:
            filters["filter[vehicleId]"] = vehicle_id
        found: dict[str, Connection] = {}
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            answer = await self._call(
                "GET",
                self._url("connections"),
                params={
                    **filters,
                    "page[number]": str(page),
                    "page[size]": str(CONNECTIONS_PAGE_SIZE),
                },
            )
            items = _data_items(answer.body, "connections")
            seen += len(items)
            for item in items:
                if (connection := parse_connection(item)) is not None:
                    found.setdefault(connection.connection_id, connection)
            if not items or _is_last_page(answer.body, len(items), seen):
                break
        else:
            _LOGGER.debug("Read the first %s pages of connections", MAX_PAGES)
        if dropped := seen - len(found):
            _LOGGER.debug("Skipped %s connections without clean ids", dropped)
        return list(found.values())

    # --- Management API: webhooks and subscriptions -------------------------------------

    async def webhook(self, webhook_id: str) -> Webhook:
        """The webhook's settings: enabled, auto-subscribe, triggers, data."""
        answer = await self._call(
            "GET", self._url("webhook", webhook_id=_segment(webhook_id))
        )
        if not isinstance(answer.body, dict):
            raise SmartcarApiError("Smartcar's webhook answer is not an object")
        return parse_webhook(answer.body, webhook_id)

    async def subscribe(self, user_id: str, vehicle_id: str, webhook_id: str) -> None:
        """Subscribe the user's vehicle to the webhook; already subscribed (409) is success."""
        await self._call(
            "POST",
            self._url("subscriptions"),
            body={
                "data": {
                    "attributes": {
                        "webhookId": webhook_id,
                        "userId": user_id,
                        "vehicleId": vehicle_id,
                    }
                }
            },
            accept=(409,),
        )

    async def subscriptions(self, vehicle_id: str) -> list[Subscription]:
        """The vehicle's subscriptions (to any webhook of the application)."""
        answer = await self._call(
            "GET",
            self._url("subscriptions"),
            params={"filter[vehicleId]": vehicle_id},
        )
        return [
            subscription
            for item in _data_items(answer.body, "subscriptions")
            if (subscription := parse_subscription(item)) is not None
        ]

    async def delete_subscription(self, subscription_id: str) -> None:
        """End a subscription; one that is gone already (404) is success."""
        await self._call(
            "DELETE",
            self._url("subscription", subscription_id=_segment(subscription_id)),
            accept=(404,),
        )

    async def unsubscribe(self, user_id: str, vehicle_id: str, webhook_id: str) -> None:
        """End the vehicle's subscriptions to this webhook (none is success).

        `user_id` is not needed by the Management API; it keeps the v2.0 order.
        """
        for subscription in await self.subscriptions(vehicle_id):
            if subscription.webhook_id == webhook_id and subscription.vehicle_id in (
                None,
                vehicle_id,
            ):
                await self.delete_subscription(subscription.subscription_id)

    # --- signals ---------------------------------------------------------------------------

    async def signals(self, user_id: str, vehicle_id: str) -> SignalsResult:
        """Every signal the vehicle's connection allows, as Smartcar sent them (billed)."""
        answer = await self._call(
            "GET",
            self._url("signals", vehicle_id=_segment(vehicle_id)),
            user_id=user_id,
        )
        if not isinstance(answer.body, dict):
            raise SmartcarApiError("Smartcar's signals answer is not an object")
        return SignalsResult(vehicle_id, user_id, answer.body)

    async def read(
        self,
        user_id: str,
        vehicle_id: str,
        paths: Iterable[str] = (),
        *,
        received_at: datetime,
    ) -> DataDelivery:
        """A fresh reading of every signal, parsed like a 4.0 delivery.

        `paths` (the v2.0 endpoints) do not matter: v3 reads all signals in
        one call. Parsed by the `parse_signals` given, else by
        `signals_as_delivery`.
        """
        del paths
        result = await self.signals(user_id, vehicle_id)
        if self._parse_signals is not None:
            return self._parse_signals(result, received_at)
        return signals_as_delivery(result, received_at)

    # --- commands --------------------------------------------------------------------------

    async def _command(
        self,
        user_id: str,
        vehicle_id: str,
        name: str,
        body: dict[str, Any] | None = None,
    ) -> CommandResult:
        answer = await self._call(
            "POST",
            self._url(
                "command", vehicle_id=_segment(vehicle_id), command=COMMANDS[name]
            ),
            user_id=user_id,
            body=body,
        )
        return command_result(answer.status, answer.body)

    async def start_charging(self, user_id: str, vehicle_id: str) -> CommandResult:
        """Start charging."""
        return await self._command(user_id, vehicle_id, "start_charging")

    async def stop_charging(self, user_id: str, vehicle_id: str) -> CommandResult:
        """Stop charging."""
        return await self._command(user_id, vehicle_id, "stop_charging")

    async def set_charge_limit(
        self, user_id: str, vehicle_id: str, percent: float
    ) -> CommandResult:
        """Set the charge limit in percent, 50 to 100 (v3 takes a percent).

        Raises ValueError outside that range (the range is reported, not confirmed).
        """
        if not CHARGE_LIMIT_MIN <= percent <= CHARGE_LIMIT_MAX:
            raise ValueError("charge limit outside 50-100 %")
        value: int | float = int(percent) if float(percent).is_integer() else percent
        return await self._command(
            user_id,
            vehicle_id,
            "set_charge_limit",
            {"data": {"attributes": {"percent": value}}},
        )

    async def lock(self, user_id: str, vehicle_id: str) -> CommandResult:
        """Lock the doors."""
        return await self._command(user_id, vehicle_id, "lock")

    async def unlock(self, user_id: str, vehicle_id: str) -> CommandResult:
        """Unlock the doors."""
        return await self._command(user_id, vehicle_id, "unlock")
