"""`python -m prefloop.simulator --minutes N`: send simulated traffic."""

from __future__ import annotations

import argparse

from prefloop.shared.observability import configure_logging
from prefloop.shared.settings import load_settings
from prefloop.simulator.client import PrefloopClient
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.traffic import Traffic


def main() -> None:
    parser = argparse.ArgumentParser(description="simulated users for a running prefloop")
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    configure_logging("simulator")
    settings = load_settings(SimulatorSettings)
    key = settings.api_keys[0] if settings.api_keys else None
    client = PrefloopClient(settings.inference_url, settings.feedback_url, key)
    try:
        counts = Traffic(settings, client).run(args.minutes * 60)
    finally:
        client.close()
    print(dict(counts))


if __name__ == "__main__":
    main()
