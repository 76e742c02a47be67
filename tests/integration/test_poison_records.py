"""A poison record on each consumed topic, in the middle of a stream of valid
ones, against the real broker and Postgres: every valid record behind it is
consumed, the bad one lands in the topic's DLQ with why and where from, and
consumption goes on. Built with the project's own encoder, as a buggy or
hostile producer would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from prefloop.feedback.app import create_app as feedback_app
from prefloop.feedback.settings import FeedbackSettings
from prefloop.inference.app import create_app as inference_app
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.adapters import AdapterStore
from prefloop.shared.events import ADAPTERS, FEEDBACK, SUGGESTIONS, AdapterEvent, AdapterEventType, encode
from prefloop.shared.kafka import KafkaEventPublisher
from prefloop.trainer.app import create_app as trainer_app
from prefloop.trainer.settings import TrainerSettings
from tests.conftest import make_lora_adapter
from tests.integration.conftest import eventually, query, read_topic
from tests.integration.test_feedback_service import served_set
from tests.integration.test_trainer import feedback

VALID = 60  # before the poison, and as many after it


def dead_letters(bootstrap: str, topic: str) -> list[dict[str, bytes]]:
    return [dict(record.headers) for record in read_topic(bootstrap, f"{topic}.dlq", decode_events=False)]


@pytest.fixture
def trainer(database_url: str, bootstrap: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = TrainerSettings(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        adapter_store=tmp_path / "store",
        min_new_pairs=10**6,
    )
    with TestClient(trainer_app(settings)) as client:
        eventually(lambda: client.get("/readyz").status_code == 200, timeout_s=60, what="readiness")
        yield client


def test_a_feedback_event_the_trainer_cannot_store_goes_to_the_dlq(
    trainer: TestClient, publisher: KafkaEventPublisher, database_url: str, bootstrap: str
) -> None:
    events = [feedback(idea=f"dish {i}") for i in range(2 * VALID)]
    poison = feedback(idea="poison")
    poison = type(poison)(**{**poison.__dict__, "feedback_id": "not-a-uuid"})
    for i, event in enumerate(events):
        if i == VALID:
            publisher.publish_raw(FEEDBACK.name, poison.suggestion_set_id, encode(poison))
        publisher.publish(FEEDBACK.name, event.suggestion_set_id, event)
    stored = "SELECT count(*) AS n FROM feedback_events"
    eventually(
        lambda: query(database_url, "trainer", stored)[0]["n"] == 2 * VALID, timeout_s=60, what="all valid"
    )
    [headers] = eventually(lambda: dead_letters(bootstrap, FEEDBACK.name), what="the poison in the DLQ")
    assert headers["reason"] == b"undecodable"
    assert b"feedback_id is not a UUID" in headers["error"]
    assert headers["origin"].startswith(FEEDBACK.name.encode())
    assert trainer.get("/readyz").status_code == 200


def test_served_sets_that_would_fail_their_insert_go_to_the_dlq(
    database_url: str, bootstrap: str, publisher: KafkaEventPublisher
) -> None:
    settings = FeedbackSettings(database_url=database_url, kafka_bootstrap_servers=bootstrap)
    with TestClient(feedback_app(settings)) as client:
        eventually(lambda: client.get("/readyz").status_code == 200, timeout_s=60, what="readiness")
        sets = [served_set() for _ in range(2 * VALID)]
        nul = served_set()
        nul = type(nul)(**{**nul.__dict__, "idea": "cats\0dogs"})  # decodes, but Postgres refuses NUL
        # decodes and passes every check, then fails in the handler: a date no datetime holds
        far = served_set()
        far = type(far)(**{**far.__dict__, "served_at_ms": 10**17})
        for i, served in enumerate(sets):
            if i == VALID:
                publisher.publish_raw(SUGGESTIONS.name, nul.suggestion_set_id, encode(nul))
                publisher.publish_raw(SUGGESTIONS.name, far.suggestion_set_id, encode(far))
            publisher.publish(SUGGESTIONS.name, served.suggestion_set_id, served)
        stored = "SELECT count(*) AS n FROM suggestion_sets"
        eventually(
            lambda: query(database_url, "feedback", stored)[0]["n"] == 2 * VALID,
            timeout_s=90,
            what="all valid",
        )
        eventually(lambda: len(dead_letters(bootstrap, SUGGESTIONS.name)) == 2, timeout_s=60, what="the DLQ")
        letters = {h["reason"]: h["error"] for h in dead_letters(bootstrap, SUGGESTIONS.name)}
        assert b"idea contains a control character (NUL)" in letters[b"undecodable"]
        assert letters[b"handler_failed"].startswith(b"ValueError")
        assert client.get("/readyz").status_code == 200
        # and served sets after them still arrive
        late = served_set()
        publisher.publish(SUGGESTIONS.name, late.suggestion_set_id, late)
        eventually(
            lambda: query(database_url, "feedback", stored)[0]["n"] == 2 * VALID + 1, what="a set after them"
        )


def test_an_adapter_event_inference_cannot_take_goes_to_the_dlq(
    bootstrap: str, publisher: KafkaEventPublisher, tmp_path: Path, tiny_model_dir: Path
) -> None:
    store = AdapterStore(tmp_path / "store")
    store.write(
        "v1",
        make_lora_adapter(tiny_model_dir, tmp_path / "lora"),
        parent=None,
        base_model=str(tiny_model_dir),
    )
    settings = InferenceSettings(
        kafka_bootstrap_servers=bootstrap,
        adapter_store=store.root,
        base_model=str(tiny_model_dir),
        max_new_tokens=8,
    )
    poison = AdapterEvent(AdapterEventType.ACTIVATED, "v\x001", str(tiny_model_dir), path="v1", at_ms=1)
    good = AdapterEvent(
        AdapterEventType.ACTIVATED, "v1", str(tiny_model_dir), path="v1", at_ms=int(time.time() * 1000)
    )
    publisher.publish_raw(ADAPTERS.name, "v1", encode(poison))
    publisher.publish(ADAPTERS.name, "v1", good)
    with TestClient(inference_app(settings)) as client:
        eventually(lambda: client.get("/v1/models").json()["active_version"] == "v1", timeout_s=60, what="v1")
        [headers] = eventually(lambda: dead_letters(bootstrap, ADAPTERS.name), what="the poison in the DLQ")
        assert b"control character (NUL)" in headers["error"]
