"""A real Home Assistant and the Smartcar simulator, for scripts/develop and scripts/e2e.

Everything talks to Home Assistant the way a person's browser does: its REST
and WebSocket APIs, onboarding, application credentials and the integration's
real config flow, driven by each step's `type` and `step_id`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, ClientWebSocketResponse

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "smartcar_webhooks"
# Development-only values: printed by scripts/develop, never used for real.
DEV_NAME = "Developer"
DEV_USERNAME = "dev"
DEV_PASSWORD = "smartcar-dev"
DEV_MANAGEMENT_TOKEN = "dev-application-management-token"
DEV_CLIENT_ID = "simulator-client-id"
DEV_CLIENT_SECRET = "simulator-client-secret"
# API v3: the simulator's API credentials; its Application ID is DEV_CLIENT_ID.
DEV_API_CLIENT_ID = "client_simulator"
DEV_API_CLIENT_SECRET = "simulator-api-secret"
TIMEOUT = ClientTimeout(total=60)
BLUEPRINTS = ROOT / "blueprints" / "automation" / DOMAIN
DASHBOARD = ROOT / "docs" / "dashboard.yaml"
# Where configuration.yaml's lovelace dashboard reads docs/dashboard.yaml from.
DASHBOARD_FILE = "smartcar-dashboard.yaml"
# configuration.yaml's stand-ins for a solar meter and an electricity price.
DEMO_SURPLUS = "sensor.solar_surplus"
DEMO_PRICE = "sensor.electricity_price"
# The person onboarding creates for the development login.
DEMO_PERSON = "person.developer"


class HarnessError(Exception):
    """Something in the development stack did not go as expected."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port`."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def prepare_config(config_dir: Path, port: int, python: Path) -> None:
    """Link the integration in and write HTTP settings that need no confirmation.

    A new configuration also gets onboarding's later steps marked done: the
    core-config step would set up integrations that need the internet (met,
    radio_browser, google_translate) and install their requirements.
    """
    onboarding = config_dir / ".storage" / "onboarding"
    if not onboarding.exists():
        onboarding.parent.mkdir(parents=True, exist_ok=True)
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config", "analytics", "integration"]},
                }
            )
        )
    link = config_dir / "custom_components"
    if not link.exists() and not link.is_symlink():
        link.symlink_to(ROOT / "custom_components", target_is_directory=True)
    install_demo_files(config_dir)
    subprocess.run(
        [str(python), "-m", "scripts.ha_http_storage", str(config_dir), str(port)],
        cwd=ROOT,
        check=True,
    )


def install_demo_files(config_dir: Path) -> None:
    """What configuration.yaml includes, the blueprints and the car's dashboard.

    The editors' files are made empty when missing (as a new installation has
    them); the blueprints and the dashboard are copied at every start, so the
    demo shows this checkout's, offline (the README's offline install path).
    """
    for name, empty in (
        ("automations.yaml", "[]\n"),
        ("scripts.yaml", ""),
        ("scenes.yaml", ""),
    ):
        if not (config_dir / name).exists():
            (config_dir / name).write_text(empty)
    blueprints = config_dir / "blueprints" / "automation" / DOMAIN
    blueprints.mkdir(parents=True, exist_ok=True)
    for blueprint in BLUEPRINTS.glob("*.yaml"):
        shutil.copy(blueprint, blueprints / blueprint.name)
    shutil.copy(DASHBOARD, config_dir / DASHBOARD_FILE)


@dataclass
class Process:
    """A child process with its output in a log file."""

    name: str
    args: list[str]
    log_path: Path | None  # None: the output goes to the terminal
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it, its output appended to the log file."""
        log = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
            start_new_session=True,
        )
        if log is not None:
            log.close()

    @property
    def running(self) -> bool:
        """Whether it still runs."""
        return self.popen is not None and self.popen.poll() is None

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, wait, SIGKILL after `timeout` s; the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode


def stop_all(processes: list[Process]) -> None:
    """Stop processes together (SIGTERM to all first)."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.stop()


def home_assistant(
    venv: Path, config_dir: Path, log_path: Path | None, env: dict[str, str]
) -> Process:
    """Home Assistant from `venv`, on `config_dir`."""
    return Process(
        "home-assistant",
        [str(venv / "bin" / "hass"), "--config", str(config_dir)],
        log_path,
        env,
    )


