"""scripts/e2e, the API v3 path (issue 18.10): set up, subscribe, command, confirm, remove.

Runs after the v2.0 phases removed their entry: API credentials replace the
legacy ones, a fresh entry goes through the real flow (Application ID, Connect
with the user id, the vehicle pick, a Management API subscription), the
charging switch is clicked on the car's device page and a delivery confirms
it, and removing the entry unsubscribes through the Management API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .harness import (
    DEV_API_CLIENT_ID,
    DEV_API_CLIENT_SECRET,
    DOMAIN,
    HomeAssistant,
    Simulator,
    run_config_flow,
)

if TYPE_CHECKING:
    from .e2e import Run

MAX_STEPS = 200


def _saw(requests: list[dict[str, Any]], method: str, prefix: str) -> bool:
    """Whether the simulator saw a request with the application token under a path."""
    return any(
        r["method"] == method and r["path"].startswith(prefix) and r["auth"] == "app"
        for r in requests
    )


async def _use_api_credentials(ha: HomeAssistant) -> None:
    """Replace the legacy application credentials with the API credentials."""
    for item in await ha.ws({"type": "application_credentials/list"}):
        if item["domain"] == DOMAIN:
            await ha.ws(
                {
                    "type": "application_credentials/delete",
                    "application_credentials_id": item["id"],
                }
            )
    await ha.ws(
        {
            "type": "application_credentials/create",
            "domain": DOMAIN,
            "client_id": DEV_API_CLIENT_ID,
            "client_secret": DEV_API_CLIENT_SECRET,
            "name": "Smartcar simulator (API v3)",
        }
    )


async def v3_phases(run: Run, ha: HomeAssistant, sim: Simulator) -> None:
    """The v3 path, checked step by step."""
    from .e2e import Entities  # noqa: PLC0415

    checks = run.checks
    await _use_api_credentials(ha)
    status = await sim.call("GET", "/sim/status")
    car1 = status["cars"][0]["vehicle_id"]
    before = len(await sim.call("GET", "/sim/requests"))

    log = await run_config_flow(ha, sim, pick=[car1])
    steps = [step for _, step in log.steps]
    checks.check(
        "application" in steps, "v3: the flow asked for the Application ID", steps
    )
    requests = (await sim.call("GET", "/sim/requests"))[before:]
    checks.check(
        _saw(requests, "GET", "/v3/connections"),
        "v3: the user came from the connections",
    )
    checks.check(
        _saw(requests, "POST", "/v3/subscriptions"),
        "v3: the car was subscribed through the Management API",
    )
    entries = await ha.entries()
    checks.check(len(entries) == 1, "v3: one entry", entries)
    run.timer.lap("v3: set up through Connect with API credentials")

    entities = Entities(ha)
    await sim.call("POST", "/sim/scenario", {"name": "commute", "background": False})
    for _ in range(MAX_STEPS):
        if (step := await sim.call("POST", "/sim/step")) is None:
            checks.check(False, "v3: the scenario reaches plugged in")
            return
        if step["name"] == "plugged in" and step["cars"]:
            await entities.states([car1])
            await run.start_charging(ha, entities, car1)
            break
    requests = (await sim.call("GET", "/sim/requests"))[before:]
    checks.check(
        _saw(requests, "POST", f"/v3/vehicles/{car1}/commands/charge/start"),
        "v3: the device page's switch sent the v3 command with the application token",
    )
    run.timer.lap("v3: a command from the device page, confirmed by a delivery")

    entry_id = entries[0]["entry_id"]
    await ha.request("DELETE", f"/api/config/config_entries/entry/{entry_id}")
    requests = (await sim.call("GET", "/sim/requests"))[before:]
    checks.check(
        _saw(requests, "DELETE", "/v3/subscriptions/"),
        "v3: removing the entry unsubscribed through the Management API",
    )
    run.timer.lap("v3: removal")
