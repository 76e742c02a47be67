"""The whole loop through HTTP and Kafka with the real default model:
suggestions -> feedback -> pairs -> a small DPO round -> activation ->
suggestions served by the new version."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import pytest

from prefloop.shared.embedded import LocalStack
from prefloop.simulator.benchmark import run_benchmark, summary
from prefloop.simulator.evaluate import served_title
from prefloop.simulator.ideas import split_ideas
from tests.e2e.support import ADMIN, E2E_RECIPE, clients, pairs_waiting, running_stack, suggest
from tests.integration.conftest import eventually

pytestmark = pytest.mark.e2e

IDEAS = [
    "how I fixed my sourdough starter after it died in winter",
    "budget travel in Japan for two weeks on trains and hostels",
    "building a raspberry pi weather station for the garden",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {
        "PREFLOOP_TRAINER_DPO__EPOCHS": "1",
        "PREFLOOP_TRAINER_DPO__BATCH_SIZE": "8",
        **E2E_RECIPE,
        # three ideas leave one held-out idea: too few pairs for a meaningful
        # gate, which test_operations covers; here the loop must turn
        "PREFLOOP_TRAINER_GATE": "false",
    }
    with running_stack(tmp_path_factory.mktemp("stack"), env) as local:
        yield local


def test_feedback_trains_an_adapter_that_then_serves(stack: LocalStack) -> None:
    started = time.monotonic()
    inference, feedback, trainer = clients(stack)

    feedback_ids, expected_pairs = [], 0
    for idea in IDEAS:
        body = suggest(inference, idea=idea, n=4, user_id="e2e")
        assert body["model_version"] == "base"
        texts = [s["text"] for s in body["suggestions"]]
        # the real model usually yields four clean titles; pairs need two
        assert 2 <= len(texts) <= 4
        assert len({t.casefold() for t in texts}) == len(texts)
        assert all("\n" not in t and t.strip() == t for t in texts)
        accepted = feedback.post(
            "/v1/feedback",
            json={
                "suggestion_set_id": body["suggestion_set_id"],
                "action": "accept",
                "suggestion_id": body["suggestions"][0]["id"],
                "user_id": "e2e",
            },
        )
        assert accepted.status_code in (201, 202), accepted.text
        feedback_ids.append(accepted.json()["feedback_id"])
        expected_pairs += len(texts) - 1  # the accepted title over each other shown title
    served_at = time.monotonic()

    def recorded(feedback_id: str) -> bool:
        return bool(feedback.get(f"/v1/feedback/{feedback_id}").json()["status"] == "recorded")

    for feedback_id in feedback_ids:
        eventually(partial(recorded, feedback_id), timeout_s=120, what="feedback to be recorded")

    eventually(
        lambda: pairs_waiting(trainer) >= expected_pairs,
        timeout_s=120,
        what=f"{expected_pairs} pairs at the trainer",
    )
    started_round = trainer.post("/v1/training/runs", headers=ADMIN)
    assert started_round.status_code == 202, started_round.text

    def active_version() -> str | None:
        version = inference.get("/v1/models").json()["active_version"]
        return None if version == "base" else str(version)

    version = eventually(active_version, timeout_s=900, what="an adapter to become active")
    activated_at = time.monotonic()

    [run] = trainer.get("/v1/training/runs").json()
    assert run["status"] == "succeeded"
    assert run["version"] == version
    assert trainer.get("/v1/adapters/active").json()["version"] == version

    tuned = suggest(inference, idea="learning to juggle five balls in thirty days", n=4)
    assert tuned["model_version"] == version
    assert len(tuned["suggestions"]) >= 1

    pinned = suggest(inference, idea=IDEAS[0], n=2, model_version="base")
    assert pinned["model_version"] == "base"

    stats = {v["model_version"]: v for v in feedback.get("/v1/stats").json()["versions"]}
    assert stats["base"]["accepted"] == 3

    # A small learning benchmark through the same path `make eval` takes.
    result = run_benchmark(split_ideas()[1][:3], version, lambda idea, v: served_title(inference, idea, v))
    assert len(result.duels) + result.skipped == 3
    assert result.duels, "no held-out idea got a title from both versions"
    assert "win rate" in summary(result)
    print(
        f"\nE2E: served+feedback {served_at - started:.0f} s, first activation after "
        f"{activated_at - started:.0f} s, round {run['train_pairs']}+{run['eval_pairs']} pairs, "
        f"{run['metrics'].get('steps')} steps at {run['metrics'].get('seconds_per_step', 0):.1f} s/step, "
        f"total {time.monotonic() - started:.0f} s"
    )