def simulator_env(sim_url: str) -> dict[str, str]:
    """The development settings that point the integration at the simulator."""
    return {
        "SMARTCAR_WEBHOOKS_DEV_AUTHORIZE_URL": f"{sim_url}/oauth/authorize",
        "SMARTCAR_WEBHOOKS_DEV_TOKEN_URL": f"{sim_url}/oauth/token",
        "SMARTCAR_WEBHOOKS_DEV_API_URL": sim_url,
        "SMARTCAR_WEBHOOKS_DEV_V3_TOKEN_URL": f"{sim_url}/oauth2/token",
        "SMARTCAR_WEBHOOKS_DEV_VEHICLE_API_URL": f"{sim_url}/v3",
        "SMARTCAR_WEBHOOKS_DEV_MANAGEMENT_API_URL": f"{sim_url}/v3",
    }


def simulator(
    *,
    port: int,
    deliver_to: str,
    log_path: Path,
    cars: int = 1,
    fmt: str = "4.0",
    speed: float = 20,
    state: Path | None = None,
    token: str = DEV_MANAGEMENT_TOKEN,
) -> Process:
    """The Smartcar simulator serving Connect, REST and control on `port`."""
    args = [
        sys.executable,
        "-m",
        "smartcar_simulator",
        "serve",
        "--port",
        str(port),
        "--token",
        token,
        "--client-id",
        DEV_CLIENT_ID,
        "--client-secret",
        DEV_CLIENT_SECRET,
        "--deliver-to",
        deliver_to,
        "--cars",
        str(cars),
        "--format",
        fmt,
        "--speed",
        str(speed),
    ]
    if state is not None:
        args += ["--state", str(state)]
    return Process("simulator", args, log_path)


