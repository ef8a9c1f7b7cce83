"""Command line: `python -m smartcar_simulator serve|play|verify`.

- `serve`: Connect, the REST API and the control API on a loopback port.
- `play`: play a scenario to a callback URI (a webhook-only set-up).
- `verify`: send one VERIFY to a callback URI and check the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
from pathlib import Path
import signal
import sys

from aiohttp import ClientSession, web

from .payloads import DeliveryFormat
from .scenario import SCENARIOS
from .simulator import Settings, Simulator
from .webhooks import delivery_url, ensure_loopback

_LOGGER = logging.getLogger("smartcar_simulator")


def _emit(document: object) -> None:
    """One JSON line on stdout: what scripts read."""
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token",
        required=True,
        help="Application Management Token (signs deliveries, answers VERIFY)",
    )
    parser.add_argument(
        "--format",
        default="4.0",
        choices=[f.value for f in DeliveryFormat],
        help="webhook format(s) to deliver (default 4.0)",
    )
    parser.add_argument(
        "--cars", type=int, default=1, help="number of cars (default 1)"
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=20.0,
        help="scenario seconds per real second (default 20)",
    )
    parser.add_argument(
        "--scenario",
        default="commute",
        choices=sorted(SCENARIOS),
        help="what the cars do (default commute)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="fixes ids and VINs (default 1)"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m smartcar_simulator", description=__doc__
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="Connect + REST + control API")
    _common(serve)
    serve.add_argument("--port", type=int, default=8124)
    serve.add_argument("--host", default="127.0.0.1", help="a loopback address")
    serve.add_argument("--client-id", default="simulator-client-id")
    serve.add_argument("--client-secret", default="simulator-client-secret")
    serve.add_argument(
        "--api-client-id", default="client_simulator", help="v3 API credentials"
    )
    serve.add_argument("--api-client-secret", default="simulator-api-secret")
    serve.add_argument(
        "--auto-subscribe",
        action="store_true",
        help="v3: the webhook subscribes every connected vehicle by itself",
    )
    serve.add_argument(
        "--deliver-to",
        help="loopback base URL that callback URIs are delivered to, their path "
        "kept (e.g. http://127.0.0.1:8123 for https://example.com/api/webhook/ID)",
    )
    serve.add_argument("--state", type=Path, help="keep tokens and subscriptions here")
    serve.add_argument(
        "--page-size", type=int, default=50, help="vehicles per page (max 50)"
    )

    play = commands.add_parser("play", help="play a scenario to a callback URI")
    _common(play)
    play.add_argument("--target", required=True, help="callback URI (loopback)")
    play.add_argument("--repeat", action="store_true", help="play for ever")
    play.add_argument(
        "--no-verify", action="store_true", help="skip the VERIFY before playing"
    )

    verify = commands.add_parser("verify", help="send VERIFY to a callback URI")
    verify.add_argument("--token", required=True)
    verify.add_argument("--target", required=True, help="callback URI (loopback)")
    verify.add_argument("--version", default="4.0", choices=["2.0", "4.0"])
    return parser.parse_args(argv)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(
        token=args.token,
        cars=args.cars,
        fmt=DeliveryFormat(args.format),
        speed=args.speed,
        seed=args.seed,
        scenario=args.scenario,
    )


async def serve(args: argparse.Namespace) -> None:
    """Serve until interrupted."""
    ensure_loopback(f"http://{args.host}/")
    settings = _settings(args)
    settings.client_id, settings.client_secret = args.client_id, args.client_secret
    settings.api_client_id = args.api_client_id
    settings.api_client_secret = args.api_client_secret
    settings.auto_subscribe = args.auto_subscribe
    settings.state_file = args.state
    settings.page_size = max(1, min(args.page_size, 50))
    if args.deliver_to:
        ensure_loopback(args.deliver_to)
        settings.deliver_to = args.deliver_to
    sim = Simulator(settings)
    from .api import create_app  # noqa: PLC0415 - aiohttp's web app only when serving

    runner = web.AppRunner(create_app(sim), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    _emit(
        {
            "listening": f"http://{args.host}:{args.port}",
            "webhook_id": sim.webhook_id,
            "vehicles": [car.vehicle_id for car in sim.cars],
        }
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


async def play(args: argparse.Namespace) -> int:
    """Verify (unless told not to), then play the scenario to the target."""
    settings = _settings(args)
    settings.deliver_unsubscribed = True
    ensure_loopback(args.target)
    sim = Simulator(settings)
    try:
        if not args.no_verify:
            result = await sim.verify(args.target)
            _emit({"verify": result.describe()})
            if not result.ok:
                return 1
        else:
            sim.callback_uri = args.target
        player = sim.start_player(repeat=args.repeat)
        while (step := await player.play_next(wait=True)) is not None:
            statuses = [status for _delivery, status in step.sent]
            _emit({"step": step.step.name, "statuses": statuses})
    finally:
        await sim.close()
    return 0


async def verify(args: argparse.Namespace) -> int:
    """One VERIFY; exit 0 when answered correctly."""
    sim = Simulator(Settings(token=args.token))
    async with ClientSession() as session:
        from .webhooks import WebhookSender  # noqa: PLC0415

        sender = WebhookSender(
            session,
            token=args.token,
            url=delivery_url(args.target, None),
            clock=sim.clock,
        )
        result = await sender.verify(sim.factory, args.version)
    _emit(result.describe())
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    """Run a command; the exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        if args.command == "serve":
            asyncio.run(serve(args))
            return 0
        if args.command == "play":
            return asyncio.run(play(args))
        return asyncio.run(verify(args))
    return 130


if __name__ == "__main__":
    sys.exit(main())
