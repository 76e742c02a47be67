"""The trainer's ops API with real rounds on a tiny model: activate any
version, roll back, pause and resume; every change is an AdapterEvent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from prefloop.shared.events import ADAPTERS, FEEDBACK, AdapterEventType, UserErased
from prefloop.shared.kafka import KafkaEventPublisher
from prefloop.trainer.app import create_app
from prefloop.trainer.settings import TrainerSettings
from tests.integration.conftest import eventually, read_topic
from tests.integration.test_trainer import TINY_DPO, feedback

ADMIN = {"X-Admin-Token": "ops-secret"}


@pytest.fixture
def client(database_url: str, bootstrap: str, tmp_path: Path, tiny_model_dir: Path) -> Iterator[TestClient]:
    settings = TrainerSettings(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        admin_token=ADMIN["X-Admin-Token"],
        adapter_store=tmp_path / "store",
        base_model=str(tiny_model_dir),
        min_new_pairs=9,
        cooldown_s=0,
        poll_interval_s=0.5,
        dpo=TINY_DPO,
        gate=False,  # the gate has its own tests; here every round must activate
    )
    with TestClient(create_app(settings)) as test_client:
        eventually(lambda: test_client.get("/readyz").status_code == 200, timeout_s=60, what="readiness")
        yield test_client


def send_feedback(publisher: KafkaEventPublisher, count: int, tag: str) -> None:
    for i in range(count):
        event = feedback(idea=f"{tag} {i}")
        publisher.publish(FEEDBACK.name, event.suggestion_set_id, event)


def active(client: TestClient) -> str:
    response = client.get("/v1/adapters/active")
    return str(response.json()["version"]) if response.status_code == 200 else "base"


def test_operators_activate_and_roll_back_versions(
    client: TestClient, publisher: KafkaEventPublisher, bootstrap: str
) -> None:
    send_feedback(publisher, 3, "first")
    first = eventually(
        lambda: None if active(client) == "base" else active(client), timeout_s=120, what="round 1"
    )
    send_feedback(publisher, 3, "second")
    second = eventually(
        lambda: None if active(client) in ("base", first) else active(client), timeout_s=120, what="round 2"
    )
    detail = client.get(f"/v1/adapters/{second}").json()
    assert detail["parent"] == first
    assert detail["activated_from"] == first
    assert detail["manifest"]["files"]

    assert client.post("/v1/adapters/rollback").status_code == 401
    rolled = client.post("/v1/adapters/rollback", headers=ADMIN, json={"reason": "worse titles"})
    assert rolled.status_code == 200
    assert rolled.json() == {"rolled_back": second, "active": first}
    assert client.get(f"/v1/adapters/{second}").json()["status"] == "rolled_back"

    assert client.post(f"/v1/adapters/{second}/activate", headers=ADMIN).json() == {"active": second}
    assert client.post("/v1/adapters/base/activate", headers=ADMIN).status_code == 200
    assert active(client) == "base"
    assert (
        client.post("/v1/adapters/rollback", headers=ADMIN).status_code == 409
    )  # base serves: nothing to undo

    missing = client.post("/v1/adapters/v404/activate", headers=ADMIN)
    assert missing.status_code == 404
    assert "'v404'" in missing.json()["detail"]

    events = eventually(
        lambda: (
            [(e.type, e.version) for e in read_topic(bootstrap, ADAPTERS.name)][-4:]
            if len(read_topic(bootstrap, ADAPTERS.name)) >= 8
            else None
        ),
        what="the adapter events of every change",
    )
    assert events == [
        (AdapterEventType.ROLLED_BACK, second),
        (AdapterEventType.ACTIVATED, first),
        (AdapterEventType.ACTIVATED, second),
        (AdapterEventType.ACTIVATED, "base"),
    ]


def test_paused_training_starts_no_round_until_resumed(
    client: TestClient, publisher: KafkaEventPublisher
) -> None:
    assert client.post("/v1/training/pause").status_code == 401
    assert client.post("/v1/training/pause", headers=ADMIN).json() == {"paused": True}
    send_feedback(publisher, 3, "paused")
    eventually(
        lambda: client.post("/v1/training/runs", headers=ADMIN).status_code == 202, what="pairs to arrive"
    )
    assert client.get("/v1/training/runs").json() == []
    assert client.post("/v1/training/resume", headers=ADMIN).json() == {"paused": False}
    eventually(lambda: active(client) != "base", timeout_s=120, what="a round after resume")


def test_a_version_says_it_learned_from_erased_data_and_a_round_from_base_leaves_it_behind(
    client: TestClient, publisher: KafkaEventPublisher
) -> None:
    gone = [feedback(user_id=None, idea=f"erased {i}") for i in range(3)]  # no user id on the event
    for event in gone:
        publisher.publish(FEEDBACK.name, event.suggestion_set_id, event)
    tainted = eventually(
        lambda: None if active(client) == "base" else active(client), timeout_s=120, what="round 1"
    )
    assert client.get(f"/v1/adapters/{tainted}").json()["learned_from_erased"] == []

    # the feedback service names the erased feedback by id, whatever user the events carried
    erased = UserErased("someone", 1, tuple(e.feedback_id for e in gone))
    publisher.publish(FEEDBACK.name, "someone", erased)
    lineage = eventually(
        lambda: client.get(f"/v1/adapters/{tainted}").json()["learned_from_erased"], what="the erasure"
    )
    [(version, count)] = [(e["version"], e["erased_feedback"]) for e in lineage]
    assert version == tainted
    assert 0 < count <= len(gone)  # the ones on the training side of the split

    refused = client.post(f"/v1/adapters/{tainted}/retire", headers=ADMIN, json={"reason": "erased data"})
    assert refused.status_code == 409
    assert "roll it back" in refused.json()["detail"]

    client.post("/v1/training/pause", headers=ADMIN)  # the next round is the one asked for
    kept = [feedback(idea=f"kept {i}") for i in range(3)]
    for event in kept:
        publisher.publish(FEEDBACK.name, event.suggestion_set_id, event)
    eventually(lambda: client.get("/v1/training/status").json()["waiting_pairs"] >= 9, what="new pairs")
    asked = client.post(
        "/v1/training/runs", headers=ADMIN, json={"reason": "leave erased data", "from_base": True}
    )
    assert asked.status_code == 202
    client.post("/v1/training/resume", headers=ADMIN)
    clean = eventually(
        lambda: None if active(client) in ("base", tainted) else active(client),
        timeout_s=120,
        what="the round",
    )
    detail = client.get(f"/v1/adapters/{clean}").json()
    assert detail["parent"] is None
    assert detail["learned_from_erased"] == []
    assert client.get("/v1/training/runs").json()[0]["trigger"] == "on_demand_from_base"
    retired = client.post(f"/v1/adapters/{tainted}/retire", headers=ADMIN, json={"reason": "erased data"})
    assert retired.status_code == 200
    assert retired.json()["status"] == "retired"
