"""scripts/develop: a real Home Assistant with the Smartcar simulator, ready to look at.

Starts the simulator and Home Assistant (127.0.0.1 only, no HTTP setting to
confirm), creates a development login, adds application credentials and the
integration through its real config flow (the simulator answers VERIFY and
Connect), starts a scenario and prints where to look. `--real` skips the
simulator: Home Assistant then talks to Smartcar itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from typing import Any

from .harness import (
    DEV_PASSWORD,
    DEV_USERNAME,
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
    port_is_free,
    prepare_config,
    run_config_flow,
    set_up_energy,
    simulator,
    simulator_env,
    stop_all,
)

CONFIG = ROOT / "config"
VENV = ROOT / ".venv"
RESTART_EXIT_CODE = 100
# Blueprints that act on the car: their demo automations start off (turn one on
# and move the demo sliders to watch it start and stop charging).
ACTING_BLUEPRINTS = {"smartcar_solar_surplus_charging", "smartcar_cheap_charging"}


def parse_args() -> argparse.Namespace:
    """Options (environment variables give the defaults)."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__)
    parser.add_argument(
        "--real",
        action="store_true",
        default=os.environ.get("SMARTCAR_REAL") == "1",
        help="no simulator: develop against the real Smartcar (SMARTCAR_REAL=1)",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("HA_PORT", "8123"))
    )
    parser.add_argument(
        "--sim-port", type=int, default=int(os.environ.get("SIM_PORT", "8124"))
    )
    parser.add_argument(
        "--cars", type=int, default=int(os.environ.get("SIM_CARS", "1"))
    )
    parser.add_argument(
        "--format",
        default=os.environ.get("SIM_FORMAT", "4.0"),
        choices=["2.0", "4.0", "both"],
    )
    parser.add_argument(
        "--speed", type=float, default=float(os.environ.get("SIM_SPEED", "30"))
    )
    parser.add_argument("--scenario", default=os.environ.get("SIM_SCENARIO", "commute"))
    parser.add_argument(  # issue 18.10: today's Smartcar by default
        "--api", default=os.environ.get("SMARTCAR_API", "v3"), choices=["v2", "v3"]
    )
    return parser.parse_args()


def _port(wanted: int, what: str) -> int:
    if port_is_free(wanted):
        return wanted
    port = free_port()
    print(f"scripts/develop: port {wanted} is busy, {what} uses {port}", flush=True)
    return port


async def set_up(
    ha: HomeAssistant, sim: Simulator | None, process: Process, args: argparse.Namespace
) -> str | None:
    """Log in, add the integration (once), start the scenario; the device page path."""
    waited = await ha.wait_until_up(process=process)
    await ha.onboard_or_login()
    await ha.wait_until_running()
    print(f"scripts/develop: Home Assistant answers after {waited:.0f} s", flush=True)
    if sim is None:
        return None
    await ha.add_application_credentials(args.api)
    status = await sim.call("GET", "/sim/status")
    entries = await ha.entries()
    if entries and status["callback_uri"] is None:
        # The simulator forgot the webhook (its state file was removed): start over.
        for entry in entries:
            await ha.request(
                "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}"
            )
        entries = []
    if not entries:
        log = await run_config_flow(ha, sim)
        steps = " -> ".join(step or kind for kind, step in log.steps)
        print(f"scripts/develop: added the integration ({steps})", flush=True)
    await sim.call(
        "POST",
        "/sim/scenario",
        # Where the car was when scripts/develop last stopped.
        {"name": args.scenario, "repeat": True, "format": args.format, "resume": True},
    )
    devices = await ha.ws({"type": "config/device_registry/list"})
    entry_ids = {entry["entry_id"] for entry in await ha.entries()}
    for device in devices:
        if set(device["config_entries"]) & entry_ids:
            await show_off(ha, device)
            return f"/config/devices/device/{device['id']}"
    return None


