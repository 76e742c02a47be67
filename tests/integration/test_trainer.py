"""The trainer against the real Postgres and broker: pairs, dedupe, erasure,
and a real DPO round (TRL + PEFT) on a tiny model."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient

from prefloop.shared.adapters import AdapterStore
from prefloop.shared.db import apply_migrations, open_pool
from prefloop.shared.events import (
    ADAPTERS,
    FEEDBACK,
    AdapterEvent,
    AdapterEventType,
    FeedbackAction,
    FeedbackRecorded,
    ServedSuggestion,
    UserErased,
)
from prefloop.shared.kafka import KafkaEventPublisher
from prefloop.trainer.app import MIGRATIONS, SCHEMA, create_app
from prefloop.trainer.settings import TrainerSettings
from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.rounds import RoundPolicy, RoundRunner
from tests.integration.conftest import eventually, query, read_topic

ADMIN = "admin-secret"
TINY_DPO = DPOHyperparameters(epochs=1, batch_size=4, max_length=64, lora_r=4, lora_alpha=8)


def feedback(
    user_id: str | None = "u1", action: FeedbackAction = FeedbackAction.ACCEPT, idea: str = "pasta"
) -> FeedbackRecorded:
    shown = tuple(ServedSuggestion(str(uuid.uuid4()), i, f"Hype title {i}!!!", "base") for i in range(3))
    return FeedbackRecorded(
        feedback_id=str(uuid.uuid4()),
        suggestion_set_id=str(uuid.uuid4()),
        action=action,
        idea=f"how to cook {idea} at home",
        prompt_template_version="v1",
        chosen_text=None if action == FeedbackAction.REJECT_ALL else f"Cooking {idea} at home, simply",
        chosen_model_version="base",
        rejected=shown,
        user_id=user_id,
        recorded_at_ms=int(time.time() * 1000),
    )


@pytest.fixture
def trainer_client(database_url: str, bootstrap: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = TrainerSettings(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        admin_token=ADMIN,
        adapter_store=tmp_path / "store",
        min_new_pairs=10_000,  # no automatic round in these tests
    )
    with TestClient(create_app(settings)) as client:
        eventually(lambda: client.get("/readyz").status_code == 200, timeout_s=60, what="readiness")
        yield client


def pair_count(database_url: str) -> int:
    return int(query(database_url, SCHEMA, "SELECT count(*) AS n FROM pairs")[0]["n"])


def test_feedback_becomes_pairs_once_even_when_delivered_twice(
    trainer_client: TestClient, publisher: KafkaEventPublisher, database_url: str, bootstrap: str
) -> None:
    accepted, rejected_all = feedback(), feedback(action=FeedbackAction.REJECT_ALL)
    for event in (accepted, accepted, rejected_all):
        publisher.publish(FEEDBACK.name, event.suggestion_set_id, event)
    eventually(
        lambda: len(query(database_url, SCHEMA, "SELECT 1 FROM feedback_events")) == 2,
        what="two feedback events",
    )
    assert pair_count(database_url) == 3
    publisher.publish_raw(FEEDBACK.name, "x", b"\x0a\x03abc\xff")
    later = feedback()
    publisher.publish(FEEDBACK.name, later.suggestion_set_id, later)
    eventually(lambda: pair_count(database_url) == 6, what="consumption to go on past a bad payload")
    assert eventually(lambda: read_topic(bootstrap, FEEDBACK.dlq, decode_events=False), what="a DLQ entry")


def test_an_erased_user_loses_their_pairs_and_stays_out(
    trainer_client: TestClient, publisher: KafkaEventPublisher, database_url: str
) -> None:
    for event in (feedback("gone"), feedback("kept")):
        publisher.publish(FEEDBACK.name, event.suggestion_set_id, event)
    eventually(lambda: pair_count(database_url) == 6, what="six pairs")
    publisher.publish(FEEDBACK.name, "gone", UserErased("gone", 0))
    eventually(lambda: pair_count(database_url) == 3, what="the erased user's pairs to go")
    # Same key, same partition: once the marker is stored, the late one was seen.
    late, marker = feedback("gone"), feedback("kept")
    publisher.publish(FEEDBACK.name, "same-key", late)
    publisher.publish(FEEDBACK.name, "same-key", marker)
    eventually(lambda: pair_count(database_url) == 6, what="the marker's pairs")
    users = {r["user_id"] for r in query(database_url, SCHEMA, "SELECT user_id FROM pairs")}
    assert users == {"kept"}

    export = trainer_client.get("/v1/pairs/export", params={"source": "true"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert len(lines) == 6  # the erased user's pairs stay out of the dataset
    first = lines[0]
    assert [m["role"] for m in first["prompt"]] == ["system", "user"]
    assert "how to cook" in first["prompt"][1]["content"]
    assert first["chosen"] == [{"role": "assistant", "content": first["chosen"][0]["content"]}]
    assert first["rejected"][0]["role"] == "assistant"
    assert first["source"]["action"] == "accept"
    assert "source" not in trainer_client.get("/v1/pairs/export").text.splitlines()[0]


def test_version_names_with_control_characters_are_refused_by_name(trainer_client: TestClient) -> None:
    admin = {"X-Admin-Token": ADMIN}
    for response in (
        trainer_client.get("/v1/adapters/%00"),
        trainer_client.post("/v1/adapters/%00/activate", headers=admin),
        trainer_client.post("/v1/adapters/v%07/retire", headers=admin),
    ):
        assert response.status_code == 422
        assert response.json()["detail"].startswith("version contains a control character")
    big = trainer_client.post(
        "/v1/adapters/rollback",
        headers={**admin, "content-type": "application/json"},
        content=b" " * 5_000_000,
    )
    assert big.status_code == 413


def test_on_demand_runs_need_the_admin_token_and_pairs(trainer_client: TestClient) -> None:
    assert trainer_client.post("/v1/training/runs").status_code == 401
    response = trainer_client.post("/v1/training/runs", headers={"X-Admin-Token": ADMIN})
    assert response.status_code == 409
    assert "no new pairs" in response.json()["detail"]
    assert trainer_client.get("/v1/training/runs").json() == []
    assert trainer_client.get("/v1/adapters/active").status_code == 404
    status = trainer_client.get("/v1/training/status").json()
    assert status == {
        "paused": False,
        "running": False,
        "waiting_pairs": 0,
        "min_new_pairs": 10_000,
        "next_round": "when 10000 more pairs arrive",
    }


@pytest.fixture
def runner(database_url: str, tmp_path: Path, tiny_model_dir: Path) -> Iterator[RoundRunner]:
    apply_migrations(database_url, SCHEMA, MIGRATIONS)
    pool = open_pool(database_url, SCHEMA)
    from prefloop.shared.kafka import Record
    from prefloop.trainer.pairs.consumer import FeedbackEventsHandler

    handler = FeedbackEventsHandler(pool)
    handler([Record(FEEDBACK.name, None, feedback(idea=f"dish {i}")) for i in range(6)])
    yield RoundRunner(
        pool,
        AdapterStore(tmp_path / "store"),
        base_model="tiny",
        base_model_path=lambda: str(tiny_model_dir),
        policy=RoundPolicy(
            min_new_pairs=18, cooldown_s=0, eval_fraction=0.3, max_round_pairs=100, gate=False, replay_pairs=5
        ),
        hyperparameters=TINY_DPO,
    )
    pool.close()


def test_a_round_trains_stores_registers_and_announces_a_version(
    runner: RoundRunner, database_url: str, tmp_path: Path
) -> None:
    run_id = runner.tick()
    assert run_id is not None
    [run] = query(database_url, SCHEMA, "SELECT * FROM training_runs")
    assert run["status"] == "succeeded", run["error"]
    assert run["train_pairs"] + run["eval_pairs"] == 18
    version = run["version"]
    store = AdapterStore(tmp_path / "store")
    assert store.validate(version, "tiny", max_rank=8)
    [adapter] = query(database_url, SCHEMA, "SELECT * FROM adapters")
    assert (adapter["version"], adapter["status"]) == (version, "active")
    assert query(database_url, SCHEMA, "SELECT count(*) AS n FROM pairs WHERE round_id IS NULL")[0]["n"] == 0
    outbox = query(database_url, SCHEMA, "SELECT topic, key FROM outbox ORDER BY id")
    assert outbox == [{"topic": ADAPTERS.name, "key": version}] * 2
    assert runner.tick() is None  # nothing new: no round
    # which feedback it trained on (ids only) and the side each idea was given, kept
    trained = query(database_url, SCHEMA, "SELECT count(DISTINCT feedback_id) AS n FROM round_feedback")
    sides = query(
        database_url, SCHEMA, "SELECT held_out, count(*) AS n FROM idea_sides GROUP BY 1 ORDER BY 1"
    )
    assert [(s["held_out"], s["n"]) for s in sides] == [(False, trained[0]["n"]), (True, 6 - trained[0]["n"])]


def test_too_few_pairs_start_a_round_once_the_maximum_interval_has_passed(
    runner: RoundRunner, database_url: str
) -> None:
    import dataclasses

    runner._policy = dataclasses.replace(runner._policy, min_new_pairs=1000, max_interval_s=3600)
    assert runner.tick() is None  # 18 pairs wait, too few, and the interval has not passed
    runner._policy = dataclasses.replace(runner._policy, max_interval_s=0.01)
    time.sleep(0.02)
    assert runner.tick() is not None
    [run] = query(database_url, SCHEMA, "SELECT trigger, status FROM training_runs")
    assert run == {"trigger": "max_interval", "status": "succeeded"}


def test_the_next_round_warm_starts_from_the_active_version(runner: RoundRunner, database_url: str) -> None:
    from prefloop.shared.kafka import Record
    from prefloop.trainer.pairs.consumer import FeedbackEventsHandler

    runner.tick()
    first = query(database_url, SCHEMA, "SELECT version FROM adapters")[0]["version"]
    FeedbackEventsHandler(runner._pool)([Record(FEEDBACK.name, None, feedback(idea="soup"))])
    runner.request()
    runner.tick()
    adapters = {r["version"]: r for r in query(database_url, SCHEMA, "SELECT * FROM adapters")}
    [second] = [v for v in adapters if v != first]
    assert adapters[second]["parent"] == first
    window = adapters[second]["manifest"]["data_window"]
    assert window["replayed_pairs"] == 5  # replay_pairs of the fixture's policy
    assert window["train_pairs"] + window["held_out_pairs"] == 3 + 5
    # the replayed ideas kept the side the first round gave them
    sides = {r["idea_hash"]: r["held_out"] for r in query(database_url, SCHEMA, "SELECT * FROM idea_sides")}
    assert len(sides) == 7
    assert adapters[second]["status"] == "active"
    assert adapters[first]["status"] == "retired"


def test_pairs_beyond_a_rounds_limit_wait_for_the_next_round(runner: RoundRunner, database_url: str) -> None:
    import dataclasses

    runner._policy = dataclasses.replace(runner._policy, max_round_pairs=12, min_new_pairs=6)
    runner.tick()
    waiting = query(database_url, SCHEMA, "SELECT id FROM pairs WHERE round_id IS NULL ORDER BY id")
    used = query(database_url, SCHEMA, "SELECT id FROM pairs WHERE round_id IS NOT NULL ORDER BY id")
    assert (len(used), len(waiting)) == (12, 6)
    assert max(r["id"] for r in waiting) < min(r["id"] for r in used)  # the newest train first
    runner.tick()
    assert query(database_url, SCHEMA, "SELECT count(*) AS n FROM pairs WHERE round_id IS NULL")[0]["n"] == 0
    runs = query(database_url, SCHEMA, "SELECT train_pairs + eval_pairs AS n FROM training_runs ORDER BY id")
    assert [r["n"] for r in runs] == [12, 6 + 5]  # the second round also replays 5 used pairs


def test_a_failed_round_leaves_no_version(runner: RoundRunner, database_url: str, tmp_path: Path) -> None:
    runner._base_model_path = lambda: str(tmp_path / "missing-model")
    runner.tick()
    [run] = query(database_url, SCHEMA, "SELECT * FROM training_runs")
    assert run["status"] == "failed"
    assert run["error"]
    assert query(database_url, SCHEMA, "SELECT * FROM adapters") == []
    assert AdapterStore(tmp_path / "store").versions() == []


def test_recovery_marks_an_interrupted_round_failed(
    runner: RoundRunner, database_url: str, tmp_path: Path
) -> None:
    import psycopg

    with psycopg.connect(database_url, options=f"-c search_path={SCHEMA}") as conn:
        conn.execute("INSERT INTO training_runs (trigger, status) VALUES ('new_pairs', 'running')")
    (tmp_path / "store").mkdir(exist_ok=True)
    (tmp_path / "store" / ".tmp-v9-123").mkdir()
    runner.recover()
    [run] = query(database_url, SCHEMA, "SELECT * FROM training_runs")
    assert run["status"] == "failed"
    assert "interrupted" in run["error"]
    assert not (tmp_path / "store" / ".tmp-v9-123").exists()


def test_adapter_events_reach_the_topic_in_order(runner: RoundRunner, bootstrap: str) -> None:
    from prefloop.shared.outbox import OutboxRelay

    runner.tick()
    publisher = KafkaEventPublisher(bootstrap, "relay-test")
    try:
        OutboxRelay(runner._pool, publisher, "trainer").drain()
    finally:
        publisher.close()
    events = eventually(lambda: read_topic(bootstrap, ADAPTERS.name), what="adapter events")
    assert [e.type for e in events] == [AdapterEventType.PUBLISHED, AdapterEventType.ACTIVATED]
    assert all(isinstance(e, AdapterEvent) and e.base_model == "tiny" for e in events)


def test_a_starting_trainer_restates_what_serves_for_a_topic_that_lost_it(
    trainer_client: TestClient, database_url: str, bootstrap: str, tmp_path: Path
) -> None:
    """The registry says v1 serves and v2 is on canary, but the adapters topic
    holds none of it (a broker restarted without its state): a trainer that
    starts announces both again, so new inference replicas serve them."""
    assert not read_topic(bootstrap, ADAPTERS.name), "the empty registry restates nothing"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO trainer.adapters (version, base_model, status, manifest) VALUES "
            "('v1', 'tiny', 'active', '{}'), ('v2', 'tiny', 'canary', '{}'), ('v0', 'tiny', 'retired', '{}')"
        )
    settings = TrainerSettings(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        adapter_store=tmp_path / "store",
        base_model="tiny",
        min_new_pairs=10_000,
        canary_fraction=0.25,
    )
    with TestClient(create_app(settings)):
        events = eventually(
            lambda: found if len(found := read_topic(bootstrap, ADAPTERS.name)) >= 2 else None,
            what="the restated serving state",
        )
    assert [(e.type, e.version, e.canary_fraction) for e in events] == [
        (AdapterEventType.ACTIVATED, "v1", 0.0),
        (AdapterEventType.CANARY, "v2", 0.25),
    ]


def test_a_candidate_that_loses_the_gate_is_rejected_and_the_active_version_stays(
    runner: RoundRunner, database_url: str
) -> None:
    import dataclasses

    from prefloop.shared.kafka import Record
    from prefloop.trainer.pairs.consumer import FeedbackEventsHandler
    from prefloop.trainer.training.evaluate import PreferenceScore
    from prefloop.trainer.training.recipe import RoundResult, train_and_assess

    runner.tick()  # gate off: the first version becomes active
    [first] = query(database_url, SCHEMA, "SELECT version FROM adapters")

    def worse_candidate(*args: Any, **kwargs: Any) -> RoundResult:
        # The real round, with the evaluation outcome pinned: the candidate loses.
        result = train_and_assess(*args, **kwargs)
        pinned = dataclasses.replace(
            result.assessment,
            candidate_score=PreferenceScore(accuracy=0.4, margin=-0.1, pairs=6),
            active_score=PreferenceScore(accuracy=0.6, margin=0.2, pairs=6),
        )
        return dataclasses.replace(result, assessment=pinned)

    runner._trainer = worse_candidate
    runner._policy = dataclasses.replace(runner._policy, gate=True)
    FeedbackEventsHandler(runner._pool)(
        [Record(FEEDBACK.name, None, feedback(idea=f"stew {i}")) for i in range(3)]
    )
    runner.request()
    runner.tick()
    adapters = {r["version"]: r for r in query(database_url, SCHEMA, "SELECT * FROM adapters")}
    [second] = [v for v in adapters if v != first["version"]]
    assert adapters[second]["status"] == "rejected"
    assert "does not beat the active version's 0.600" in adapters[second]["reason"]
    assert adapters[first["version"]]["status"] == "active"
    run = query(database_url, SCHEMA, "SELECT * FROM training_runs ORDER BY id DESC LIMIT 1")[0]
    assert run["status"] == "succeeded"
    assert run["metrics"]["gate"]["candidate"]["accuracy"] == 0.4
    events = query(database_url, SCHEMA, "SELECT key FROM outbox ORDER BY id")
    assert [e["key"] for e in events][-2:] == [second, second]  # published, then rejected


def test_the_real_gate_scores_both_versions_on_the_held_out_pairs(
    runner: RoundRunner, database_url: str
) -> None:
    import dataclasses

    runner._policy = dataclasses.replace(runner._policy, gate=True, gate_sets=4, gate_set_size=2)
    runner.tick()
    [run] = query(database_url, SCHEMA, "SELECT * FROM training_runs")
    gate = run["metrics"]["gate"]
    assert gate["candidate"]["pairs"] == gate["active"]["pairs"] == run["eval_pairs"] > 0
    # At least 4 sets on the same held-out ideas (each drawn more than once when
    # fewer than 4 are held out), each of 2 + 2 oversampled drafts, then the
    # service's retries while titles are missing.
    health = run["metrics"]["health"]
    assert set(health) == {"candidate", "base"}  # a first version has no parent but base
    assert health["candidate"]["sets"] == health["base"]["sets"] >= 4
    for drawn in health.values():
        assert drawn["sampled"] >= 4 * drawn["sets"]
        assert drawn["full_sets"] <= drawn["sets"]
        # Drafts beyond the first attempt only where a set was still short.
        assert drawn["sampled"] == 4 * drawn["sets"] or drawn["usable"] < drawn["sampled"]
    [adapter] = query(database_url, SCHEMA, "SELECT * FROM adapters")
    assert adapter["status"] in ("active", "rejected")
    assert (adapter["status"] == "rejected") == (run["error"] is not None)


def test_a_gated_candidate_goes_to_canary_and_the_judge_promotes_or_rolls_it_back(
    runner: RoundRunner, database_url: str
) -> None:
    import dataclasses

    from prefloop.shared.kafka import Record
    from prefloop.shared.statistics import wilson_interval
    from prefloop.trainer.canary.judge import CanaryJudge, CanaryPolicy
    from prefloop.trainer.pairs.consumer import FeedbackEventsHandler

    runner.tick()  # gate off, no canary: the first version becomes active
    [first] = query(database_url, SCHEMA, "SELECT version FROM adapters")
    runner._policy = dataclasses.replace(runner._policy, canary_fraction=0.2)
    handler = FeedbackEventsHandler(runner._pool)

    def next_round(tag: str) -> str:
        handler([Record(FEEDBACK.name, None, feedback(idea=f"{tag} {i}")) for i in range(3)])
        runner.request()
        runner.tick()
        row = query(
            database_url, SCHEMA, "SELECT version, status FROM adapters ORDER BY created_at DESC LIMIT 1"
        )[0]
        assert row["status"] == "canary"
        return str(row["version"])

    results: dict[str, tuple[int, int]] = {}

    def win_rates() -> list[dict[str, object]]:
        out = []
        for candidate, (wins, n) in results.items():
            i = wilson_interval(wins, n)
            out.append(
                {
                    "candidate": candidate,
                    "decisions": n,
                    "win_rate": i.rate,
                    "win_rate_lower": i.lower,
                    "win_rate_upper": i.upper,
                }
            )
        return out

    judge = CanaryJudge(runner._pool, win_rates, "tiny", CanaryPolicy(min_decisions=30))
    losing = next_round("soup")
    assert judge.tick() is None  # no decisions yet
    results[losing] = (6, 40)
    assert judge.tick() == "rollback"
    winning = next_round("salad")
    results[winning] = (32, 40)
    assert judge.tick() == "promote"
    status = {r["version"]: r["status"] for r in query(database_url, SCHEMA, "SELECT * FROM adapters")}
    assert status == {first["version"]: "retired", losing: "rolled_back", winning: "active"}
    events = [r["key"] for r in query(database_url, SCHEMA, "SELECT key FROM outbox ORDER BY id")]
    assert events[-2:] == [winning, winning]  # canary, then activated


def slip(idea: str) -> FeedbackRecorded:
    """A user who, this once, picked a shouted title over calm ones."""
    import dataclasses

    event = feedback(idea=idea)
    calm = tuple(
        dataclasses.replace(shown, text=f"Cooking {idea} at home, simply, take {shown.index}")
        for shown in event.rejected
    )
    return dataclasses.replace(event, chosen_text="Hype title 9!!!", rejected=calm)


def test_rounds_leave_out_the_pairs_a_reward_fitted_on_other_ideas_disagrees_with(
    runner: RoundRunner, database_url: str
) -> None:
    import dataclasses

    from prefloop.shared.kafka import Record
    from prefloop.trainer.pairs.consumer import FeedbackEventsHandler
    from prefloop.trainer.training.recipe import RoundPlan, RoundResult, train_and_assess

    events = [feedback(idea=f"soup {i}") for i in range(14)] + [slip(f"stew {i}") for i in range(4)]
    FeedbackEventsHandler(runner._pool)([Record(FEEDBACK.name, None, e) for e in events])
    trained: list[Any] = []

    def recording(plan: RoundPlan[Any], *args: Any, **kwargs: Any) -> RoundResult:
        trained.extend(plan.train)
        return train_and_assess(plan, *args, **kwargs)

    runner._trainer = recording
    runner._policy = dataclasses.replace(runner._policy, reward_filter_min_pairs=10, max_round_pairs=200)
    runner.request()
    runner.tick()
    run = query(database_url, SCHEMA, "SELECT * FROM training_runs ORDER BY id DESC LIMIT 1")[0]
    assert run["status"] == "succeeded", run["error"]
    assert trained
    assert all("!!!" not in p.chosen for p in trained)
    agreed = run["metrics"]["agreed_pairs"]
    assert agreed["kept"] == len(trained) == run["train_pairs"]
    assert agreed["of"] > agreed["kept"]  # the slips that fell on the training side


def test_a_version_that_starts_serving_short_sets_is_rolled_back_automatically(
    runner: RoundRunner, database_url: str
) -> None:
    from prefloop.trainer.registry.serving_watch import ServingPolicy, ServingWatch

    runner.tick()  # gate off: the first version becomes active over base
    [first] = query(database_url, SCHEMA, "SELECT version FROM adapters")
    version = str(first["version"])
    counts = {"base": {"full": 50, "short": 1, "failed": 0}, version: {"full": 40, "short": 0, "failed": 0}}
    watch = ServingWatch(runner._pool, lambda: counts, "tiny", ServingPolicy(min_sets=20))
    assert watch.tick() is None  # first sight: what it served before is not held against it
    counts[version] = {"full": 50, "short": 5, "failed": 0}
    assert watch.tick() is None  # 15 sets since first sight, 5 short: too few to judge
    counts[version] = {"full": 58, "short": 12, "failed": 4}  # 16 of 34 since, against base's 2%
    assert watch.tick() == version
    adapters = {r["version"]: r for r in query(database_url, SCHEMA, "SELECT * FROM adapters")}
    assert adapters[version]["status"] == "rolled_back"
    assert adapters[version]["reason"].startswith("rolled back automatically: 16 of 34 sets")
    events = query(database_url, SCHEMA, "SELECT key FROM outbox ORDER BY id")
    assert [e["key"] for e in events][-2:] == [version, "base"]  # rolled back, base activated
    assert watch.tick() is None  # base serves: nothing to roll back


def test_a_canary_that_writes_no_usable_titles_is_ended_by_the_serving_watch(database_url: str) -> None:
    """Such a canary never shows in an interleaved set, so users' choices could
    never judge it: its own sets, counted by inference, end it instead."""
    from prefloop.trainer.registry.serving_watch import ServingPolicy, ServingWatch

    apply_migrations(database_url, SCHEMA, MIGRATIONS)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO trainer.adapters (version, base_model, status, manifest) VALUES "
            "('v1', 'tiny', 'active', '{}'), ('v2', 'tiny', 'canary', '{}')"
        )
    counts = {
        "base": {"full": 50, "short": 0, "failed": 0},
        "v1": {"full": 60, "short": 1, "failed": 0},
        "v2": {"full": 0, "short": 0, "failed": 0},
    }
    with open_pool(database_url, SCHEMA) as pool:
        watch = ServingWatch(pool, lambda: counts, "tiny", ServingPolicy(min_sets=20))
        assert watch.tick() is None  # first sight of both
        counts["v2"] = {"full": 2, "short": 3, "failed": 7}
        assert watch.tick() is None  # 12 sets on canary: too few to judge
        counts["v1"] = {"full": 90, "short": 1, "failed": 0}  # the active version serves well
        counts["v2"] = {"full": 3, "short": 4, "failed": 23}
        assert watch.tick() == "v2"
        assert watch.tick() is None  # no canary left to judge
    status = {r["version"]: r for r in query(database_url, SCHEMA, "SELECT * FROM adapters")}
    assert status["v1"]["status"] == "active"
    assert status["v2"]["status"] == "rolled_back"
    assert status["v2"]["reason"].startswith(
        "rolled back automatically: 27 of 30 sets since it went on canary"
    )
    events = query(database_url, SCHEMA, "SELECT key FROM outbox ORDER BY id")
    assert [e["key"] for e in events] == ["v2"]  # the canary ended; v1 keeps serving
