"""scripts/e2e: the integration end to end in a real Home Assistant, with a real browser.

A fresh Home Assistant (127.0.0.1, free ports, a temporary configuration)
and the Smartcar simulator. Everything is asserted through Home Assistant's
own REST and WebSocket APIs:

- the config flow: user -> verify (answered to the simulator's VERIFY) ->
  Connect (OAuth against the simulator) -> vehicle pick -> subscribe;
- the automation editor's backend offers the car's device triggers and
  conditions; an automation built from the `plugged_in` trigger and one
  from the charging-finished blueprint are saved through the config API;
- entities appear and follow the scenario (drive home, plug in, charge
  20 % -> 80 %, complete, unplug); duplicates, late retries and TEST
  deliveries change nothing; a click on the device page's charging switch
  starts the charge; the plug-in runs the automation once, with the car's
  battery and time, and charge complete notifies once;
- a restart keeps every state, and Smartcar re-sending every delivery
  afterwards changes no state, fires no event and runs no automation;
  plugging in again runs it again;
- options add and remove a vehicle (subscribe / unsubscribe with the AMT);
  removing the entry unsubscribes;
- the frontend (headless Chromium) shows the verify step, the device page
  and the map without raw translation keys or errors (screenshots);
- Home Assistant's log has no error, warning or traceback from this
  integration and no token, webhook id, VIN or coordinate.

`HA_VERSION=2026.11.0 scripts/e2e` runs the same on another Home Assistant
release, installed in its own virtualenv (.venv-ha-<version>).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence
import contextlib
from datetime import UTC, datetime
import hashlib
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

from . import e2e_v3
from .harness import (
    DEV_MANAGEMENT_TOKEN,
    DOMAIN,
    ROOT,
    HarnessError,
    HomeAssistant,
    Process,
    Simulator,
    blueprint_automations,
    car_entities,
    free_port,
    home_assistant,
    http_session,
    prepare_config,
    run_config_flow,
    set_up_energy,
    simulator,
    simulator_env,
    stop_all,
)

VENV = ROOT / ".venv"
IMAGES = ROOT / "docs" / "images"
BLUEPRINTS = ROOT / "blueprints" / "automation" / DOMAIN
LANGUAGES = ("en", "de", "es", "fr", "nl")
# Entities whose state is a clock: they change with every delivery, not with the car.
CLOCKS = {"last_update", "last_delivery"}
# The blueprint automation the README shows.
SHOWN_BLUEPRINT = "smartcar_solar_surplus_charging"
# What the automation built from the `plugged_in` device trigger fires.
PLUGGED_EVENT = "smartcar_e2e_plugged"
TRIGGER_TYPES = {
    "plugged_in",
    "unplugged",
    "charging_started",
    "charging_stopped",
    "charging_completed",
    "low_battery",
    "battery_below",
}
CONDITION_TYPES = {"is_plugged_in", "is_unplugged", "is_charging", "battery_below"}


class Checks:
    """Assertions that are all run and reported (one failure does not stop the run)."""

    def __init__(self) -> None:
        """No results yet."""
        self.passed = 0
        self.failed: list[str] = []

    def check(self, ok: bool, what: str, detail: object = "") -> bool:
        """Record one assertion; print failures at once."""
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"  FAIL {what} {detail}".rstrip(), flush=True)
        return ok


class Timer:
    """Wall-clock timings of the run's phases."""

    def __init__(self) -> None:
        """Start now."""
        self.start = time.monotonic()
        self.last = self.start
        self.phases: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        """End a phase."""
        now = time.monotonic()
        self.phases.append((name, now - self.last))
        print(
            f"[{now - self.start:6.1f} s] {name} ({now - self.last:.1f} s)", flush=True
        )
        self.last = now


def pinned_version() -> str:
    """The Home Assistant version of .venv."""
    out = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            "import homeassistant.const as c; print(c.__version__)",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def ensure_venv(version: str) -> Path:
    """A virtualenv with Home Assistant `version` and what it installs at start."""
    if version == pinned_version():
        return VENV
    venv = ROOT / f".venv-ha-{version}"
    stamp = venv / ".e2e-ready"
    # Redone when what decides the requirements changes.
    inputs = hashlib.sha256(
        (ROOT / "scripts" / "ha_requirements.py").read_bytes()
        + (ROOT / "config" / "configuration.yaml").read_bytes()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == f"{version} {inputs}":
        return venv
    uv = str(VENV / "bin" / "uv")
    python = os.path.realpath(VENV / "bin" / "python")
    print(f"e2e: installing Home Assistant {version} into {venv.name}", flush=True)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    subprocess.run(
        [uv, "venv", "-q", "--allow-existing", "--python", python, str(venv)],
        check=True,
    )
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            f"homeassistant=={version}",
        ],
        check=True,
        env=env,
    )
    requirements = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "scripts.ha_requirements",
            "config/configuration.yaml",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            *requirements,
        ],
        check=True,
        env=env,
    )
    stamp.write_text(f"{version} {inputs}")
    return venv