async def show_off(ha: HomeAssistant, device: dict[str, Any]) -> None:
    """Once: the Energy dashboard, and automations from the car's trigger and every blueprint."""
    vehicle_id = next(i for d, i in device["identifiers"] if d == DOMAIN)
    for _ in range(50):  # the car's first delivery makes its entities
        entities = await car_entities(ha, vehicle_id)
        if "sensor.energy_added" in entities and "sensor.battery_level" in entities:
            break
        await asyncio.sleep(0.2)
    else:
        return
    try:
        prefs = await ha.ws({"type": "energy/get_prefs"})
    except HarnessError:  # none saved yet
        prefs = {}
    if not prefs.get("device_consumption"):
        await set_up_energy(ha, entities)
    existing = {
        e["unique_id"]
        for e in await ha.ws({"type": "config/entity_registry/list"})
        if e["platform"] == "automation"
    }
    automations = {
        "smartcar_plugged_in": {
            "alias": "Car: plugged in",
            "description": "From the car's Plugged in device trigger.",
            "triggers": [
                {
                    "trigger": "device",
                    "domain": DOMAIN,
                    "device_id": device["id"],
                    "type": "plugged_in",
                }
            ],
            "actions": [
                {
                    "action": "persistent_notification.create",
                    "data": {
                        "title": "{{ device_attr(trigger.device_id, 'name') }}",
                        "message": "Plugged in at {{ trigger.battery_level }} %.",
                    },
                }
            ],
        },
        **blueprint_automations(device["id"], entities),
    }
    for config_id, config in automations.items():
        if config_id in existing:
            continue
        off = {"initial_state": False} if config_id in ACTING_BLUEPRINTS else {}
        await ha.request(
            "POST", f"/api/config/automation/config/{config_id}", {**config, **off}
        )


async def run(args: argparse.Namespace) -> int:
    """Start everything, print where to look, keep Home Assistant running."""
    started = time.monotonic()
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    port = _port(args.port, "Home Assistant")
    base = f"http://127.0.0.1:{port}"
    env: dict[str, str] = {}
    sim_process: Process | None = None
    if not args.real:
        sim_port = _port(args.sim_port, "the simulator")
        sim_url = f"http://127.0.0.1:{sim_port}"
        env = simulator_env(sim_url)
        sim_process = simulator(
            port=sim_port,
            deliver_to=base,
            log_path=CONFIG / "smartcar-simulator.log",
            cars=args.cars,
            fmt=args.format,
            speed=args.speed,
            state=CONFIG / ".smartcar-simulator.json",
        )
        sim_process.start()
    hass = home_assistant(VENV, CONFIG, None, env)
    try:
        async with http_session() as session:
            sim = Simulator(session, sim_url) if sim_process is not None else None
            if sim is not None:
                await sim.wait_until_up()
            while True:
                prepare_config(CONFIG, port, VENV / "bin" / "python")
                hass.start()
                ha = HomeAssistant(session, base)
                device_path = await set_up(ha, sim, hass, args)
                await ha.close_ws()
                print(
                    "\n"
                    f"  Home Assistant: {base}  (login {DEV_USERNAME} / {DEV_PASSWORD}, development only)\n"
                    + (
                        f"  The simulated car on the map:  {base}/map\n"
                        f"  Its dashboard:                 {base}/smartcar-car/car\n"
                        + (
                            f"  Its device page:               {base}{device_path}\n"
                            if device_path
                            else ""
                        )
                        + f"  Simulator: {sim_url} (scenario {args.scenario}, {args.format}, speed {args.speed:g}x)\n"
                        if sim is not None
                        else "  No simulator (--real): add the integration with your Smartcar token.\n"
                    )
                    + f"  Ready {time.monotonic() - started:.0f} s after start. Ctrl-C stops.\n",
                    flush=True,
                )
                assert hass.popen is not None
                code = await asyncio.to_thread(hass.popen.wait)
                if code != RESTART_EXIT_CODE:
                    return code
                print("scripts/develop: Home Assistant restarts", flush=True)
    except HarnessError as err:
        print(f"scripts/develop: {err}", file=sys.stderr)
        return 1
    finally:
        stop_all([hass] + ([sim_process] if sim_process is not None else []))


def main() -> int:
    """Run until Ctrl-C or Home Assistant stops."""
    args = parse_args()
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        return asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
