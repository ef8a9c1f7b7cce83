"""Power cuts, reloads and starts of a real Home Assistant under signed deliveries.

Not a test (it takes minutes): `scripts/powercut` starts a real `hass` on a
temporary configuration with one webhook-only entry and streams signed 4.0
deliveries at it, like Smartcar: 50 cars, each delivery a new car time with
the battery level and the charging cable flipped (so every applied delivery
fires a `plugged_in` or `unplugged` event). Meanwhile it kills Home Assistant
with SIGKILL at random moments and starts it again, and reloads the entry.

Every answer is counted: a JSON 200 is *acknowledged* (Smartcar never sends it
again); Home Assistant's empty 200 (an unknown webhook) is *lost at the door*;
anything else (503, no connection, a timeout) is sent again later, as Smartcar
retries. At the end, after the last start:

- every retry is sent until it is acknowledged;
- after one more SIGKILL, the state file must hold, per car, a reading at
  least as new as every acknowledged delivery (newest wins): else it was lost;
- each event entity's changes (logged by a small probe integration in the
  temporary configuration, appended to a file with every change) must name
  every car time at most once: no automation runs twice.

    scripts/powercut                 # 6 kills and 3 reloads, about 4 minutes
    scripts/powercut --kills 2 --reloads 1 --rate 100
"""

from __future__ import annotations

import argparse
import asyncio
import collections
from dataclasses import dataclass, field
from datetime import datetime
import json
import os
from pathlib import Path
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any
import uuid

from aiohttp import ClientError, ClientSession, ClientTimeout

from smartcar_simulator import sign_body

from .harness import ROOT, free_port

TOKEN = "powercut-management-token"
WEBHOOK_ID = "powercut0123456789abcdef0123456789abcdef0123456789abcdef01234567"
ENTRY_ID = "01POWERCUTENTRY000000000000"
START_MS = 1_765_699_200_000

PROBE_MANIFEST = {
    "domain": "powercut_probe",
    "name": "Powercut probe",
    "codeowners": [],
    "dependencies": ["http"],
    "documentation": "https://example.invalid",
    "iot_class": "local_push",
    "version": "0.0.1",
}
PROBE = '''"""Logs every event entity change to a file; reloads an entry on request."""
import json
import os

from aiohttp import web
from homeassistant.components.http import HomeAssistantView
from homeassistant.const import EVENT_STATE_CHANGED

LOG = os.environ["POWERCUT_EVENTS"]


class Reload(HomeAssistantView):
    url = "/api/powercut_probe/reload/{entry_id}"
    name = "api:powercut_probe:reload"
    requires_auth = False

    async def post(self, request, entry_id):
        hass = request.app["hass"]
        ok = await hass.config_entries.async_reload(entry_id)
        return web.json_response({"ok": ok})


async def async_setup(hass, config):
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def changed(event):
        new, old = event.data["new_state"], event.data["old_state"]
        if (
            new is None or old is None or new.domain != "event"
            or old.state in ("unavailable", "unknown")
            or new.state == old.state or "event_type" not in new.attributes
        ):
            return  # restored (after a reload: from unavailable), removed, not an event
        line = json.dumps([new.entity_id, new.attributes["event_type"],
                           new.attributes.get("car_time")])
        os.write(fd, (line + "\\n").encode())

    hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
    hass.http.register_view(Reload())
    return True
'''
CONFIGURATION = """homeassistant:
  name: powercut
  unit_system: metric
  time_zone: UTC
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  country: NL
  external_url: "https://powercut.example.com"
  internal_url: "http://127.0.0.1:8123"
logger:
  default: warning
webhook:
powercut_probe:
"""


def config_entries() -> dict[str, Any]:
    """core.config_entries with one webhook-only entry."""
    now = "2026-12-01T00:00:00+00:00"
    return {
        "version": 1,
        "minor_version": 5,
        "key": "core.config_entries",
        "data": {
            "entries": [
                {
                    "created_at": now,
                    "data": {"webhook_id": WEBHOOK_ID, "management_token": TOKEN},
                    "disabled_by": None,
                    "discovery_keys": {},
                    "domain": "smartcar_webhooks",
                    "entry_id": ENTRY_ID,
                    "minor_version": 2,
                    "modified_at": now,
                    "options": {},
                    "pref_disable_new_entities": False,
                    "pref_disable_polling": False,
                    "source": "user",
                    "subentries": [],
                    "title": "Smartcar",
                    "unique_id": None,
                    "version": 1,
                }
            ]
        },
    }


