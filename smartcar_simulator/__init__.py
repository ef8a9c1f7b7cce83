"""A Smartcar simulator for development and end-to-end tests (loopback only).

It plays Smartcar's side: webhook VERIFY and signed 2.0/4.0 deliveries of
simulated cars following a scenario, and the Connect + REST API the
integration calls. Nothing here imports Home Assistant or the integration:
the simulator is an independent second implementation of Smartcar's side.
"""

from .cars import Car, ChargeState, make_fleet
from .clock import Clock, ManualClock, RealClock
from .payloads import Delivery, DeliveryFormat, PayloadFactory
from .scenario import SCENARIOS, Player, Step, build_scenario
from .signing import hash_challenge, sign_body

__all__ = [
    "SCENARIOS",
    "Car",
    "ChargeState",
    "Clock",
    "Delivery",
    "DeliveryFormat",
    "ManualClock",
    "PayloadFactory",
    "Player",
    "RealClock",
    "Step",
    "build_scenario",
    "hash_challenge",
    "make_fleet",
    "sign_body",
]