class HomeAssistant:
    """A client of one Home Assistant instance (REST + WebSocket)."""

    def __init__(self, session: ClientSession, base: str) -> None:
        """Talk to Home Assistant at `base` (no trailing slash)."""
        self.session = session
        self.base = base
        self.client_id = f"{base}/"
        self.tokens: dict[str, Any] = {}
        self._ws: ClientWebSocketResponse | None = None
        self._ws_id = 0
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._reader: asyncio.Task[None] | None = None

    # --- HTTP -------------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        """Auth header, and the frontend base OAuth flows build redirects from."""
        headers = {"HA-Frontend-Base": self.base}
        if token := self.tokens.get("access_token"):
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def request(
        self, method: str, path: str, data: Any = None, *, ok: bool = True
    ) -> Any:
        """A REST call; the JSON answer (an error raises unless `ok` is False)."""
        async with self.session.request(
            method,
            f"{self.base}{path}",
            json=data,
            headers=self.headers,
            timeout=TIMEOUT,
        ) as response:
            text = await response.text()
            if ok and response.status >= 400:
                raise HarnessError(f"{method} {path}: {response.status} {text[:300]}")
            try:
                return json.loads(text) if text else None
            except ValueError:
                return text

    async def wait_until_up(
        self, limit: float = 180, process: Process | None = None
    ) -> float:
        """Wait for the HTTP API; seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            if process is not None and not process.running:
                raise HarnessError("Home Assistant exited; see its log")
            # Early in its start, Home Assistant may take a connection and drop it.
            with contextlib.suppress(OSError, TimeoutError, ClientError):
                async with self.session.get(
                    f"{self.base}/api/onboarding", timeout=ClientTimeout(total=5)
                ) as response:
                    if response.status in (200, 401, 404):
                        return time.monotonic() - start
            await asyncio.sleep(0.5)
        raise HarnessError("Home Assistant did not come up in time")

    async def wait_until_running(self, limit: float = 180) -> None:
        """Wait until Home Assistant has finished starting (state RUNNING)."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            config = await self.request("GET", "/api/config", ok=False)
            if isinstance(config, dict) and config.get("state") == "RUNNING":
                return
            await asyncio.sleep(0.5)
        raise HarnessError("Home Assistant did not finish starting in time")

    async def _token(self, code: str) -> None:
        async with self.session.post(
            f"{self.base}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        ) as response:
            if response.status != 200:
                raise HarnessError(f"auth/token: {response.status}")
            self.tokens = await response.json()

    async def onboard_or_login(
        self, username: str = DEV_USERNAME, password: str = DEV_PASSWORD
    ) -> bool:
        """Create the owner and skip onboarding, or log in; True when onboarded now."""
        steps = await self.request("GET", "/api/onboarding", ok=False)
        done = (
            {step["step"] for step in steps if step["done"]}
            if isinstance(steps, list)
            else {"user"}
        )
        if "user" not in done:
            answer = await self.request(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": DEV_NAME,
                    "username": username,
                    "password": password,
                    "language": "en",
                },
            )
            await self._token(answer["auth_code"])
        else:
            await self.login(username, password)
        return "user" not in done

    async def login(self, username: str, password: str) -> None:
        """Log in through Home Assistant's login flow."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"username": username, "password": password, "client_id": self.client_id},
        )
        if result.get("type") != "create_entry":
            raise HarnessError("login failed")
        await self._token(result["result"])

    # --- WebSocket ----------------------------------------------------------------

    async def connect_ws(self) -> None:
        """Open and authenticate the WebSocket API."""
        self._ws = await self.session.ws_connect(f"{self.base}/api/websocket")
        await self._ws.receive_json()
        await self._ws.send_json(
            {"type": "auth", "access_token": self.tokens["access_token"]}
        )
        answer = await self._ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise HarnessError("WebSocket authentication failed")
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            data = message.json()
            if data.get("type") == "event":
                await self._events.put(data["event"])
            elif (future := self._pending.pop(data.get("id"), None)) is not None:
                if not future.done():
                    future.set_result(data)

    async def ws(self, command: dict[str, Any]) -> Any:
        """One WebSocket command; its result (an error raises)."""
        if self._ws is None:
            await self.connect_ws()
        assert self._ws is not None
        self._ws_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._ws_id] = future
        await self._ws.send_json({**command, "id": self._ws_id})
        answer = await asyncio.wait_for(future, 30)
        if not answer.get("success"):
            raise HarnessError(f"{command['type']}: {answer.get('error')}")
        return answer.get("result")

    def drain_events(self) -> list[dict[str, Any]]:
        """Events received since the last drain."""
        events = []
        while not self._events.empty():
            events.append(self._events.get_nowait())
        return events

    async def close_ws(self) -> None:
        """Close the WebSocket."""
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()
        self._ws, self._reader = None, None

    # --- what the integration made ---------------------------------------------------

    async def entries(self) -> list[dict[str, Any]]:
        """The integration's config entries."""
        entries = await self.request("GET", "/api/config/config_entries/entry")
        return [entry for entry in entries if entry["domain"] == DOMAIN]

    async def add_application_credentials(self, api: str = "v2") -> None:
        """The simulator's credentials, unless already there.

        `api` "v3": the API credentials (`client_…`), as today's Dashboard
        gives them; "v2": the legacy Connect client id and secret.
        """
        existing = await self.ws({"type": "application_credentials/list"})
        if any(item["domain"] == DOMAIN for item in existing):
            return
        v3 = api == "v3"
        await self.ws(
            {
                "type": "application_credentials/create",
                "domain": DOMAIN,
                "client_id": DEV_API_CLIENT_ID if v3 else DEV_CLIENT_ID,
                "client_secret": DEV_API_CLIENT_SECRET if v3 else DEV_CLIENT_SECRET,
                "name": "Smartcar simulator (API v3)" if v3 else "Smartcar simulator",
            }
        )