def prepare(config: Path, port: int) -> None:
    """A configuration with the integration, the probe and the entry."""
    components = config / "custom_components"
    (components / "powercut_probe").mkdir(parents=True)
    (components / "smartcar_webhooks").symlink_to(
        ROOT / "custom_components" / "smartcar_webhooks", target_is_directory=True
    )
    (components / "powercut_probe" / "manifest.json").write_text(
        json.dumps(PROBE_MANIFEST)
    )
    (components / "powercut_probe" / "__init__.py").write_text(PROBE)
    (config / "configuration.yaml").write_text(CONFIGURATION)
    storage = config / ".storage"
    storage.mkdir()
    (storage / "core.config_entries").write_text(json.dumps(config_entries()))
    (storage / "onboarding").write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["user", "core_config", "analytics", "integration"]},
            }
        )
    )
    subprocess.run(
        [sys.executable, "-m", "scripts.ha_http_storage", str(config), str(port)],
        cwd=ROOT,
        check=True,
    )


@dataclass
class Delivery:
    """One signed delivery and what became of it."""

    car: int
    seq: int
    body: bytes
    delivery_id: str
    plugged: bool
    answers: list[str] = field(default_factory=list)


def make_delivery(car: int, seq: int) -> Delivery:
    """Car `car`'s delivery number `seq`: a newer car time, plug flipped."""
    at = START_MS + seq * 1000
    plugged = seq % 2 == 1
    delivery_id = str(uuid.uuid4())
    vehicle_id = f"00000000-0000-4000-8000-{car:012d}"
    body = {
        "eventId": str(uuid.uuid4()),
        "eventType": "VEHICLE_STATE",
        "data": {
            "user": {"id": "5415f06f-9bb6-474a-abc7-8746a362ef3f"},
            "vehicle": {"id": vehicle_id, "make": "KIA", "model": "EV6", "year": 2023},
            "signals": [
                {
                    "code": "tractionbattery-stateofcharge",
                    "name": "StateOfCharge",
                    "group": "TractionBattery",
                    "body": {"value": seq % 100, "unit": "percent"},
                    "meta": {"oemUpdatedAt": at, "retrievedAt": at + 100},
                    "status": {"value": "SUCCESS"},
                },
                {
                    "code": "charge-ischargingcableconnected",
                    "name": "IsChargingCableConnected",
                    "group": "Charge",
                    "body": {"value": plugged},
                    "meta": {"oemUpdatedAt": at, "retrievedAt": at + 100},
                    "status": {"value": "SUCCESS"},
                },
            ],
        },
        "triggers": [],
        "meta": {
            "deliveryId": delivery_id,
            "deliveredAt": at + 200,
            "version": "4.0",
            "webhookId": "8a326743-4efd-406d-88d6-1c8cb3420e11",
            "webhookName": "Smartcar",
            "mode": "LIVE",
            "signalCount": 2,
        },
    }
    raw = json.dumps(body).encode()
    return Delivery(car, seq, raw, delivery_id, plugged)


@dataclass
class Tally:
    """Every answer of the run."""

    acknowledged: list[Delivery] = field(default_factory=list)
    lost_at_door: list[Delivery] = field(default_factory=list)
    to_retry: list[Delivery] = field(default_factory=list)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    round_trips: list[float] = field(default_factory=list)


class HomeAssistantProcess:
    """`hass` on the temporary configuration, killed and started at will."""

    def __init__(self, config: Path, log: Path, events: Path) -> None:
        """Not started yet."""
        self.config, self.log, self.events = config, log, events
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it; its output goes to the log."""
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "hass"), "--config", str(self.config)],
                cwd=ROOT,
                env={**os.environ, "POWERCUT_EVENTS": str(self.events)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL: what a power cut does to the process (the OS survives)."""
        if self.popen is not None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


