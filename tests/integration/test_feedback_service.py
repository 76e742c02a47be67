"""The feedback service against the real Postgres and broker."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from prefloop.feedback.app import create_app
from prefloop.feedback.sets.consumer import ServedSetsHandler
from prefloop.feedback.settings import FeedbackSettings
from prefloop.shared.db import open_pool
from prefloop.shared.events import (
    FEEDBACK,
    SUGGESTIONS,
    FeedbackAction,
    FeedbackRecorded,
    ServedSuggestion,
    SuggestionsServed,
    UserErased,
)
from prefloop.shared.kafka import KafkaEventPublisher, Record
from prefloop.shared.outbox import prune_sent
from tests.integration.conftest import eventually, query, read_topic

ADMIN = "admin-secret"


def served_set(model_version: str = "base", user_id: str | None = "u1") -> SuggestionsServed:
    texts = ["Reviving a Dead Sourdough Starter", "Sourdough in Winter", "My Starter Died", "Bread Again"]
    return SuggestionsServed(
        suggestion_set_id=str(uuid.uuid4()),
        idea="how I fixed my sourdough starter",
        prompt_template_version="v1",
        model_version=model_version,
        user_id=user_id,
        suggestions=tuple(
            ServedSuggestion(str(uuid.uuid4()), i, t, model_version) for i, t in enumerate(texts)
        ),
        served_at_ms=int(time.time() * 1000),
    )


@pytest.fixture
def client(database_url: str, bootstrap: str) -> Iterator[TestClient]:
    settings = FeedbackSettings(
        database_url=database_url, kafka_bootstrap_servers=bootstrap, admin_token=ADMIN, pending_ttl_s=3.0
    )
    with TestClient(create_app(settings)) as test_client:
        eventually(lambda: test_client.get("/readyz").status_code == 200, timeout_s=60, what="readiness")
        yield test_client


def publish_and_wait(publisher: KafkaEventPublisher, database_url: str, served: SuggestionsServed) -> None:
    publisher.publish(SUGGESTIONS.name, served.suggestion_set_id, served)
    eventually(
        lambda: query(
            database_url, "feedback", "SELECT 1 FROM suggestion_sets WHERE id = %s", served.suggestion_set_id
        ),
        what="the served set in Postgres",
    )


def feedback_events(bootstrap: str) -> list[Any]:
    return list(read_topic(bootstrap, FEEDBACK.name))


def test_accept_is_recorded_once_and_published_self_contained(
    client: TestClient,
    publisher: KafkaEventPublisher,
    database_url: str,
    bootstrap: str,
) -> None:
    served = served_set()
    publish_and_wait(publisher, database_url, served)
    body = {
        "feedback_id": str(uuid.uuid4()),
        "suggestion_set_id": served.suggestion_set_id,
        "action": "accept",
        "suggestion_id": served.suggestions[1].id,
        "user_id": "u1",
    }
    first = client.post("/v1/feedback", json=body)
    assert first.status_code == 201
    assert first.json()["status"] == "recorded"
    replay = client.post("/v1/feedback", json=body)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    changed = client.post("/v1/feedback", json={**body, "user_id": "someone-else"})
    assert changed.status_code == 409
    assert "different body" in changed.json()["detail"]
    second = client.post(
        "/v1/feedback", json={"suggestion_set_id": served.suggestion_set_id, "action": "reject_all"}
    )
    assert second.status_code == 409
    assert "already has feedback" in second.json()["detail"]

    events = eventually(lambda: feedback_events(bootstrap), what="FeedbackRecorded on Kafka")
    [event] = events
    assert isinstance(event, FeedbackRecorded)
    assert event.action == FeedbackAction.ACCEPT
    assert event.chosen_text == "Sourdough in Winter"
    assert event.idea == served.idea
    assert sorted(s.text for s in event.rejected) == sorted(
        s.text for s in served.suggestions if s.text != "Sourdough in Winter"
    )
    assert (
        query(database_url, "feedback", "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")[0]["n"] == 0
    )


def test_feedback_that_does_not_fit_its_set_is_a_422(
    client: TestClient,
    publisher: KafkaEventPublisher,
    database_url: str,
) -> None:
    served = served_set()
    publish_and_wait(publisher, database_url, served)
    response = client.post(
        "/v1/feedback",
        json={
            "suggestion_set_id": served.suggestion_set_id,
            "action": "accept",
            "suggestion_id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 422
    assert "not one of the set's suggestions" in response.json()["detail"]
    edit_without_text = client.post(
        "/v1/feedback", json={"suggestion_set_id": served.suggestion_set_id, "action": "edit"}
    )
    assert edit_without_text.status_code == 422
    bad_action = client.post(
        "/v1/feedback", json={"suggestion_set_id": served.suggestion_set_id, "action": "love"}
    )
    assert bad_action.status_code == 400


def test_control_characters_and_wrong_media_types_are_refused_by_name(
    client: TestClient, publisher: KafkaEventPublisher, database_url: str
) -> None:
    served = served_set()
    publish_and_wait(publisher, database_url, served)
    edit = {"suggestion_set_id": served.suggestion_set_id, "action": "edit", "edited_text": "cats\u0000dogs"}
    for body, field in (
        (edit, "edited_text"),
        ({**edit, "edited_text": "ok", "user_id": "u\u0000x"}, "user_id"),
    ):
        response = client.post("/v1/feedback", json=body)
        assert response.status_code == 422
        assert response.json()["detail"].startswith(f"{field}: text refused")
    erase = client.delete("/v1/users/u%00x", headers={"X-Admin-Token": ADMIN})
    assert erase.status_code == 422
    assert "user_id contains a control character (NUL)" in erase.json()["detail"]
    plain = client.post(
        "/v1/feedback", content=b'{"action": "reject_all"}', headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 415
    deep = client.post("/v1/feedback", content=b"[" * 30_000, headers={"content-type": "application/json"})
    assert deep.status_code == 400
    assert query(database_url, "feedback", "SELECT 1 FROM feedback") == []


def test_feedback_before_its_set_waits_and_is_resolved_when_the_set_arrives(
    client: TestClient,
    publisher: KafkaEventPublisher,
    database_url: str,
    bootstrap: str,
) -> None:
    served = served_set()
    edited = "Reviving My Sourdough Starter in a Cold Kitchen"
    response = client.post(
        "/v1/feedback",
        json={"suggestion_set_id": served.suggestion_set_id, "action": "edit", "edited_text": edited},
    )
    assert response.status_code == 202
    feedback_id = response.json()["feedback_id"]
    assert response.json()["status"] == "pending"
    publisher.publish(SUGGESTIONS.name, served.suggestion_set_id, served)
    eventually(
        lambda: client.get(f"/v1/feedback/{feedback_id}").json()["status"] == "recorded",
        what="the pending feedback to be recorded",
    )
    [event] = eventually(lambda: feedback_events(bootstrap), what="FeedbackRecorded on Kafka")
    assert event.chosen_text == edited
    assert len(event.rejected) == 4  # an edit is preferred over every shown title


def test_a_set_arriving_during_a_feedback_transaction_still_resolves_it(
    client: TestClient, database_url: str
) -> None:
    """The race of a set arriving while feedback on it is being written: the
    handler must wait for that transaction and then see the pending row."""
    served = served_set()
    chosen = served.suggestions[1]
    pool = open_pool(database_url, "feedback")
    handler = ServedSetsHandler(pool)
    try:
        with psycopg.connect(database_url, options="-c search_path=feedback", autocommit=False) as writer:
            # What a feedback request does before its set is known: lock, then a pending row.
            writer.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (served.suggestion_set_id,))
            writer.execute(
                "INSERT INTO feedback (id, set_id, action, suggestion_id, body_hash, status) "
                "VALUES (%s, %s, 'accept', %s, 'h', 'pending')",
                (str(uuid.uuid4()), served.suggestion_set_id, chosen.id),
            )
            arrival = threading.Thread(target=handler, args=([Record(SUGGESTIONS.name, None, served)],))
            arrival.start()
            arrival.join(1.0)
            assert arrival.is_alive(), "the set was stored without waiting for the feedback on it"
            writer.commit()
            arrival.join(10.0)
        [row] = query(
            database_url,
            "feedback",
            "SELECT status FROM feedback WHERE set_id = %s",
            served.suggestion_set_id,
        )
        assert row["status"] == "recorded"
    finally:
        pool.close()


def test_pending_feedback_whose_set_never_arrives_expires_visibly(client: TestClient) -> None:
    expired_before = REGISTRY.get_sample_value("prefloop_feedback_expired_total") or 0.0
    response = client.post(
        "/v1/feedback", json={"suggestion_set_id": str(uuid.uuid4()), "action": "reject_all"}
    )
    assert response.status_code == 202
    feedback_id = response.json()["feedback_id"]
    eventually(
        lambda: client.get(f"/v1/feedback/{feedback_id}").json()["status"] == "expired",
        timeout_s=20,
        what="the pending feedback to expire",
    )
    assert REGISTRY.get_sample_value("prefloop_feedback_expired_total") == expired_before + 1


def test_stats_give_rates_per_model_version(
    client: TestClient,
    publisher: KafkaEventPublisher,
    database_url: str,
) -> None:
    sets = [served_set("base"), served_set("base"), served_set("v1"), served_set("v1", user_id="u2")]
    for served in sets:
        publish_and_wait(publisher, database_url, served)
    actions = [
        {"action": "accept", "suggestion_id": sets[0].suggestions[0].id},
        {"action": "reject_all"},
        {"action": "accept", "suggestion_id": sets[2].suggestions[0].id},
        {"action": "edit", "edited_text": "A Better Title Than All Four"},
    ]
    for served, action in zip(sets, actions, strict=True):
        assert (
            client.post(
                "/v1/feedback", json={"suggestion_set_id": served.suggestion_set_id, **action}
            ).status_code
            == 201
        )
    stats = {v["model_version"]: v for v in client.get("/v1/stats").json()["versions"]}
    assert stats["base"]["acceptance_rate"] == 0.5
    assert stats["base"]["reject_all_rate"] == 0.5
    assert stats["v1"]["acceptance_rate"] == 0.5
    assert stats["v1"]["edit_rate"] == 0.5
    assert stats["v1"]["sets_served"] == 2
    assert client.get("/v1/stats", params={"window_hours": -1}).status_code == 400
    own = client.get("/v1/stats", params={"user_id": "u2"}).json()["versions"]
    assert [(v["model_version"], v["sets_served"], v["edited"]) for v in own] == [("v1", 1, 1)]

    timeline = client.get("/v1/stats/timeline", params={"bucket_minutes": 60}).json()
    totals: dict[str, list[int]] = {}
    for point in timeline["points"]:  # summed: the sets may straddle a bucket boundary
        feedback, accepted = totals.setdefault(point["model_version"], [0, 0])
        totals[point["model_version"]] = [feedback + point["feedback"], accepted + point["accepted"]]
    assert totals == {"base": [2, 1], "v1": [2, 1]}
    assert [v["model_version"] for v in timeline["versions"]] == ["base", "v1"]
    assert client.get("/v1/stats/timeline", params={"bucket_minutes": 0}).status_code == 400


def test_erasing_a_user_needs_the_admin_token_and_tells_the_trainer(
    client: TestClient,
    publisher: KafkaEventPublisher,
    database_url: str,
    bootstrap: str,
) -> None:
    own, anonymous = served_set(user_id="erase-me"), served_set(user_id="erase-me")
    for served in (own, anonymous):
        publish_and_wait(publisher, database_url, served)
    client.post(
        "/v1/feedback",
        json={"suggestion_set_id": own.suggestion_set_id, "action": "reject_all", "user_id": "erase-me"},
    )
    # feedback sent without a user id, on a set served to the user, is theirs too
    client.post(
        "/v1/feedback",
        json={
            "suggestion_set_id": anonymous.suggestion_set_id,
            "action": "accept",
            "suggestion_id": anonymous.suggestions[0].id,
        },
    )
    recorded = eventually(
        lambda: [
            e
            for e in feedback_events(bootstrap)
            if getattr(e, "suggestion_set_id", None) == anonymous.suggestion_set_id
        ],
        what="the anonymous feedback on Kafka",
    )
    assert recorded[0].user_id == "erase-me"
    eventually(
        lambda: not query(database_url, "feedback", "SELECT 1 FROM outbox WHERE sent_at IS NULL"),
        what="the relay to send the outbox",
    )

    assert client.delete("/v1/users/erase-me").status_code == 401
    assert client.delete("/v1/users/erase-me", headers={"X-Admin-Token": "wrong"}).status_code == 403
    response = client.delete("/v1/users/erase-me", headers={"X-Admin-Token": ADMIN})
    assert response.status_code == 200
    assert response.json() == {
        "user_id": "erase-me",
        "feedback_deleted": 2,
        "sets_deleted": 2,
        "outbox_deleted": 2,
    }
    assert query(database_url, "feedback", "SELECT * FROM feedback") == []
    # no payload of the user is left in the outbox, sent or not: only the erasure itself
    left = query(database_url, "feedback", "SELECT key FROM outbox")
    assert [row["key"] for row in left] == ["erase-me"]
    events = eventually(
        lambda: [
            e for e in feedback_events(bootstrap) if isinstance(e, UserErased) and e.user_id == "erase-me"
        ],
        what="UserErased on Kafka",
    )
    assert len(events[0].feedback_ids) == 2

    # a set served before the erasure that arrives late (or a replay) is not stored again
    # (same key, same partition: once the marker set is stored, the replay was seen)
    later = served_set(user_id="someone-else")
    publisher.publish(SUGGESTIONS.name, "same-key", own)
    publisher.publish(SUGGESTIONS.name, "same-key", later)
    eventually(
        lambda: query(database_url, "feedback", "SELECT user_id FROM suggestion_sets"),
        what="the marker set",
    )
    stored = query(database_url, "feedback", "SELECT user_id FROM suggestion_sets")
    assert stored == [{"user_id": "someone-else"}]


def test_sent_outbox_rows_are_pruned_after_the_retention_window(
    client: TestClient, publisher: KafkaEventPublisher, database_url: str
) -> None:
    served = served_set()
    publish_and_wait(publisher, database_url, served)
    client.post("/v1/feedback", json={"suggestion_set_id": served.suggestion_set_id, "action": "reject_all"})
    eventually(
        lambda: query(database_url, "feedback", "SELECT 1 FROM outbox WHERE sent_at IS NOT NULL"),
        what="the outbox row to be sent",
    )
    pool = open_pool(database_url, "feedback")
    try:
        assert prune_sent(pool, retention_s=3600) == 0  # just sent: kept for now
        with pool.connection() as conn:
            conn.execute("UPDATE outbox SET sent_at = now() - interval '2 hours'")
        assert prune_sent(pool, retention_s=3600) == 1
    finally:
        pool.close()
    assert query(database_url, "feedback", "SELECT 1 FROM outbox") == []


def test_an_undecodable_served_event_goes_to_the_dlq_and_consumption_goes_on(
    client: TestClient,
    publisher: KafkaEventPublisher,
    database_url: str,
    bootstrap: str,
) -> None:
    publisher.publish_raw(SUGGESTIONS.name, "garbage", b"\x08\xff\xff\xff\xff")
    served = served_set()
    publish_and_wait(publisher, database_url, served)
    dead = eventually(lambda: read_topic(bootstrap, SUGGESTIONS.dlq, decode_events=False), what="a DLQ entry")
    assert dead[0].value == b"\x08\xff\xff\xff\xff"


def interleaved_set(candidate: str, control: str, filled_from_base: int | None = None) -> SuggestionsServed:
    """Odd indexes from the candidate, even ones from the control, one title from
    base where inference topped a short set up."""
    plain = served_set(model_version=control)

    def writer(index: int) -> str:
        if index == filled_from_base:
            return "base"
        return candidate if index % 2 else control

    mixed = tuple(ServedSuggestion(s.id, s.index, s.text, writer(s.index)) for s in plain.suggestions)
    return SuggestionsServed(**{**plain.__dict__, "suggestions": mixed})


def test_interleaved_sets_give_the_candidate_a_win_rate_with_an_interval(
    client: TestClient, publisher: KafkaEventPublisher, database_url: str
) -> None:
    topped_up = interleaved_set("v1", "v1", filled_from_base=3)  # no canary: v1 short, base filled it
    sets = [*(interleaved_set("v2", "v1") for _ in range(3)), interleaved_set("v2", "v1", 2), topped_up]
    for served in sets:
        publish_and_wait(publisher, database_url, served)
    picks = [1, 3, 1, 2, 3]  # the candidate's titles: three wins, then base's fill-ins, chosen
    for served, pick in zip(sets, picks, strict=True):
        body = {
            "suggestion_set_id": served.suggestion_set_id,
            "action": "accept",
            "suggestion_id": served.suggestions[pick].id,
        }
        assert client.post("/v1/feedback", json=body).status_code == 201
    [canary] = client.get("/v1/stats").json()["canaries"]
    assert (canary["candidate"], canary["control"]) == ("v2", "v1")
    assert (canary["wins"], canary["decisions"], canary["win_rate"]) == (3, 4, 0.75)
    assert canary["win_rate_lower"] < 0.75 < canary["win_rate_upper"]