class Simulator:
    """A client of the simulator's control API."""

    def __init__(self, session: ClientSession, base: str) -> None:
        """The simulator at `base`."""
        self.session = session
        self.base = base

    async def call(self, method: str, path: str, data: Any = None) -> Any:
        """A control call; its JSON answer."""
        async with self.session.request(
            method, f"{self.base}{path}", json=data, timeout=TIMEOUT
        ) as response:
            if response.status >= 400:
                raise HarnessError(
                    f"simulator {path}: {response.status} {await response.text()}"
                )
            return await response.json()

    async def wait_until_up(self, limit: float = 30) -> None:
        """Wait for the simulator to answer."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            with contextlib.suppress(OSError):
                await self.call("GET", "/sim/status")
                return
            await asyncio.sleep(0.2)
        raise HarnessError("the simulator did not start")


@dataclass
class FlowLog:
    """What the config flow showed, step by step."""

    steps: list[tuple[str, str]] = field(default_factory=list)
    webhook_url: str | None = None
    verify: dict[str, Any] | None = None
    entry: dict[str, Any] | None = None


async def follow_external_step(ha: HomeAssistant, url: str) -> None:
    """What the browser does on Smartcar Connect: authorize, follow the redirect back."""
    async with ha.session.get(url, allow_redirects=False) as response:
        location = response.headers.get("Location")
        if response.status != 302 or location is None:
            raise HarnessError(f"authorize answered {response.status}")
    async with ha.session.get(location, allow_redirects=False) as response:
        if response.status >= 400:
            raise HarnessError(f"OAuth callback answered {response.status}")


async def run_config_flow(
    ha: HomeAssistant,
    sim: Simulator,
    *,
    management_token: str = DEV_MANAGEMENT_TOKEN,
    connect: bool = True,
    pick: list[str] | None = None,
    flow_id: str | None = None,
    on_step: Any = None,
    max_steps: int = 20,
) -> FlowLog:
    """Add the integration through its real config flow, reading each step.

    user (token) -> verify (the simulator sends VERIFY to the shown callback
    URI) -> menu (connect / webhook_only) -> [v3: application (Application
    ID)] -> Connect (external step) -> [v3: smartcar_user] -> vehicles (pick)
    -> entry. Unknown forms or aborts raise.
    """
    log = FlowLog()
    if flow_id is None:
        result = await ha.request(
            "POST",
            "/api/config/config_entries/flow",
            {"handler": DOMAIN, "show_advanced_options": False},
        )
    else:
        result = await ha.request("GET", f"/api/config/config_entries/flow/{flow_id}")
    flow_path = f"/api/config/config_entries/flow/{result['flow_id']}"
    for _ in range(max_steps):
        kind, step_id = result["type"], result.get("step_id", "")
        log.steps.append((kind, step_id))
        if on_step is not None:
            await on_step(result)
        if kind == "create_entry":
            log.entry = result["result"]
            return log
        if kind == "abort":
            raise HarnessError(f"the flow aborted: {result.get('reason')}")
        if kind == "form":
            names = {field["name"] for field in result.get("data_schema", [])}
            if result.get("errors"):
                raise HarnessError(f"form {step_id} errors: {result['errors']}")
            if "management_token" in names:
                data: dict[str, Any] = {"management_token": management_token}
            elif "vehicles" in names:
                options = next(
                    f for f in result["data_schema"] if f["name"] == "vehicles"
                )["selector"]["select"]["options"]
                ids = [option["value"] for option in options]
                data = {"vehicles": [v for v in ids if pick is None or v in pick]}
            elif "application_id" in names:
                # API v3: the Application ID the Dashboard shows (the simulator's).
                data = {"application_id": DEV_CLIENT_ID}
            elif "smartcar_user" in names:
                options = next(
                    f for f in result["data_schema"] if f["name"] == "smartcar_user"
                )["selector"]["select"]["options"]
                data = {"smartcar_user": options[0]["value"]}
            elif "implementation" in names:
                options = next(
                    f for f in result["data_schema"] if f["name"] == "implementation"
                )
                data = {"implementation": options["options"][0][0]}
            elif not names:
                data = {}
            else:
                raise HarnessError(f"unexpected form {step_id}: {sorted(names)}")
            result = await ha.request("POST", flow_path, data)
        elif kind == "progress":
            url = (result.get("description_placeholders") or {}).get("webhook_url")
            if url and log.verify is None:
                log.webhook_url = url
                log.verify = await sim.call(
                    "POST", "/sim/verify", {"callback_uri": url}
                )
                if not log.verify["ok"]:
                    raise HarnessError(f"VERIFY failed: {log.verify}")
            for _ in range(100):
                await asyncio.sleep(0.1)
                result = await ha.request("GET", flow_path)
                if result["type"] != "progress":
                    break
        elif kind == "progress_done":
            result = await ha.request("GET", flow_path)
        elif kind == "menu":
            options = result["menu_options"]
            options = (
                list(options) if isinstance(options, list) else list(options.keys())
            )
            # Connect, allowing control of the car where the flow offers it.
            wanted = ("connect_control", "connect") if connect else ()
            choice = next((o for o in wanted if o in options), "webhook_only")
            if choice not in options:
                raise HarnessError(f"menu {step_id} offers {options}")
            result = await ha.request("POST", flow_path, {"next_step_id": choice})
        elif kind == "external":
            await follow_external_step(ha, result["url"])
            result = await ha.request("GET", flow_path)
        elif kind == "external_done":
            result = await ha.request("GET", flow_path)
        else:
            raise HarnessError(f"unexpected flow result {kind}")
    raise HarnessError(f"the flow did not finish: {log.steps}")


# --- what the demo sets up on the car ------------------------------------------------


async def car_entities(ha: HomeAssistant, vehicle_id: str) -> dict[str, str]:
    """The integration's entities of a vehicle: `"<domain>.<key>"` -> entity id."""
    found: dict[str, str] = {}
    for entry in await ha.ws({"type": "config/entity_registry/list"}):
        vid, _, key = entry["unique_id"].partition("_")
        if entry["platform"] == DOMAIN and vid == vehicle_id:
            found[f"{entry['entity_id'].split('.', 1)[0]}.{key}"] = entry["entity_id"]
    return found