async def post(
    session: ClientSession, url: str, delivery: Delivery, tally: Tally
) -> str:
    """Send one delivery; the kind of its answer."""
    headers = {
        "SC-Signature": sign_body(TOKEN, delivery.body),
        "Content-Type": "application/json",
    }
    started = time.perf_counter()
    try:
        async with session.post(url, data=delivery.body, headers=headers) as response:
            text = await response.read()
            status = response.status
    except ClientError, TimeoutError, OSError:
        kind = "no answer"
    else:
        tally.round_trips.append(time.perf_counter() - started)
        if status == 200 and not text:
            kind = "empty 200"
        elif status == 200:
            kind = json.loads(text).get("status", "?")
        else:
            kind = str(status)
    delivery.answers.append(kind)
    return kind


async def wait_until_ours(session: ClientSession, url: str, limit: float) -> float:
    """Seconds until the integration answers (an unsigned POST gets its 401/503)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            async with session.post(url, data=b"{}") as response:
                if response.status == 401:
                    return time.monotonic() - started
        except ClientError, OSError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("Home Assistant did not come up")


async def stream(
    session: ClientSession,
    url: str,
    tally: Tally,
    cars: int,
    rate: float,
    stop: asyncio.Event,
    seqs: list[int],
) -> None:
    """Deliveries at `rate` a second, round-robin over the cars, until `stop`."""
    in_flight: set[asyncio.Task[None]] = set()
    car = 0

    async def one(delivery: Delivery) -> None:
        kind = await post(session, url, delivery, tally)
        tally.statuses[kind] += 1
        if kind in ("ok", "duplicate", "stale"):
            tally.acknowledged.append(delivery)
        elif kind == "empty 200":
            tally.lost_at_door.append(delivery)
        else:
            tally.to_retry.append(delivery)

    while not stop.is_set():
        seqs[car] += 1
        task = asyncio.create_task(one(make_delivery(car, seqs[car])))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        car = (car + 1) % cars
        await asyncio.sleep(1 / rate)
    if in_flight:
        await asyncio.wait(in_flight)


def car_time(delivery: Delivery) -> int:
    """The car time (ms) of a delivery's readings."""
    return START_MS + delivery.seq * 1000


def stored_car_times(config: Path) -> dict[int, int]:
    """Per car, the car time (ms) of the battery level on disk."""
    path = config / ".storage" / f"smartcar_webhooks.{ENTRY_ID}"
    vehicles = json.loads(path.read_text())["data"]["vehicles"]
    times = {}
    for vehicle_id, vehicle in vehicles.items():
        field_state = vehicle["fields"].get("battery_level") or {}
        if recorded := field_state.get("recorded_at"):
            at = datetime.fromisoformat(recorded).timestamp() * 1000
            times[int(vehicle_id.rsplit("-", 1)[1])] = round(at)
    return times


def read_events(path: Path) -> list[tuple[str, str, str | None]]:
    """The probe's log: one line per event entity change."""
    if not path.exists():
        return []
    return [
        tuple(json.loads(line))  # type: ignore[misc]
        for line in path.read_text().splitlines()
        if line.strip()
    ]


