"""A record its handler cannot take goes to the DLQ with the error; the
records beside it are handled; an absent database is waited out, never
dead-lettered."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
import pytest
from prometheus_client import REGISTRY

from prefloop.shared.events import FEEDBACK, FeedbackAction, FeedbackRecorded, encode
from prefloop.shared.kafka import consumer as consumer_module
from prefloop.shared.kafka.consumer import ConsumerLoop, Record
from tests.unit.fakes import FakePublisher


@dataclass
class Message:
    topic: str
    key: bytes | None
    value: bytes
    partition: int
    offset: int


def feedback(idea: str) -> FeedbackRecorded:
    return FeedbackRecorded(
        str(uuid.uuid4()), str(uuid.uuid4()), FeedbackAction.REJECT_ALL, idea, "v1", None, None, (), None, 1
    )


class Handler:
    """Stores what it is given, in one go per call, as a transactional handler does."""

    def __init__(self, poison: str = "", outages: int = 0) -> None:
        self.poison, self.outages = poison, outages
        self.stored: list[str] = []
        self.calls = 0

    def __call__(self, records: Sequence[Record]) -> None:
        self.calls += 1
        if self.outages > 0:
            self.outages -= 1
            raise psycopg.OperationalError("connection refused")
        ideas = [r.event.idea for r in records if isinstance(r.event, FeedbackRecorded)]
        if self.poison in ideas:
            raise psycopg.errors.InvalidTextRepresentation("invalid input syntax for type uuid")
        self.stored.extend(ideas)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_WAIT_S", 0.0)


def loop(handler: Handler, dlq: FakePublisher) -> ConsumerLoop:
    return ConsumerLoop("unused:9092", [FEEDBACK.name], "g", handler, dlq, name="test-feedback")


def messages(ideas: list[str]) -> list[Message]:
    return [Message(FEEDBACK.name, b"k", encode(feedback(idea)), 2, 40 + i) for i, idea in enumerate(ideas)]


def dead_letters(reason: str) -> float:
    sample = REGISTRY.get_sample_value(
        "prefloop_dlq_messages_total", {"topic": FEEDBACK.name, "reason": reason}
    )
    return sample or 0.0


def test_the_record_that_fails_alone_goes_to_the_dlq_and_the_others_are_handled() -> None:
    handler, dlq = Handler(poison="bad"), FakePublisher()
    before = dead_letters("handler_failed")
    batch = messages(["a", "bad", "c"])
    loop(handler, dlq)._process(batch)
    assert handler.stored == ["a", "c"]
    [(topic, key, payload)] = dlq.raw
    assert (topic, key) == (f"{FEEDBACK.name}.dlq", "k")
    assert payload == batch[1].value  # as it came
    headers = dlq.headers[0]
    assert headers["origin"] == f"{FEEDBACK.name}/2/41".encode()
    assert headers["reason"] == b"handler_failed"
    assert b"InvalidTextRepresentation" in headers["error"]
    assert dead_letters("handler_failed") == before + 1


def test_an_absent_database_is_waited_out_and_nothing_is_dead_lettered() -> None:
    handler, dlq = Handler(outages=5), FakePublisher()
    loop(handler, dlq)._process(messages(["a", "b"]))
    assert handler.stored == ["a", "b"]
    assert handler.calls == 6
    assert dlq.raw == []


def test_an_undecodable_payload_goes_to_the_dlq_with_its_origin() -> None:
    handler, dlq = Handler(), FakePublisher()
    raw = [Message(FEEDBACK.name, None, b"\x0a\x03abc\xff", 0, 7), *messages(["a"])]
    loop(handler, dlq)._process(raw)
    assert handler.stored == ["a"]
    assert dlq.headers[0]["reason"] == b"undecodable"
    assert dlq.headers[0]["origin"] == f"{FEEDBACK.name}/0/7".encode()


def test_a_consumer_whose_handler_keeps_failing_says_it_is_stuck(monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = loop(Handler(), FakePublisher())
    assert consumer.stuck is None
    monkeypatch.setattr(consumer, "_failing_since", 0.0)
    monkeypatch.setattr(consumer, "_last_failure", "OperationalError: connection refused")
    assert consumer.stuck is not None
    assert "handler failing for" in consumer.stuck
    assert "connection refused" in consumer.stuck


def test_a_kafka_client_without_the_internals_it_reads_is_refused_loudly() -> None:
    class Changed:
        _cluster = object()

    with pytest.raises(consumer_module.IncompatibleKafkaClient, match=r"3\.0\.12"):
        consumer_module.check_client(Changed())
