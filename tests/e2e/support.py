"""The embedded stack with the real default model, for the end-to-end tests."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from tenacity import RetryCallState, retry, retry_if_result, stop_after_attempt, wait_fixed

from prefloop.shared.embedded import LocalStack, ServiceSpec
from prefloop.shared.embedded.broker import free_port

ADMIN = {"X-Admin-Token": "e2e-admin"}
# The end-to-end tests check how the loop behaves (rounds, gate, canary,
# rollback), not how well a recipe learns, which the learning benchmark
# measures; they pin the recipe so tuning its defaults cannot turn them.
E2E_RECIPE = {"PREFLOOP_TRAINER_DPO__REFERENCE": "active", "PREFLOOP_TRAINER_DPO__SFT_WEIGHT": "0"}


@contextmanager
def running_stack(state: Path, env: dict[str, str]) -> Iterator[LocalStack]:
    """Inference, feedback, trainer and console on free ports, on embedded Postgres and
    broker whatever the caller's environment says; prints log tails at the end."""
    services = [
        ServiceSpec("inference", "prefloop.inference", free_port()),
        ServiceSpec("feedback", "prefloop.feedback", free_port()),
        ServiceSpec("trainer", "prefloop.trainer", free_port()),
        ServiceSpec("console", "prefloop.console", free_port()),
    ]
    base_env = {
        "PREFLOOP_DATABASE_URL": "",
        "PREFLOOP_KAFKA_BOOTSTRAP_SERVERS": "",
        "PREFLOOP_ADAPTER_STORE": "",
        "PREFLOOP_ADMIN_TOKEN": ADMIN["X-Admin-Token"],
        "PREFLOOP_TRAINER_FEEDBACK_URL": next(s.url for s in services if s.name == "feedback"),
        # rounds start on demand, once the test's feedback is in
        "PREFLOOP_TRAINER_MIN_NEW_PAIRS": "100000",
        "PREFLOOP_TRAINER_COOLDOWN_S": "0",
    }
    local = LocalStack(state, services=services, env={**base_env, **env})
    try:
        local.start()
        yield local
    finally:
        local.stop()
        for name in ("inference", "feedback", "trainer", "console"):
            log = state / "logs" / f"{name}.log"
            if log.exists():
                print(f"--- {name} log tail ---\n" + "\n".join(log.read_text().splitlines()[-15:]))


def clients(stack: LocalStack) -> tuple[httpx.Client, httpx.Client, httpx.Client]:
    inference, feedback, trainer = (
        httpx.Client(base_url=stack.url(n), timeout=300) for n in ("inference", "feedback", "trainer")
    )
    return inference, feedback, trainer


def pairs_waiting(trainer: httpx.Client) -> float:
    metrics = trainer.get("/metrics").text
    found = re.search(r"^prefloop_pairs_waiting (\S+)$", metrics, flags=re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _last_response(state: RetryCallState) -> httpx.Response:
    assert state.outcome is not None  # tenacity has an outcome before any callback
    response: httpx.Response = state.outcome.result()
    return response


def _warn_of_retry(state: RetryCallState) -> None:
    warnings.warn(f"inference answered 503 and was asked again: {_last_response(state).text}", stacklevel=1)


@retry(
    retry=retry_if_result(lambda response: response.status_code == 503),
    stop=stop_after_attempt(3),
    wait=wait_fixed(1),
    before_sleep=_warn_of_retry,
    retry_error_callback=_last_response,  # the last answer, for `suggest` to report
)
def _post_suggestions(inference: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return inference.post("/v1/suggestions", json=body)


def suggest(inference: httpx.Client, **body: Any) -> dict[str, Any]:
    """A served set, asked for as the API tells clients to: a 503 means try
    again (each retry shows as a warning in the run); any other failure fails
    the test with the service's own words."""
    response = _post_suggestions(inference, body)
    assert response.status_code == 200, f"{response.status_code} from inference: {response.text}"
    served: dict[str, Any] = response.json()
    return served
