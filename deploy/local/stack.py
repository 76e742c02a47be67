"""`make up` / `make demo`: the whole prefloop loop on this machine.

Starts embedded Postgres and the Tansu broker unless PREFLOOP_DATABASE_URL /
PREFLOOP_KAFKA_BOOTSTRAP_SERVERS point elsewhere, creates the topics, starts
the services (inference, feedback, trainer, console) and waits for them to be ready. With --demo, simulated
users send traffic and a status line shows the loop turning. Ctrl-C stops
everything. Local state lives in .prefloop/.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from prefloop.shared.embedded import LocalStack
from prefloop.shared.observability import configure_logging
from prefloop.simulator.benchmark import run_benchmark, summary
from prefloop.simulator.client import PrefloopClient
from prefloop.simulator.evaluate import fetch_timeline, served_title, write_chart
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste_family import taste_named
from prefloop.simulator.traffic import Traffic
from prefloop.trainer.settings import TrainerSettings

log = logging.getLogger("prefloop.stack")


def _get(url: str) -> Any:
    try:
        response = httpx.get(url, timeout=5)
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def status_line(stack: LocalStack, started: float) -> str:
    models = _get(f"{stack.url('inference')}/v1/models") or {}
    stats = _get(f"{stack.url('feedback')}/v1/stats") or {}
    runs = _get(f"{stack.url('trainer')}/v1/training/runs") or []
    versions = stats.get("versions", [])
    served = sum(v["sets_served"] for v in versions)
    feedback = sum(v["feedback"] for v in versions)
    rates = ", ".join(
        f"{v['model_version']}={v['acceptance_rate']:.2f}"
        if v["acceptance_rate"] is not None
        else f"{v['model_version']}=-"
        for v in versions
    )
    done = [r for r in runs if r["status"] == "succeeded"]
    running = any(r["status"] == "running" for r in runs)
    last = done[0]["metrics"].get("eval_rewards/accuracies") if done else None
    accuracy = f"{last:.2f}" if isinstance(last, float) else "-"
    return (
        f"[{time.monotonic() - started:6.0f}s] sets {served:4d} | feedback {feedback:4d} | "
        f"acceptance {rates or '-'} | rounds {len(done)}{' (training)' if running else ''} "
        f"reward acc {accuracy} | active {models.get('active_version', '?')}"
    )


def pairs_waiting(stack: LocalStack) -> int:
    try:
        metrics = httpx.get(f"{stack.url('trainer')}/metrics", timeout=5).text
    except httpx.HTTPError:
        return 0
    found = re.search(r"^prefloop_pairs_waiting (\S+)$", metrics, flags=re.MULTILINE)
    return int(float(found.group(1))) if found else 0


def settle_training(stack: LocalStack, started: float, deadline: float) -> None:
    """Once the events are in, let the trainer learn from them: finish the
    running round and run one on the pairs still waiting, within the time
    budget. When users send faster than rounds train, the last events would
    otherwise never reach the version the benchmark measures."""
    min_pairs = TrainerSettings().min_new_pairs
    while True:
        runs = _get(f"{stack.url('trainer')}/v1/training/runs") or []
        if not any(r["status"] == "running" for r in runs) and pairs_waiting(stack) < min_pairs:
            return
        if time.monotonic() >= deadline:
            print("time budget spent before training settled", flush=True)
            return
        print(status_line(stack, started), flush=True)
        time.sleep(10)


def run_demo(stack: LocalStack, minutes: float, max_events: int | None) -> None:
    settings = SimulatorSettings(inference_url=stack.url("inference"), feedback_url=stack.url("feedback"))
    client = PrefloopClient(settings.inference_url, settings.feedback_url)
    traffic = Traffic(settings, client)
    thread = threading.Thread(target=traffic.run, args=(minutes * 60, max_events), daemon=True)
    started = time.monotonic()
    thread.start()
    first_activation: float | None = None
    try:
        while thread.is_alive():
            line = status_line(stack, started)
            print(line, flush=True)
            if first_activation is None and "active base" not in line and "active ?" not in line:
                first_activation = time.monotonic() - started
                print(f"==> first adapter active after {first_activation:.0f} s", flush=True)
            thread.join(10)
    finally:
        traffic.stop()
        client.close()
    print(f"simulated traffic: {dict(traffic.counts)}")
    settle_training(stack, started, deadline=started + minutes * 60)
    print(status_line(stack, started))
    run_learning_benchmark(stack)


def run_learning_benchmark(stack: LocalStack) -> None:
    """End the demo with the learning benchmark on the held-out ideas."""
    models = _get(f"{stack.url('inference')}/v1/models") or {}
    version = models.get("active_version", "base")
    if version == "base":
        print("no adapter became active: no learning benchmark (run longer: MINUTES=20 make demo)")
        return
    print(f"==> learning benchmark: {version} against base on the held-out ideas")
    with httpx.Client(base_url=stack.url("inference"), timeout=300) as client:
        _, held_out = split_ideas()
        taste = taste_named(SimulatorSettings().taste)  # the judge is the users' own taste
        result = run_benchmark(held_out, version, lambda idea, v: served_title(client, idea, v), taste)
    print(summary(result))
    if result.duels:
        chart = stack.state_dir / "benchmark.png"
        write_chart(result, chart, fetch_timeline(stack.url("feedback")))
        print(f"chart: {chart}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demo", action="store_true", help="also run simulated users with a status line")
    parser.add_argument("--minutes", type=float, default=10.0, help="demo length")
    parser.add_argument("--events", type=int, default=None, help="stop the demo after this many feedbacks")
    parser.add_argument("--state-dir", type=Path, default=Path(".prefloop"))
    args = parser.parse_args()
    configure_logging("stack")
    # `kill` stops the services too, as Ctrl-C does, instead of leaving them running
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    stack = LocalStack(args.state_dir)
    try:
        stack.start()
        for spec in stack.services:
            print(f"  {spec.name:9s} {spec.url}  (OpenAPI {spec.url}/schema, metrics {spec.url}/metrics)")
        print(f"  logs in {args.state_dir / 'logs'}; Ctrl-C stops everything")
        print(f"==> open the console to label titles and steer versions: {stack.url('console')}", flush=True)
        if args.demo:
            run_demo(stack, args.minutes, args.events)
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping…")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