async def run(args: argparse.Namespace) -> int:
    """The scenario; prints the figures."""
    rng = random.Random(args.seed)
    base_dir = Path(tempfile.mkdtemp(prefix="powercut-"))
    config, port = base_dir / "config", free_port()
    config.mkdir()
    prepare(config, port)
    events_path = base_dir / "events.jsonl"
    ha = HomeAssistantProcess(config, base_dir / "home-assistant.log", events_path)
    url = f"http://127.0.0.1:{port}/api/webhook/{WEBHOOK_ID}"
    reload_url = f"http://127.0.0.1:{port}/api/powercut_probe/reload/{ENTRY_ID}"
    tally, seqs = Tally(), [0] * args.cars
    print(f"powercut: {base_dir} (log: home-assistant.log)")
    timeout = ClientTimeout(total=10)
    async with ClientSession(timeout=timeout) as session:
        ha.start()
        up = await wait_until_ours(session, url, 300)
        print(f"first start: the integration answered after {up:.1f} s")
        # Every car twice, so that its entities exist and have fired once
        # (a first value is no event) before events are counted.
        warm = Tally()
        for _ in range(2):
            for car in range(args.cars):
                seqs[car] += 1
                await post(session, url, make_delivery(car, seqs[car]), warm)
        await asyncio.sleep(2)
        events_path.write_text("")

        actions = ["kill"] * args.kills + ["reload"] * args.reloads
        rng.shuffle(actions)
        stop = asyncio.Event()
        sender = asyncio.create_task(
            stream(session, url, tally, args.cars, args.rate, stop, seqs)
        )
        starts: list[float] = []
        for action in actions:
            await asyncio.sleep(rng.uniform(args.min_gap, args.max_gap))
            if action == "kill":
                ha.kill()
                print(f"  kill -9 after {len(tally.acknowledged)} acknowledged")
                await asyncio.sleep(rng.uniform(0.5, 2))
                ha.start()
                starts.append(await wait_until_ours(session, url, 300))
            else:
                try:
                    async with session.post(reload_url) as response:
                        print(f"  reload: {response.status}")
                except (ClientError, TimeoutError) as err:
                    print(f"  reload failed: {err!r}")
        await asyncio.sleep(args.max_gap)
        stop.set()
        await sender

        # Smartcar's retries of everything not acknowledged.
        retried = 0
        pending = list(tally.to_retry)
        for _ in range(20):
            if not pending:
                break
            again = []
            for delivery in pending:
                retried += 1
                kind = await post(session, url, delivery, tally)
                if kind in ("ok", "duplicate", "stale"):
                    tally.acknowledged.append(delivery)
                else:
                    again.append(delivery)
            pending = again
            if pending:
                await asyncio.sleep(1)
        # The check: one more power cut, then what is on disk is all that
        # counts. Newest wins per car: every acknowledged delivery must be
        # there, or older than what is there (a car's newest time on disk).
        await asyncio.sleep(1)
        ha.kill()
        on_disk = stored_car_times(config)
        lost = [d for d in tally.acknowledged if car_time(d) > on_disk.get(d.car, -1)]
        ha.start()
        await wait_until_ours(session, url, 300)
        await asyncio.sleep(2)
        ha.stop()

    events = read_events(events_path)
    counted = collections.Counter(events)
    twice = sum(n - 1 for n in counted.values() if n > 1)
    trips = sorted(tally.round_trips)
    p50 = trips[len(trips) // 2] * 1000 if trips else 0.0
    p99 = trips[int(len(trips) * 0.99)] * 1000 if trips else 0.0
    first_answers = collections.Counter(
        d.answers[0] for d in tally.acknowledged + tally.lost_at_door + pending
    )
    print(
        f"deliveries: {sum(first_answers.values())} sent, first answers "
        f"{dict(first_answers)}; retries sent {retried}, left unacknowledged "
        f"{len(pending)}"
    )
    print(
        f"acknowledged {len(tally.acknowledged)}; lost (newer than the car's "
        f"state on disk after a last kill -9): {len(lost)}"
    )
    print(f"lost at Home Assistant's door (its empty 200): {len(tally.lost_at_door)}")
    print(
        f"events: {len(events)} fired, {twice} fired more than once; "
        f"starts until the integration answered: "
        f"{', '.join(f'{s:.1f} s' for s in starts) or '-'}"
    )
    print(f"round trip p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    failed = len(lost) + twice + len(pending)
    if failed:
        print("FAILED")
    if not args.keep:
        shutil.rmtree(base_dir, ignore_errors=True)
    return 1 if failed else 0


def main() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(prog="scripts/powercut", description=__doc__)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--reloads", type=int, default=3)
    parser.add_argument("--cars", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50, help="deliveries a second")
    parser.add_argument("--min-gap", type=float, default=5)
    parser.add_argument("--max-gap", type=float, default=15)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    return asyncio.run(run(parser.parse_args(argv[1:] if (argv := sys.argv) else [])))


if __name__ == "__main__":
    sys.exit(main())