async def set_up_energy(ha: HomeAssistant, entities: dict[str, str]) -> dict[str, Any]:
    """The car's *Energy added* (and *Charging power*) as a device of the Energy dashboard."""
    device: dict[str, Any] = {"stat_consumption": entities["sensor.energy_added"]}
    if power := entities.get("sensor.charging_power"):
        device["stat_rate"] = power
    await ha.ws({"type": "energy/save_prefs", "device_consumption": [device]})
    return device


def blueprint_inputs(
    name: str,
    device_id: str,
    entities: dict[str, str],
    notify_action: str = "persistent_notification.create",
) -> dict[str, Any]:
    """A value for every input of a blueprint of this repository, for the car."""
    from homeassistant.util.yaml import load_yaml_dict  # noqa: PLC0415

    values: dict[str, Any] = {
        "car": device_id,
        "notify_action": notify_action,
        "battery": entities.get("sensor.battery_level"),
        "range": entities.get("sensor.range"),
        "lock": entities.get("lock.locked", entities.get("binary_sensor.locked")),
        "location": entities.get("device_tracker.location"),
        "charging_switch": entities.get("switch.charging"),
        "surplus": DEMO_SURPLUS,
        "price": DEMO_PRICE,
        "person": DEMO_PERSON,
        "zone": "zone.home",
        "at": "21:00:00",
        "ready_by": "07:00:00",
        "steady_for": {"hours": 0, "minutes": 5, "seconds": 0},
        "unlocked_for": {"hours": 0, "minutes": 10, "seconds": 0},
        "below": 30,
        "limit": 80,
        "target": 80,
        "trips": 60,
        "reserve": 20,
        "start_above": 1400,
        "stop_below": 200,
        "cheap_below": 0.2,
        "hours_needed": 3,
        "when_stopped": True,
        "lock_it": False,
    }
    inputs = load_yaml_dict(BLUEPRINTS / name)["blueprint"]["input"]
    missing = [key for key in inputs if values.get(key) is None]
    if missing:
        raise HarnessError(f"{name}: no value for {missing}")
    return {key: values[key] for key in inputs}


def blueprint_automations(
    device_id: str, entities: dict[str, str], **kwargs: Any
) -> dict[str, dict[str, Any]]:
    """An automation from every blueprint, every input set: config id -> config.

    Blueprints whose inputs the car cannot fill (the charging ones without a
    Charging switch) are left out.
    """
    automations: dict[str, dict[str, Any]] = {}
    for path in sorted(BLUEPRINTS.glob("*.yaml")):
        try:
            inputs = blueprint_inputs(path.name, device_id, entities, **kwargs)
        except HarnessError:
            continue
        automations[f"smartcar_{path.stem}"] = {
            "alias": f"Car: {path.stem.replace('_', ' ')}",
            "description": f"From the blueprint {path.name}.",
            "use_blueprint": {"path": f"{DOMAIN}/{path.name}", "input": inputs},
        }
    return automations


@contextlib.asynccontextmanager
async def http_session() -> AsyncIterator[ClientSession]:
    """An aiohttp session for loopback calls."""
    async with ClientSession() as session:
        yield session
