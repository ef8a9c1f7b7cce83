"""The simulator's state: Smartcar's application, its user, cars and webhook.

`Simulator` is what the HTTP API (`api.py`) and the command line work on. It
knows the tokens it issued, which cars are subscribed to the webhook, the
requests it served and the failures it was asked to inject, and it plays
scenarios to the verified callback URI.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
import json
import logging
from pathlib import Path
import random
import secrets
import time
from typing import Any

from aiohttp import ClientSession

from .cars import Car, ChargeState, make_fleet
from .clock import Clock, RealClock
from .payloads import Delivery, DeliveryFormat, PayloadFactory
from .scenario import Context, Player, StepResult, build_scenario
from .webhooks import VerifyResult, WebhookSender, delivery_url

_LOGGER = logging.getLogger(__name__)

ACCESS_TOKEN_SECONDS = 7200
# API v3's application token (client credentials) lives an hour.
APP_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 60 * 24 * 3600
DEFAULT_SCOPES = (
    "read_vehicle_info read_vin read_battery read_charge read_location "
    "read_odometer read_security control_charge control_security"
)


@dataclass(slots=True)
class Settings:
    """How the simulator is set up (command-line options)."""

    token: str  # the Application Management Token
    client_id: str = "simulator-client-id"  # also v3 Connect's Application ID
    client_secret: str = "simulator-client-secret"
    # API v3's API credentials (client-credentials grant).
    api_client_id: str = "client_simulator"
    api_client_secret: str = "simulator-api-secret"
    # The Dashboard's "Automatically subscribe all vehicles" (v3).
    auto_subscribe: bool = False
    cars: int = 1
    fmt: DeliveryFormat = DeliveryFormat.V4
    speed: float = 20.0
    seed: int = 1
    scenario: str = "commute"
    # Loopback base URL that callback URIs are delivered to (their path kept).
    deliver_to: str | None = None
    # Where subscriptions and tokens are kept across restarts.
    state_file: Path | None = None
    page_size: int = 50
    # Cars delivered for without a subscription (webhook-only set-ups).
    deliver_unsubscribed: bool = False


@dataclass(slots=True)
class Failure:
    """Make the next `count` matching API calls fail with `status`."""

    status: int
    count: int = 1
    path: str = ""  # a prefix of the request path; "" matches every API call
    retry_after: int | None = None

    def matches(self, path: str) -> bool:
        """Whether this failure applies to a request path."""
        return self.count > 0 and path.startswith(self.path)


@dataclass(slots=True)
class Grant:
    """An issued access or refresh token."""

    scope: str
    expires_at: float


@dataclass(slots=True)
class Issued:
    """Tokens and codes the simulated Smartcar has issued."""

    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)
    app: dict[str, float] = field(default_factory=dict)  # v3 token -> expiry


@dataclass(slots=True)
class CommandAnswers:
    """How the next `count` v3 commands answer: 202, and whether the car then does it."""

    count: int = 0
    confirm: bool = True


class Simulator:
    """One Smartcar application with one user, N cars and one webhook."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        """Build the cars and ids from `settings.seed`."""
        self.settings = settings
        self.clock = clock or RealClock(settings.speed)
        # The webhook and user ids follow the seed (a restarted simulator still
        # matches what Home Assistant knows); delivery ids never repeat.
        ids = PayloadFactory(
            webhook_id="",
            user_id="",
            clock=self.clock,
            rng=random.Random(f"smartcar-{settings.seed}"),  # noqa: S311
        )
        self.cars: list[Car] = make_fleet(settings.cars, settings.seed)
        for car in self.cars:
            car.time_scale = settings.speed
        self.factory = PayloadFactory(
            webhook_id=ids.new_id(), user_id=ids.new_id(), clock=self.clock
        )
        self.subscribed: set[str] = set()
        # v3: cars whose connection the user removed (no reads, no deliveries).
        self.disconnected: set[str] = set()
        self.pending_commands = CommandAnswers()
        self.issued = Issued()
        self.callback_uri: str | None = None
        self.failures: list[Failure] = []
        self.requests: list[dict[str, Any]] = []
        # What was delivered (for `resend_all`); bounded for runs of many hours.
        self.sent: deque[Delivery] = deque(maxlen=5000)
        self.player: Player | None = None
        self._task: asyncio.Task[None] | None = None
        self._reports: set[asyncio.Task[None]] = set()
        self._session: ClientSession | None = None
        # Where the last scenario was when the simulator stopped (see `start_player`).
        self._resume: dict[str, Any] | None = None
        self._load()

    # --- identity ---------------------------------------------------------------

    @property
    def webhook_id(self) -> str:
        """Smartcar's id of the webhook (what VERIFY and deliveries carry)."""
        return self.factory.webhook_id

    @property
    def user_id(self) -> str:
        """The Smartcar user who owns the cars."""
        return self.factory.user_id

    def car(self, vehicle_id: str) -> Car | None:
        """A car by id."""
        return next((car for car in self.cars if car.vehicle_id == vehicle_id), None)

    def receives(self, car: Car) -> bool:
        """Whether Smartcar delivers for this car (subscribed to the webhook)."""
        if car.vehicle_id in self.disconnected:
            return False
        return (
            self.settings.deliver_unsubscribed
            or self.settings.auto_subscribe
            or car.vehicle_id in self.subscribed
        )

    def connected(self, vehicle_id: str) -> Car | None:
        """A car whose v3 connection exists."""
        car = self.car(vehicle_id)
        return None if car is None or vehicle_id in self.disconnected else car

    # --- persistence --------------------------------------------------------------

    def _load(self) -> None:
        path = self.settings.state_file
        if path is None or not path.exists():
            return
        try:
            state = json.loads(path.read_text())
        except ValueError:
            _LOGGER.warning("Ignoring an unreadable state file")
            return
        self.subscribed = set(state.get("subscribed", []))
        self.disconnected = set(state.get("disconnected", []))
        self.callback_uri = state.get("callback_uri")
        # An odometer never runs backwards, also across restarts of the simulator.
        for car in self.cars:
            saved = state.get("odometers", {}).get(car.vehicle_id)
            if isinstance(saved, int | float):
                car.odometer_km = max(car.odometer_km, float(saved))
        scenario = state.get("scenario")
        self._resume = scenario if isinstance(scenario, dict) else None
        for car in self.cars:
            _restore_car(car, state.get("cars", {}).get(car.vehicle_id))
        for kind in ("access", "refresh"):
            grants = getattr(self.issued, kind)
            for token, grant in state.get(kind, {}).items():
                grants[token] = Grant(grant["scope"], grant["expires_at"])

    def save(self) -> None:
        """Keep subscriptions, tokens and the callback URI (when a state file is set)."""
        path = self.settings.state_file
        if path is None:
            return
        state = {
            "subscribed": sorted(self.subscribed),
            "disconnected": sorted(self.disconnected),
            "callback_uri": self.callback_uri,
            "odometers": {car.vehicle_id: car.odometer_km for car in self.cars},
            "cars": {car.vehicle_id: _car_state(car) for car in self.cars},
            "scenario": None
            if self.player is None
            else {
                "name": self.player.name,
                "repeat": self.player.repeat,
                "index": self.player.index,
            },
            "access": {
                t: {"scope": g.scope, "expires_at": g.expires_at}
                for t, g in self.issued.access.items()
            },
            "refresh": {
                t: {"scope": g.scope, "expires_at": g.expires_at}
                for t, g in self.issued.refresh.items()
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=1))

    # --- OAuth ----------------------------------------------------------------------

    def issue_code(self, redirect_uri: str, scope: str) -> str:
        """An authorization code for Connect's redirect."""
        code = secrets.token_urlsafe(16)
        self.issued.codes[code] = {"redirect_uri": redirect_uri, "scope": scope}
        return code

    def _token_pair(self, scope: str) -> dict[str, Any]:
        now = time.time()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.issued.access[access] = Grant(scope, now + ACCESS_TOKEN_SECONDS)
        self.issued.refresh[refresh] = Grant(scope, now + REFRESH_TOKEN_SECONDS)
        self.save()
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
            "refresh_token": refresh,
        }

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any] | None:
        """Tokens for a code (used once, same redirect URI), or None."""
        grant = self.issued.codes.pop(code, None)
        if grant is None or grant["redirect_uri"] != redirect_uri:
            return None
        return self._token_pair(grant["scope"])

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """A new token pair for a live refresh token (which is spent), or None."""
        grant = self.issued.refresh.pop(refresh_token, None)
        if grant is None or grant.expires_at < time.time():
            return None
        return self._token_pair(grant.scope)

    def issue_app_token(self) -> dict[str, Any]:
        """A v3 application token (client credentials): an hour, no refresh token.

        Not kept across restarts: a restarted simulator refuses the old token
        with a 401, as a token Smartcar no longer knows.
        """
        token = secrets.token_urlsafe(24)
        self.issued.app[token] = time.time() + APP_TOKEN_SECONDS
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": APP_TOKEN_SECONDS,
        }

    def app_token_valid(self, token: str) -> bool:
        """Whether a v3 application token is live."""
        expires_at = self.issued.app.get(token)
        return expires_at is not None and expires_at > time.time()

    def access_grant(self, token: str) -> Grant | None:
        """The grant of a live access token."""
        grant = self.issued.access.get(token)
        return grant if grant is not None and grant.expires_at > time.time() else None

    # --- failures ---------------------------------------------------------------------

    def take_failure(self, path: str) -> Failure | None:
        """The injected failure for this request, if any (it is used up)."""
        for failure in self.failures:
            if failure.matches(path):
                failure.count -= 1
                if failure.count <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    # --- webhook ----------------------------------------------------------------------

    def _sender(self, callback_uri: str) -> WebhookSender:
        if self._session is None or self._session.closed:
            self._session = ClientSession()
        return WebhookSender(
            self._session,
            token=self.settings.token,
            url=delivery_url(callback_uri, self.settings.deliver_to),
            clock=self.clock,
        )

    async def verify(self, callback_uri: str, version: str = "4.0") -> VerifyResult:
        """Send VERIFY to a callback URI; remember it once verified."""
        result = await self._sender(callback_uri).verify(self.factory, version)
        if result.ok:
            self.callback_uri = callback_uri
            self.save()
        return result

    async def send(self, delivery: Delivery) -> int | None:
        """Deliver to the verified callback URI (None when there is none)."""
        if self.callback_uri is None:
            return None
        self.sent.append(delivery)
        self.save()  # the odometers, for the next start
        return await self._sender(self.callback_uri).send(delivery)

    def start_player(
        self,
        name: str | None = None,
        *,
        repeat: bool = False,
        fmt: DeliveryFormat | None = None,
        resume: bool = False,
    ) -> Player:
        """A new player for a scenario (the previous one stops).

        `resume`: when the simulator last stopped in this scenario, go on from
        the step it was at, with the cars as they were (a restart of
        scripts/develop is no new day for the car).
        """
        self.stop()
        ctx = Context(
            self.cars, self.factory, fmt or self.settings.fmt, receives=self.receives
        )
        name = name or self.settings.scenario
        steps = build_scenario(name, repeat=repeat)
        self.player = Player(
            steps, ctx, self.send, self.clock, repeat=repeat, on_step=self.save
        )
        self.player.name = name
        saved, self._resume = self._resume, None
        if (
            resume
            and saved is not None
            and saved.get("name") == name
            and saved.get("repeat") == repeat
            and isinstance(index := saved.get("index"), int)
            and 0 < index < len(steps)
        ):
            self.player.index = index
        return self.player

    def run_in_background(self, player: Player) -> None:
        """Play a scenario in scenario time until it ends or is stopped."""
        self._task = asyncio.get_running_loop().create_task(player.run())

    async def step(self) -> StepResult | None:
        """Play the next step of the current scenario at once."""
        if self.player is None:
            self.start_player()
        assert self.player is not None
        return await self.player.play_next()

    async def resend_all(
        self, last: int | None = None
    ) -> list[tuple[Delivery, int | None]]:
        """Smartcar sends every delivery so far (or the `last` ones) again, in order."""
        if self.callback_uri is None:
            return []
        sender = self._sender(self.callback_uri)
        deliveries = list(self.sent)[-last:] if last else list(self.sent)
        return [(delivery, await sender.send(delivery)) for delivery in deliveries]

    def report_soon(self, car: Car) -> None:
        """The car reports its state now (after a command), as cars do."""
        if self.callback_uri is None or not self.receives(car):
            return
        ctx = Context(
            self.cars, self.factory, self.settings.fmt, receives=self.receives
        )
        deliveries = ctx.report(car)
        task = asyncio.get_running_loop().create_task(self._send_all(deliveries))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def settle(self) -> None:
        """Wait until the reports that commands triggered were delivered."""
        await asyncio.gather(*self._reports)

    async def _send_all(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            await self.send(delivery)

    def stop(self) -> None:
        """Stop a scenario playing in the background."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def close(self) -> None:
        """Stop playing and close the HTTP session."""
        self.stop()
        for task in list(self._reports):
            task.cancel()
        if self._session is not None:
            await self._session.close()

    def status(self) -> dict[str, Any]:
        """What the control API shows."""
        player = self.player
        return {
            "webhook_id": self.webhook_id,
            "user_id": self.user_id,
            "callback_uri": self.callback_uri,
            "subscribed": sorted(self.subscribed),
            "disconnected": sorted(self.disconnected),
            "auto_subscribe": self.settings.auto_subscribe,
            "cars": [car.snapshot() for car in self.cars],
            "scenario": None
            if player is None
            else {
                "step": player.index,
                "steps": len(player.steps),
                "finished": player.finished,
                "playing": self._task is not None and not self._task.done(),
            },
            "deliveries_sent": len(self.sent),
        }


# What of a car's live state a restart keeps (with the scenario's step).
_CAR_STATE = (
    "latitude",
    "longitude",
    "heading",
    "soc",
    "plugged_in",
    "charge_limit",
    "charge_power_w",
    "energy_added_kwh",
    "locked",
    "moving",
    "problem",
)


def _car_state(car: Car) -> dict[str, Any]:
    return {
        **{key: getattr(car, key) for key in _CAR_STATE},
        "charge_state": car.charge_state.value,
    }


def _restore_car(car: Car, saved: object) -> None:
    if not isinstance(saved, dict):
        return
    for key in _CAR_STATE:
        value = saved.get(key)
        if isinstance(value, type(getattr(car, key))) or (
            isinstance(value, int) and isinstance(getattr(car, key), float)
        ):
            setattr(car, key, value)
    if saved.get("charge_state") in {state.value for state in ChargeState}:
        car.charge_state = ChargeState(saved["charge_state"])