def installed_packages(venv: Path) -> list[str]:
    """`name==version` of everything in a virtualenv (to prove nothing was installed)."""
    out = subprocess.run(
        [
            str(VENV / "bin" / "uv"),
            "pip",
            "freeze",
            "--python",
            str(venv / "bin" / "python"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return sorted(out.stdout.split())


# --- reading the integration's entities -------------------------------------------


class Entities:
    """The integration's entities by vehicle id and key.

    `ids` holds what the car reports (sensors, binary sensors, the tracker,
    events); `controls` the switches, numbers, locks and buttons, which may
    share a key with a sensor (`charging`, `locked`, `charge_limit`).
    """

    CONTROL_DOMAINS = frozenset({"switch", "number", "lock", "button"})

    def __init__(self, ha: HomeAssistant) -> None:
        """Read from `ha`."""
        self.ha = ha
        self.ids: dict[tuple[str, str], str] = {}
        self.controls: dict[tuple[str, str], str] = {}

    async def refresh(self) -> None:
        """Read the entity registry again."""
        entries = await self.ha.ws({"type": "config/entity_registry/list"})
        self.ids, self.controls = {}, {}
        for entry in entries:
            if entry["platform"] != DOMAIN:
                continue
            vehicle_id, _, key = entry["unique_id"].partition("_")
            domain = entry["entity_id"].split(".", 1)[0]
            ids = self.controls if domain in self.CONTROL_DOMAINS else self.ids
            ids[(vehicle_id, key)] = entry["entity_id"]

    def all(self) -> set[str]:
        """Every entity id of the integration."""
        return set(self.ids.values()) | set(self.controls.values())

    async def states(self, vehicles: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """The states of the integration's entities (waiting a moment for new ones)."""
        for _ in range(20):
            await self.refresh()
            if all((v, "battery_level") in self.ids for v in vehicles):
                break
            await asyncio.sleep(0.1)
        ours = self.all()
        states = await self.ha.request("GET", "/api/states")
        return {s["entity_id"]: s for s in states if s["entity_id"] in ours}


def _number(state: dict[str, Any] | None) -> float | None:
    try:
        return float(state["state"]) if state else None
    except ValueError:
        return None


def compare(
    checks: Checks,
    step: dict[str, Any],
    states: dict[str, dict[str, Any]],
    entities: Entities,
    fmt: str,
) -> None:
    """The entities show what the cars did in this step."""
    for car in step["cars"]:
        vid = car["vehicle_id"]
        name = f"{step['name']} · car {vid[:4]}"

        def state(key: str, vid: str = vid) -> dict[str, Any] | None:
            entity_id = entities.ids.get((vid, key))
            return states.get(entity_id) if entity_id else None

        unavailable = set(step["unavailable"])
        if "range" in unavailable and fmt == "2.0":
            unavailable.add("battery_level")  # 2.0 reports both in /battery
        battery = _number(state("battery_level"))
        if "range" in unavailable and fmt == "both":
            # A good 4.0 battery and a 2.0 /battery error in one step: whichever
            # Smartcar sent last decides, and both are right.
            pass
        elif "battery_level" in unavailable:
            checks.check(
                state("battery_level") is not None
                and state("battery_level")["state"] == "unavailable",  # type: ignore[index]
                f"[{name}] battery unavailable after a signal error",
            )
        else:
            checks.check(
                battery is not None and abs(battery - car["soc"]) < 0.6,
                f"[{name}] battery {battery} = {car['soc']}",
            )
        rng = state("range")
        if "range" in unavailable:
            checks.check(
                rng is not None and rng["state"] == "unavailable",
                f"[{name}] range unavailable after a signal error",
                rng and rng["state"],
            )
        else:
            value = _number(rng)
            checks.check(
                value is not None and abs(value - car["range_km"]) < 1.5,
                f"[{name}] range {value} = {car['range_km']}",
            )
        plugged = state("plugged_in")
        checks.check(
            plugged is not None
            and plugged["state"] == ("on" if car["plugged_in"] else "off"),
            f"[{name}] charge cable {'on' if car['plugged_in'] else 'off'}",
            plugged and plugged["state"],
        )
        charging = state("charging")
        checks.check(
            charging is not None
            and charging["state"] == ("on" if car["charging"] else "off"),
            f"[{name}] charging {'on' if car['charging'] else 'off'}",
            charging and charging["state"],
        )
        charge_state = state("charging_state")
        checks.check(
            charge_state is not None
            and charge_state["state"] == car["charge_state"].lower(),
            f"[{name}] charging state {car['charge_state'].lower()}",
            charge_state and charge_state["state"],
        )
        tracker = state("location")
        attributes = tracker["attributes"] if tracker else {}
        checks.check(
            abs(attributes.get("latitude", 0) - car["latitude"]) < 1e-5
            and abs(attributes.get("longitude", 0) - car["longitude"]) < 1e-5,
            f"[{name}] location follows the car",
        )
        if fmt != "2.0":
            odometer = _number(state("odometer"))
            checks.check(
                odometer is not None and abs(odometer - car["odometer_km"]) < 0.6,
                f"[{name}] odometer {odometer} = {car['odometer_km']}",
            )
            problem = state("problem")
            checks.check(
                problem is not None
                and problem["state"] == ("on" if car["problem"] else "off"),
                f"[{name}] problem {'on' if car['problem'] else 'off'}",
                problem and problem["state"],
            )


def _strip_times(states: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {eid: (s["state"], s["attributes"]) for eid, s in states.items()}


def _called(
    requests: list[dict[str, Any]],
    method: str,
    vehicle_id: str,
    webhook_id: str,
    auth: str,
    *,
    status: int | None = None,
) -> bool:
    """Whether the simulator saw a (un)subscribe of a vehicle with this token kind."""
    path = f"/v2.0/vehicles/{vehicle_id}/webhooks/{webhook_id}"
    return any(
        r["method"] == method
        and r["path"] == path
        and r["auth"] == auth
        and (status is None or r.get("status") == status)
        for r in requests
    )


async def barrier(ha: HomeAssistant) -> None:
    """Every event Home Assistant sent before now has arrived."""
    await ha.ws({"type": "get_config"})


def our_events(events: list[dict[str, Any]], ours: set[str]) -> list[str]:
    """Events about the integration's entities (or from the integration)."""
    found = []
    for event in events:
        entity_id = event.get("data", {}).get("entity_id")
        if entity_id in ours or event["event_type"].startswith(DOMAIN):
            found.append(f"{event['event_type']} {entity_id or ''}".strip())
    return found


# --- the run ----------------------------------------------------------------------


class Run:
    """One end-to-end run."""

    def __init__(self, args: argparse.Namespace) -> None:
        """Set up paths and ports."""
        self.args = args
        self.checks = Checks()
        self.timer = Timer()
        self.work = Path(tempfile.mkdtemp(prefix="smartcar-e2e-"))
        self.config = self.work / "config"
        self.ha_port, self.sim_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.ha_port}"
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.images = args.screenshots
        self.hass: Process | None = None
        self.venv = VENV
        # What the automation built from the `plugged_in` trigger fired, in order.
        self.fired: list[dict[str, Any]] = []

    def write_config(self) -> None:
        """A fresh copy of the committed development configuration.

        prepare_config adds what it includes (automations.yaml, …), the
        blueprints and the car's dashboard, as for scripts/develop.
        """
        self.config.mkdir(parents=True)
        text = (ROOT / "config" / "configuration.yaml").read_text()
        (self.config / "configuration.yaml").write_text(
            text.replace("http://127.0.0.1:8123", self.base)
        )

    async def start_ha(self, ha: HomeAssistant) -> None:
        """Start Home Assistant and wait until it runs."""
        prepare_config(self.config, self.ha_port, self.venv / "bin" / "python")
        self.hass = home_assistant(
            self.venv, self.config, self.work / "hass.out", simulator_env(self.sim_url)
        )
        self.hass.start()
        await ha.wait_until_up(process=self.hass)
        await ha.onboard_or_login()
        await ha.wait_until_running()

    async def stop_ha(self, ha: HomeAssistant) -> None:
        """Stop Home Assistant (as a restart's first half)."""
        await ha.close_ws()
        assert self.hass is not None
        code = self.hass.stop()
        self.checks.check(code == 0, "Home Assistant stops cleanly", code)

    async def main(self) -> int:
        """Run every phase; 0 when every check passed."""
        version = self.args.ha_version or pinned_version()
        self.venv = await asyncio.to_thread(ensure_venv, version)
        self.timer.lap(f"Home Assistant {version} ready in {self.venv.name}")
        before_packages = installed_packages(self.venv)
        self.write_config()
        sim_process = simulator(
            port=self.sim_port,
            deliver_to=self.base,
            log_path=self.work / "simulator.log",
            cars=2,
            fmt=self.args.format,
            speed=1000,
        )
        sim_process.start()
        try:
            async with http_session() as session:
                sim = Simulator(session, self.sim_url)
                ha = HomeAssistant(session, self.base)
                await sim.wait_until_up()
                await self.start_ha(ha)
                self.timer.lap("Home Assistant started and onboarded")
                await self.phases(ha, sim)
                await self.stop_ha(ha)
        finally:
            stop_all([p for p in (self.hass, sim_process) if p is not None])
        after_packages = installed_packages(self.venv)
        self.checks.check(
            after_packages == before_packages,
            "starting Home Assistant installed nothing",
            sorted(set(after_packages) ^ set(before_packages)),
        )
        self.check_log()
        self.timer.lap("log checked")
        print(
            "\n".join(
                f"  {name:48} {seconds:6.1f} s" for name, seconds in self.timer.phases
            ),
            flush=True,
        )
        if self.checks.failed or os.environ.get("E2E_KEEP"):
            print(f"e2e: Home Assistant {version}, logs in {self.work}", flush=True)
        else:
            shutil.rmtree(self.work, ignore_errors=True)
        if self.checks.failed:
            print(
                "Failed:\n" + "\n".join(f"  - {f}" for f in self.checks.failed),
                flush=True,
            )
        print(
            f"e2e: {self.checks.passed} passed, {len(self.checks.failed)} failed",
            flush=True,
        )
        return 1 if self.checks.failed else 0

    async def phases(self, ha: HomeAssistant, sim: Simulator) -> None:
        """Everything, in order."""
        checks = self.checks
        await ha.add_application_credentials()
        status = await sim.call("GET", "/sim/status")
        car1, car2 = (car["vehicle_id"] for car in status["cars"])

        # -- the config flow, started in the browser, finished through the REST API
        flow_id = await self.browser_flow_start(ha)
        self.timer.lap("verify step shown in the browser")
        log = await run_config_flow(ha, sim, pick=[car1], flow_id=flow_id)
        kinds = [kind for kind, _ in log.steps]
        checks.check(
            log.steps[0] == ("progress", "verify"), "flow waits in verify", log.steps
        )
        checks.check(
            bool(log.verify and log.verify["ok"]), "HA answered VERIFY correctly"
        )
        checks.check(
            "menu" in kinds and "external" in kinds, "flow: menu -> Connect", kinds
        )
        checks.check(("form", "vehicles") in log.steps, "flow: vehicle pick", log.steps)
        checks.check(kinds[-1] == "create_entry", "flow created the entry")
        entry_id = log.entry["entry_id"] if log.entry else ""
        states = {entry["entry_id"]: entry["state"] for entry in await ha.entries()}
        if not checks.check(
            states.get(entry_id) == "loaded",
            "the entry is loaded",
            f"{states.get(entry_id)} (see Home Assistant's log)",
        ):
            return
        requests = await sim.call("GET", "/sim/requests")
        seen = {(r["method"], r["path"], r["auth"], r.get("status")) for r in requests}
        webhook_id = status["webhook_id"]
        checks.check(
            ("POST", "/oauth/token", "basic", 200) in seen,
            "token request with HTTP Basic",
        )
        checks.check(
            ("GET", "/v2.0/user", "user", 200) in seen,
            "GET /v2.0/user with the user token",
        )
        checks.check(
            ("POST", f"/v2.0/vehicles/{car1}/webhooks/{webhook_id}", "user", 200)
            in seen,
            "subscribed the picked car with the user token",
        )
        checks.check(
            not any(
                r["path"].startswith(f"/v2.0/vehicles/{car2}/webhooks")
                for r in requests
            ),
            "did not subscribe the car not picked",
        )
        self.timer.lap("config flow: user -> verify -> Connect -> pick -> subscribe")

        # -- the automation editor: the car's device triggers and conditions
        device_id = await self.device_automations(ha, car1)
        self.timer.lap("device triggers and conditions; automations created")

        # -- the scenario, step by step
        entities = Entities(ha)
        await ha.ws({"type": "subscribe_events"})
        await sim.call(
            "POST", "/sim/scenario", {"name": "commute", "background": False}
        )
        devices = {car1: device_id}
        device_shot = map_shot = False
        day_started = datetime.now(UTC)
        charges = 0  # charges of the first car (a step charging after one not)
        was_charging = False
        steps = 0
        plugged = 0  # runs of the plugged-in automation so far
        extra: list[str] = []  # steps after which it ran without a plug-in
        completed: list[float] = []  # the battery when charging completed
        while True:
            since = time.time()
            if (step := await sim.call("POST", "/sim/step")) is None:
                break
            steps += 1
            statuses = [d["status"] for d in step["sent"]]
            checks.check(
                all(s == 200 for s in statuses),
                f"[{step['name']}] HA answered 200",
                statuses,
            )
            await barrier(ha)
            events = self.drain(ha)
            if step["name"] == "plugged in":
                await self.expect_plugged(ha, step, devices, since, plugged)
                plugged = len(self.fired)
            elif len(self.fired) != plugged:
                extra.append(step["name"])
                plugged = len(self.fired)
            completed += [
                car["soc"]
                for car in step["cars"]
                if car["charge_state"] == "FULLY_CHARGED" and not completed
            ]
            states = await entities.states([c["vehicle_id"] for c in step["cars"]])
            if step["changes_state"]:
                compare(checks, step, states, entities, self.args.format)
            else:
                changed = our_events(events, entities.all())
                checks.check(not changed, f"[{step['name']}] changes nothing", changed)
            if step["name"] == "plugged in" and step["cars"]:
                await self.start_charging(ha, entities, step["cars"][0]["vehicle_id"])
            if not map_shot and step["name"] == "driving home 8/12":
                map_shot = True
                await self.map_screenshot(ha, entities.ids.get((car1, "location")))
            soc = step["cars"][0]["soc"] if step["cars"] else 0
            charging = bool(step["cars"] and step["cars"][0]["charging"])
            charges += charging and not was_charging
            was_charging = charging
            if not device_shot and step["name"] == "charging" and soc >= 50:
                device_shot = True
                await self.device_screenshot(ha, car1)
                await self.screenshot(
                    ha, "/smartcar-car/car", "dashboard.png", "Charging power"
                )
        checks.check(steps > 30, "the scenario played", steps)
        await barrier(ha)
        self.drain(ha)
        checks.check(
            not extra and len(self.fired) == plugged == 1,
            "the plugged-in automation ran once in the whole scenario (duplicates, "
            "late retries, a TEST delivery, charging and unplugging ran it not again)",
            extra or self.fired,
        )
        shown = await self.notifications(ha, 1)
        checks.check(
            len(shown) == 1
            and bool(completed)
            and shown[0].endswith(f"Charging finished at {round(completed[0])} %."),
            "the charging-finished blueprint notified once, with the battery level",
            (shown, completed),
        )
        self.timer.lap(f"scenario: {steps} steps checked")
        await self.logbook_of_the_day(ha, device_id, day_started, steps, charges)
        await self.names_are_distinct(ha, car1)
        await self.energy(ha, car1)
        self.timer.lap("logbook, names in every language, Energy dashboard")

        # -- restart: every state kept; re-sent deliveries change nothing
        before = await entities.states()
        await self.stop_ha(ha)
        await self.start_ha(ha)
        await ha.ws({"type": "subscribe_events"})
        after = await entities.states()
        lost = {
            eid: (before[eid]["state"], after.get(eid, {}).get("state"))
            for eid in before
            if _strip_times({eid: before[eid]})
            != _strip_times({eid: after[eid]} if eid in after else {})
        }
        checks.check(not lost, "a restart keeps every state", lost)
        self.timer.lap("restart")
        self.drain(ha)
        resent = await sim.call("POST", "/sim/resend")
        checks.check(
            all(d["status"] == 200 for d in resent), "re-sent deliveries answered 200"
        )
        await barrier(ha)
        changed = our_events(self.drain(ha), entities.all())
        checks.check(
            not changed,
            f"Smartcar re-sending {len(resent)} deliveries after the restart changes no state and fires no event",
            sorted(set(changed))[:8],
        )
        after_resend = await entities.states()
        checks.check(
            _strip_times(after_resend) == _strip_times(after),
            "states after the re-sent deliveries are those before",
        )
        self.drain(ha)
        checks.check(
            len(self.fired) == plugged,
            "the re-sent deliveries ran the plugged-in automation not again",
            self.fired[plugged:],
        )
        shown = await self.notifications(ha)
        checks.check(
            not shown,
            "the re-sent deliveries notified charging finished not again",
            shown,
        )
        self.timer.lap("re-sent every delivery after the restart")

        # -- unplugged at the end of the commute: plugging in again runs it again
        await sim.call("POST", "/sim/scenario", {"name": "charge", "background": False})
        for _ in range(2):  # the current state (no change), then the plug-in
            since = time.time()
            step = await sim.call("POST", "/sim/step")
            await barrier(ha)
            self.drain(ha)
        checks.check(step["name"] == "plugged in", "the car plugged in again", step)
        await self.expect_plugged(ha, step, devices, since, plugged)
        plugged = len(self.fired)
        self.timer.lap("plugged in again after the restart")

        # -- options: add the second car, then remove it
        await self.options(ha, sim, entry_id, [car1, car2])
        requests = await sim.call("GET", "/sim/requests")
        checks.check(
            _called(requests, "POST", car2, webhook_id, "user", status=200),
            "options: the added car was subscribed",
        )
        checks.check(
            await self.has_device(ha, car2), "options: the added car has a device"
        )
        await sim.call("POST", "/sim/scenario", {"name": "quirks", "background": False})
        step = await sim.call("POST", "/sim/step")
        states = await entities.states([c["vehicle_id"] for c in step["cars"]])
        checks.check(
            any(car["vehicle_id"] == car2 for car in step["cars"]),
            "the added car gets deliveries",
        )
        compare(checks, step, states, entities, self.args.format)
        await self.options(ha, sim, entry_id, [car1])
        requests = await sim.call("GET", "/sim/requests")
        checks.check(
            _called(requests, "DELETE", car2, webhook_id, "amt", status=200),
            "options: the removed car was unsubscribed with the AMT",
        )
        checks.check(
            not await self.has_device(ha, car2),
            "options: the removed car's device is gone",
        )
        self.timer.lap("options: add and remove a vehicle")

        await barrier(ha)
        self.drain(ha)
        checks.check(
            len(self.fired) == plugged == 2,
            "the options, a new car and a TEST delivery toggling the plug ran the plugged-in automation not again",
            self.fired[2:],
        )

        # -- every blueprint, every input set, in the editor and run
        await self.blueprints(ha, car1, device_id)
        self.timer.lap("every blueprint filled in, opened in the editor and run")

        # -- removal unsubscribes
        await ha.request("DELETE", f"/api/config/config_entries/entry/{entry_id}")
        requests = await sim.call("GET", "/sim/requests")
        checks.check(
            _called(requests, "DELETE", car1, webhook_id, "amt"),
            "removing the entry unsubscribed the car with the AMT",
        )
        checks.check(not await ha.entries(), "the entry is gone")
        self.timer.lap("removal")
        await e2e_v3.v3_phases(self, ha, sim)  # issue 18.10: the v3 path
        self.secrets = await sim.call("GET", "/sim/secrets")
        self.secrets["webhook_url"] = log.webhook_url
        self.secrets["cars"] = (await sim.call("GET", "/sim/status"))["cars"]

    # --- what an owner reads: logbook, names, energy ------------------------------------

    async def logbook_of_the_day(
        self,
        ha: HomeAssistant,
        device_id: str,
        since: datetime,
        steps: int,
        charges: int,
    ) -> None:
        """The car's Activity (its device's logbook) over the scenario: no clocks in it."""
        # As the device page's Activity card asks: the device and its entities.
        registry = {
            e["entity_id"]: e["unique_id"].partition("_")[2]
            for e in await ha.ws({"type": "config/entity_registry/list"})
            if e["platform"] == DOMAIN and e["device_id"] == device_id
        }
        # The recorder commits every few seconds; the logbook reads what it committed.
        await asyncio.sleep(6)
        entries = await ha.ws(
            {
                "type": "logbook/get_events",
                "start_time": since.isoformat(),
                "end_time": datetime.now(UTC).isoformat(),
                "entity_ids": sorted(registry),
                "device_ids": [device_id],
            }
        )
        by_key = Counter(
            registry.get(entry.get("entity_id", ""), entry.get("domain") or "event")
            for entry in entries
        )
        print(
            f"  logbook of the simulated day ({steps} steps): {len(entries)} entries: "
            + ", ".join(f"{key} {count}" for key, count in by_key.most_common()),
            flush=True,
        )
        self.checks.check(bool(entries), "the car's logbook shows the day", entries)
        clocks = {key: by_key[key] for key in CLOCKS if by_key[key]}
        self.checks.check(
            not clocks, "no clock entity in the car's logbook (Activity)", clocks
        )
        # The car's estimate of when charging finishes is steady while it
        # charges (the simulator counts it in the car's own, wall-clock,
        # minutes): it is logged when a charge starts and when it ends.
        self.checks.check(
            charges > 0 and by_key["time_to_full"] <= 2 * charges,
            "Charging finishes is logged only at a charge's start and end",
            (by_key["time_to_full"], charges),
        )
        for key in ("plugged_in", "charging"):
            self.checks.check(
                by_key[key] > 0, f"the car's logbook tells {key}", dict(by_key)
            )

    async def names_are_distinct(self, ha: HomeAssistant, vehicle_id: str) -> None:
        """No two entities of the car share a name, in any language of the integration."""
        registry = [
            e
            for e in await ha.ws({"type": "config/entity_registry/list"})
            if e["platform"] == DOMAIN and e["unique_id"].startswith(f"{vehicle_id}_")
        ]
        for language in LANGUAGES:
            resources = (
                await ha.ws(
                    {
                        "type": "frontend/get_translations",
                        "language": language,
                        "category": "entity",
                        "integration": [DOMAIN],
                    }
                )
            )["resources"]
            names = Counter(
                name
                for e in registry
                if (
                    name := resources.get(
                        f"component.{DOMAIN}.entity."
                        f"{e['entity_id'].split('.', 1)[0]}.{e['translation_key']}.name"
                    )
                )
            )
            twice = sorted(name for name, count in names.items() if count > 1)
            self.checks.check(
                not twice and len(names) >= 10,
                f"no two of the car's {len(names)} named entities share a name in {language}",
                twice,
            )

    async def energy(self, ha: HomeAssistant, vehicle_id: str) -> None:
        """The Energy dashboard takes Energy added and Charging power as a device."""
        entities = await car_entities(ha, vehicle_id)
        if not self.checks.check(
            "sensor.energy_added" in entities, "the car has Energy added", entities
        ):
            return
        device = await set_up_energy(ha, entities)
        self.checks.check(
            "stat_rate" in device, "the car has Charging power for the Energy dashboard"
        )
        prefs = await ha.ws({"type": "energy/get_prefs"})
        self.checks.check(
            prefs.get("device_consumption") == [device],
            "the Energy dashboard saved the car as a device",
            prefs.get("device_consumption"),
        )
        validation = await ha.ws({"type": "energy/validate"})
        issues = [
            issue
            for found in validation.get("device_consumption", [])
            for issue in found
            # Statistics are first compiled at the next 5-minute mark.
            if issue.get("type") != "statistics_not_defined"
        ]
        self.checks.check(
            not issues,
            "the Energy dashboard accepts Energy added and Charging power",
            issues,
        )
        # Its card of devices (named "Individual electrical devices" in 2026.10);
        # the device is listed by its entity's or its device's name, by release.
        await self.screenshot(
            ha,
            "/config/energy",
            "energy.png",
            re.compile(r"Individual (electrical )?devices", re.IGNORECASE),
            scroll=True,
        )

    # --- blueprints -------------------------------------------------------------------

    async def blueprints(
        self, ha: HomeAssistant, vehicle_id: str, device_id: str
    ) -> None:
        """Every blueprint with every input set: saved, shown by the editor, run."""
        from .browser import browser, logged_in_page, shoot  # noqa: PLC0415

        entities = await car_entities(ha, vehicle_id)
        automations = blueprint_automations(device_id, entities)
        shipped = sorted(BLUEPRINTS.glob("*.yaml"))
        self.checks.check(
            len(automations) == len(shipped) >= 8,
            "the car fills in every input of every blueprint",
            sorted(automations),
        )
        for config_id, config in automations.items():
            await self.create_automation(ha, config_id, config)
        registry = {
            e["unique_id"]: e["entity_id"]
            for e in await ha.ws({"type": "config/entity_registry/list"})
            if e["platform"] == "automation"
        }
        # The editor: every input shown, no script error (a null default once broke it).
        async with browser() as chromium:
            page = await logged_in_page(chromium, self.base, ha.tokens)
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            for config_id, config in automations.items():
                path = config["use_blueprint"]["path"].split("/", 1)[1]
                inputs = _blueprint_input_names(BLUEPRINTS / path)
                await page.goto(f"{self.base}/config/automation/edit/{config_id}")
                first = page.get_by_text(inputs[-1], exact=True).first
                with contextlib.suppress(Exception):
                    await first.wait_for(timeout=20000)
                shown = [
                    name
                    for name in inputs
                    if await page.get_by_text(name, exact=True).count()
                ]
                self.checks.check(
                    shown == inputs,
                    f"the editor shows every input of {path}",
                    sorted(set(inputs) - set(shown)),
                )
                if config_id == SHOWN_BLUEPRINT:
                    await page.wait_for_timeout(1000)
                    problems = await shoot(
                        page, self.images / "blueprint-automation.png"
                    )
                    self.checks.check(
                        not problems, "the blueprint editor shows no raw key", problems
                    )
            self.checks.check(
                not errors, "the blueprint editor raised no script error", errors[:3]
            )
        # Run each (its actions; its triggers are time, place or the car's).
        for config_id in automations:
            entity_id = registry.get(config_id)
            await ha.request(
                "POST",
                "/api/services/automation/trigger",
                {"entity_id": entity_id, "skip_condition": True},
            )
        for config_id in automations:
            trace: dict[str, Any] = {}
            for _ in range(100):
                traces = await ha.ws(
                    {"type": "trace/list", "domain": "automation", "item_id": config_id}
                )
                if traces and traces[-1].get("state") == "stopped":
                    trace = traces[-1]
                    break
                await asyncio.sleep(0.1)
            self.checks.check(
                trace.get("script_execution") == "finished" and not trace.get("error"),
                f"the automation from {config_id.removeprefix('smartcar_')} ran",
                {k: trace.get(k) for k in ("state", "script_execution", "error")},
            )

    # --- automations --------------------------------------------------------------------

    async def device_automations(self, ha: HomeAssistant, vehicle_id: str) -> str:
        """What the automation editor offers for the car; two automations made with it.

        One is built from the `plugged_in` device trigger as the editor lists
        it and fires PLUGGED_EVENT with the trigger's variables; the other is
        the charging-finished blueprint, notifying with a persistent
        notification. Returns the car's device id.
        """
        checks = self.checks
        device = await self.device(ha, vehicle_id)
        if not checks.check(device is not None, "the car has a device"):
            return ""
        assert device is not None
        device_id: str = device["id"]
        listed = await ha.ws(
            {"type": "device_automation/trigger/list", "device_id": device_id}
        )
        triggers = {t["type"]: t for t in listed if t.get("domain") == DOMAIN}
        checks.check(
            set(triggers) == TRIGGER_TYPES,
            "the car's device offers the integration's triggers",
            sorted(triggers),
        )
        listed = await ha.ws(
            {"type": "device_automation/condition/list", "device_id": device_id}
        )
        conditions = {c["type"] for c in listed if c.get("domain") == DOMAIN}
        checks.check(
            conditions == CONDITION_TYPES,
            "the car's device offers the integration's conditions",
            sorted(conditions),
        )
        below = triggers.get("battery_below")
        capabilities = (
            await ha.ws(
                {"type": "device_automation/trigger/capabilities", "trigger": below}
            )
            if below
            else {}
        )
        fields = {f["name"]: f for f in capabilities.get("extra_fields", [])}
        checks.check(
            fields.get("below", {}).get("default") == 20,
            "“battery below” asks for a level, by default the low-battery threshold",
            fields,
        )
        trigger = triggers.get("plugged_in")
        if not checks.check(trigger is not None, "a plugged-in trigger to build on"):
            return device_id
        await self.create_automation(
            ha,
            "e2e_plugged_in",
            {
                "alias": "Car plugged in",
                "description": "Built from the car's device trigger, as the editor does.",
                "triggers": [trigger],
                "conditions": [],
                "actions": [
                    {
                        "event": PLUGGED_EVENT,
                        "event_data": {
                            "device_id": "{{ trigger.device_id }}",
                            "battery_level": "{{ trigger.battery_level }}",
                            "car_time": "{{ trigger.car_time }}",
                        },
                    }
                ],
                # Every car's plug-in runs, also when two come at once.
                "mode": "queued",
            },
        )
        await self.create_automation(
            ha,
            "e2e_charging_finished",
            {
                "alias": "Charging finished",
                "description": "From the charging-finished blueprint.",
                "use_blueprint": {
                    "path": f"{DOMAIN}/charging_finished.yaml",
                    "input": {
                        "car": device_id,
                        "notify_action": "persistent_notification.create",
                    },
                },
            },
        )
        return device_id

    async def create_automation(
        self, ha: HomeAssistant, config_id: str, config: dict[str, Any]
    ) -> None:
        """Save an automation as the editor does; it is on once Home Assistant loaded it."""
        answer = await ha.request(
            "POST", f"/api/config/automation/config/{config_id}", config, ok=False
        )
        if not self.checks.check(
            answer == {"result": "ok"}, f"automation {config_id} saved", answer
        ):
            return
        state: Any = None
        for _ in range(100):
            registry = await ha.ws({"type": "config/entity_registry/list"})
            entity_id = next(
                (
                    e["entity_id"]
                    for e in registry
                    if e["platform"] == "automation" and e["unique_id"] == config_id
                ),
                None,
            )
            if entity_id is not None:
                state = await ha.request("GET", f"/api/states/{entity_id}", ok=False)
                if isinstance(state, dict) and state.get("state") == "on":
                    break
            await asyncio.sleep(0.1)
        self.checks.check(
            isinstance(state, dict) and state.get("state") == "on",
            f"automation {config_id} loaded and on",
            state,
        )

    def drain(self, ha: HomeAssistant) -> list[dict[str, Any]]:
        """`ha.drain_events()`, keeping what the plugged-in automation fired."""
        events = ha.drain_events()
        self.fired += [e["data"] for e in events if e["event_type"] == PLUGGED_EVENT]
        return events

    async def expect_plugged(
        self,
        ha: HomeAssistant,
        step: dict[str, Any],
        devices: dict[str, str],
        since: float,
        before: int,
    ) -> None:
        """The automation ran once per car of a plug-in step, with its battery and time.

        `before`: how many times it had run before the step; `since`: the wall
        clock before the step (the simulator's cars record their changes
        with it).
        """
        want = before + len(step["cars"])
        start = time.monotonic()
        while len(self.fired) < want and time.monotonic() - start < 15:
            await asyncio.sleep(0.1)
            self.drain(ha)
        until = time.time()
        new = self.fired[before:]
        self.checks.check(
            len(new) == len(step["cars"]),
            f"[{step['name']}] the plugged-in automation ran once per car",
            new,
        )
        for car in step["cars"]:
            vid = car["vehicle_id"]
            mine = [e for e in new if e.get("device_id") == devices.get(vid)]
            if not self.checks.check(
                len(mine) == 1, f"[{step['name']}] car {vid[:4]} plugged in once", new
            ):
                continue
            level = _number({"state": str(mine[0].get("battery_level"))})
            self.checks.check(
                level is not None and abs(level - car["soc"]) < 0.6,
                f"[{step['name']}] trigger.battery_level {level} = {car['soc']}",
            )
            try:
                at = datetime.fromisoformat(str(mine[0].get("car_time"))).timestamp()
            except ValueError:
                at = 0.0
            self.checks.check(
                since - 1 <= at <= until + 1,
                f"[{step['name']}] trigger.car_time is when the car plugged in",
                mine[0].get("car_time"),
            )

    async def notifications(self, ha: HomeAssistant, count: int = 0) -> list[str]:
        """The blueprint's notifications (waiting up to 15 s for `count` of them)."""
        found: list[str] = []
        start = time.monotonic()
        while True:
            shown = await ha.ws({"type": "persistent_notification/get"})
            found = [
                f"{n.get('title')}: {n.get('message')}"
                for n in shown
                if str(n.get("message", "")).startswith("Charging")
            ]
            if len(found) >= count or time.monotonic() - start > 15:
                return found
            await asyncio.sleep(0.1)

    # --- controls in the frontend -----------------------------------------------------

    async def start_charging(
        self, ha: HomeAssistant, entities: Entities, vehicle_id: str
    ) -> None:
        """Click the charging switch on the car's device page; the car reports charging."""
        from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415

        from .browser import browser, logged_in_page  # noqa: PLC0415

        switch = entities.controls.get((vehicle_id, "charging"))
        device = await self.device(ha, vehicle_id)
        if not self.checks.check(
            switch is not None and device is not None, "the car has a charging switch"
        ):
            return
        assert device is not None
        # The device page names the switch without the device's name.
        shown = await ha.request("GET", f"/api/states/{switch}")
        device_name = device["name_by_user"] or device["name"] or ""
        name = (
            shown["attributes"].get("friendly_name", "").removeprefix(device_name)
        ).strip()
        async with browser() as chromium:
            page = await logged_in_page(chromium, self.base, ha.tokens)
            await page.goto(f"{self.base}/config/devices/device/{device['id']}")
            # Its row in the Controls card; the toggle's label differs by release.
            # A switch in assumed state (a command not yet confirmed by the car)
            # shows an off and an on button instead of a toggle: the last is "on".
            toggle = (
                page.locator("hui-toggle-entity-row")
                .filter(has_text=name)
                .locator("ha-switch, ha-icon-button")
                .last
            )
            try:
                await toggle.click(timeout=20000)
            except PlaywrightError as err:
                await page.screenshot(path=str(self.work / "failed-switch.png"))
                self.checks.check(
                    False, "the device page shows the charging switch", err
                )
                return
        charging = entities.ids.get((vehicle_id, "charging"), "")
        state: dict[str, Any] | None = None
        for _ in range(150):
            state = await ha.request("GET", f"/api/states/{charging}", ok=False)
            if isinstance(state, dict) and state.get("state") == "on":
                break
            await asyncio.sleep(0.1)
        self.checks.check(
            isinstance(state, dict) and state.get("state") == "on",
            "a click on the device page's charging switch started a charge and the car reported charging",
            state and state.get("state"),
        )

    async def device(self, ha: HomeAssistant, vehicle_id: str) -> dict[str, Any] | None:
        """The integration's device of a vehicle, if any."""
        devices = await ha.ws({"type": "config/device_registry/list"})
        return next(
            (d for d in devices if [DOMAIN, vehicle_id] in d["identifiers"]), None
        )

    async def has_device(self, ha: HomeAssistant, vehicle_id: str) -> bool:
        """Whether a device of the integration exists for a vehicle."""
        for _ in range(20):
            devices = await ha.ws({"type": "config/device_registry/list"})
            found = any([DOMAIN, vehicle_id] in d["identifiers"] for d in devices)
            if found:
                return True
            await asyncio.sleep(0.1)
        return False

    async def options(
        self, ha: HomeAssistant, sim: Simulator, entry_id: str, vehicles: list[str]
    ) -> None:
        """Configure: select exactly `vehicles` (through a menu, if there is one)."""
        path = "/api/config/config_entries/options/flow"
        result = await ha.request("POST", path, {"handler": entry_id})
        for _ in range(5):
            if result["type"] == "menu":
                result = await ha.request(
                    "POST", f"{path}/{result['flow_id']}", {"next_step_id": "vehicles"}
                )
            elif result["type"] == "form" and any(
                field["name"] == "vehicles" for field in result["data_schema"]
            ):
                result = await ha.request(
                    "POST", f"{path}/{result['flow_id']}", {"vehicles": vehicles}
                )
            else:
                break
        self.checks.check(
            result["type"] == "create_entry",
            "options saved the vehicles",
            (result.get("type"), result.get("step_id"), result.get("reason")),
        )

    # --- the browser ------------------------------------------------------------------

    async def browser_flow_start(self, ha: HomeAssistant) -> str | None:
        """Start the flow in the frontend, enter the token, screenshot the verify step."""
        from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415

        from .browser import browser, logged_in_page, shoot  # noqa: PLC0415

        async with browser() as chromium:
            page = await logged_in_page(chromium, self.base, ha.tokens)
            flow_id: str | None = None

            async def on_response(response: Any) -> None:
                nonlocal flow_id
                if response.request.method == "POST" and response.url.endswith(
                    "/api/config/config_entries/flow"
                ):
                    flow_id = (await response.json()).get("flow_id")

            page.on("response", on_response)
            try:
                await page.goto(
                    f"{self.base}/config/integrations/dashboard/add?domain={DOMAIN}"
                )
                # "Do you want to set up Smartcar Webhooks?"
                await page.get_by_role("button", name="OK").click(timeout=20000)
                field = page.locator("input[type=password]")
                await field.fill(DEV_MANAGEMENT_TOKEN, timeout=20000)
                await page.get_by_role("button", name="Submit").click()
                await page.get_by_text("Paste this callback URI").wait_for(
                    timeout=20000
                )
            except PlaywrightError:
                await page.screenshot(path=str(self.work / "failed-flow.png"))
                raise
            await page.wait_for_timeout(500)
            problems = await shoot(page, self.images / "config-flow-verify.png")
            self.checks.check(
                not problems, "verify step shows no raw key or error", problems
            )
            await page.close()
        self.checks.check(flow_id is not None, "the browser started the flow")
        return flow_id

    async def screenshot(
        self,
        ha: HomeAssistant,
        path: str,
        name: str,
        wait_for: str | re.Pattern[str],
        *,
        scroll: bool = False,
    ) -> None:
        """Open a page of the frontend, wait for a text, screenshot it, check it."""
        from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415

        from .browser import browser, logged_in_page, shoot  # noqa: PLC0415

        async with browser() as chromium:
            page = await logged_in_page(chromium, self.base, ha.tokens)
            await page.goto(f"{self.base}{path}")
            shown = page.get_by_text(wait_for).first
            with contextlib.suppress(PlaywrightError):
                await shown.wait_for(timeout=30000)
            self.checks.check(await shown.count() > 0, f"{path} shows {wait_for!r}")
            if scroll:
                with contextlib.suppress(PlaywrightError):
                    await shown.scroll_into_view_if_needed(timeout=5000)
            await page.wait_for_timeout(2000)
            problems = await shoot(page, self.images / name)
            self.checks.check(
                not problems, f"{path} shows no raw key or error", problems
            )

    async def map_screenshot(self, ha: HomeAssistant, tracker: str | None) -> None:
        """The map with the car on it (and in its Devices list, when shown)."""
        from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415

        from .browser import browser, logged_in_page, shoot  # noqa: PLC0415

        async with browser() as chromium:
            page = await logged_in_page(chromium, self.base, ha.tokens)
            state = await ha.request("GET", f"/api/states/{tracker}", ok=False)
            name = (
                state.get("attributes", {}).get("friendly_name")
                if isinstance(state, dict)
                else None
            )
            await page.goto(f"{self.base}/map")
            # The map's side card lists the car under Devices (not on narrow layouts).
            with contextlib.suppress(PlaywrightError):
                await page.get_by_text("Devices", exact=True).click(timeout=15000)
            shown = page.get_by_text(name or "-", exact=True).or_(
                page.get_by_label(name or "-")
            )
            with contextlib.suppress(PlaywrightError):
                await shown.first.wait_for(timeout=20000)
            self.checks.check(
                bool(name) and await shown.count() > 0,
                "the map shows the car",
                name,
            )
            await page.wait_for_timeout(1500)
            problems = await shoot(page, self.images / "map.png")
            self.checks.check(not problems, "/map shows no raw key or error", problems)

    async def device_screenshot(self, ha: HomeAssistant, vehicle_id: str) -> None:
        """The car's device page while it charges."""
        device = await self.device(ha, vehicle_id)
        if self.checks.check(device is not None, "the car has a device"):
            assert device is not None
            await self.screenshot(
                ha,
                f"/config/devices/device/{device['id']}",
                "device.png",
                "Charging state",
            )

    # --- the log ------------------------------------------------------------------------

    def check_log(self) -> None:
        """No error, warning or traceback from the integration; no secret or coordinate."""
        # Both runs: Home Assistant keeps the previous start's log as .log.1.
        text = "\n".join(
            path.read_text(errors="replace")
            for path in (
                self.config / "home-assistant.log.1",
                self.config / "home-assistant.log",
            )
            if path.exists()
        )
        lines = text.splitlines()
        # Home Assistant's loader warns about every custom integration: not ours to fix.
        bad = [
            line
            for line in lines
            if re.match(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ", line)
            and "smartcar_webhooks" in line
            and "We found a custom integration smartcar_webhooks" not in line
            # Issue 19.8: a development set-up is told at every start that its
            # Smartcar URLs point at the simulator; that warning is the point.
            and "Development URL overrides are active" not in line
        ]
        self.checks.check(
            not bad, "no warning or error from the integration in the log", bad[:3]
        )
        tracebacks = [
            block
            for block in re.split(r"\n(?=\d{4}-\d\d-\d\d )", text)
            if "Traceback" in block and "smartcar_webhooks" in block
        ]
        self.checks.check(
            not tracebacks,
            "no traceback from the integration",
            [t[:300] for t in tracebacks[:2]],
        )
        secrets = getattr(self, "secrets", {})
        values = [
            *secrets.get("tokens", []),
            *secrets.get("ids", []),
            *secrets.get("vins", []),
        ]
        leaked = [f"{value[:6]}…" for value in values if value and value in text]
        if (url := secrets.get("webhook_url")) and url.rsplit("/", 1)[-1] in text:
            leaked.append("Home Assistant webhook id")
        leaked += [
            f"a {key}"
            for car in secrets.get("cars", [])
            for key in ("latitude", "longitude")
            if f"{car[key]:.4f}" in text
        ]
        self.checks.check(
            not leaked, "no token, webhook id, VIN or coordinate in the log", leaked
        )


def _blueprint_input_names(path: Path) -> list[str]:
    """The names of a blueprint's inputs, as the editor shows them."""
    from homeassistant.util.yaml import load_yaml_dict  # noqa: PLC0415

    inputs = load_yaml_dict(path)["blueprint"]["input"]
    return [spec["name"] for spec in inputs.values()]


def parse_args() -> argparse.Namespace:
    """Options."""
    parser = argparse.ArgumentParser(prog="scripts/e2e", description=__doc__)
    parser.add_argument("--ha-version", default=os.environ.get("HA_VERSION"))
    parser.add_argument(
        "--format",
        default=os.environ.get("SIM_FORMAT", "both"),
        choices=["2.0", "4.0", "both"],
    )
    parser.add_argument(
        "--screenshots", type=Path, default=None, help="where screenshots go"
    )
    args = parser.parse_args()
    if args.screenshots is None:
        pinned = args.ha_version in (None, "") or args.ha_version == pinned_version()
        args.screenshots = IMAGES if pinned else ROOT / ".e2e" / f"ha-{args.ha_version}"
    return args


def main() -> int:
    """Run once; the exit code."""
    args = parse_args()
    run = Run(args)
    try:
        return asyncio.run(run.main())
    except HarnessError as err:
        print(f"e2e: {err}", file=sys.stderr)
        print(
            f"e2e: {run.checks.passed} passed, {len(run.checks.failed) + 1} failed",
            flush=True,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
