"""A consumer thread: decode, hand typed events on, commit after the effect is durable.

A payload that does not decode goes to the topic's DLQ and consumption goes
on. A handler that fails because its database is away is retried with
backoff until it succeeds; one that fails otherwise is retried a few times,
then record by record, and the record that still fails alone goes to the DLQ
with the error (failures.py). Offsets are committed only after the effect is
durable or the record is in the DLQ: at-least-once, handlers dedupe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from kafka import KafkaConsumer, TopicPartition
from tenacity import RetryCallState, Retrying, before_sleep_log, retry_if_exception_type, wait_exponential

from prefloop.shared.events import DecodeError, Event, decode
from prefloop.shared.kafka.failures import is_transient
from prefloop.shared.kafka.producer import EventPublisher
from prefloop.shared.observability.metrics import CONSUMER_LAG, DLQ_MESSAGES
from prefloop.shared.workers.periodic import STOP_GRACE_S

log = logging.getLogger(__name__)

# Tansu (the embedded broker) is slow to form groups with the 45 s default.
SESSION_TIMEOUT_MS = 6000
# Also the rebalance timeout: it bounds how long a group join can wait.
MAX_POLL_INTERVAL_MS = 30000
# Tries of a batch (then of each of its records) that fails for a reason
# other than an absent dependency, before its records are suspected.
POISON_ATTEMPTS = 3
# A handler failing this long (a dependency away) makes the consumer stuck.
STUCK_AFTER_S = 30.0
RETRY_WAIT_S = 0.5  # first backoff between tries; it doubles up to 10 s


@dataclass(frozen=True)
class Origin:
    """Where a record was read, to put it in the DLQ as it came."""

    partition: int
    offset: int
    payload: bytes


@dataclass(frozen=True)
class Record:
    topic: str
    key: str | None
    event: Event
    origin: Origin | None = None


class _Stopping(Exception):
    """The consumer stops while a handler still fails: nothing is committed."""


class IncompatibleKafkaClient(RuntimeError):
    """kafka-python no longer has the internals this consumer reads."""


def check_client(consumer: KafkaConsumer) -> None:
    """Topic ids come from kafka-python's cluster metadata, which has no public
    accessor: a release that changes it must stop consumption loudly, not
    make it reconnect forever."""
    cluster = getattr(consumer, "_cluster", None)
    if not callable(getattr(cluster, "topic_id", None)):
        raise IncompatibleKafkaClient(
            "kafka-python's KafkaConsumer._cluster.topic_id is gone: this consumer was written for "
            "kafka-python 3.0.12 (requirements/constraints.txt); pin it back or port the topic-id check"
        )


Handler = Callable[[Sequence[Record]], None]


class ConsumerLoop:
    """Consume `topics` on a daemon thread until `stop()`.

    group_id=None reads every partition from the beginning without a group:
    for broadcast topics that every replica must see in full (adapter events).
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topics: Sequence[str],
        group_id: str | None,
        handler: Handler,
        dlq: EventPublisher,
        name: str,
        max_records: int = 200,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._topics = list(topics)
        self._group_id = group_id
        self._handler = handler
        self._dlq = dlq
        self._name = name
        self._max_records = max_records
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"consumer-{name}", daemon=True)
        # The id of each topic as first seen: a new id means a new log.
        self._topic_ids: dict[str, UUID] = {}
        self.caught_up = threading.Event()
        # Set once partitions are assigned: the service really consumes.
        self.assigned = threading.Event()
        self._failing_since: float | None = None
        self._last_failure = ""
        self._fatal: str | None = None

    @property
    def ready(self) -> bool:
        """Consuming for real: partitions assigned (group) or caught up (broadcast)."""
        return self.assigned.is_set() if self._group_id is not None else self.caught_up.is_set()

    @property
    def stuck(self) -> str | None:
        """Why consumption has not moved for a while (its handler keeps failing), or None."""
        if self._fatal:
            return self._fatal
        since = self._failing_since
        if since is None or time.monotonic() - since < STUCK_AFTER_S:
            return None
        return f"{self._name} handler failing for {time.monotonic() - since:.0f} s: {self._last_failure}"

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = STOP_GRACE_S) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _connect(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=self._group_id,
            client_id=f"prefloop-{self._name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=SESSION_TIMEOUT_MS,
            max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
            heartbeat_interval_ms=2000,
        )
        try:
            check_client(consumer)
        except IncompatibleKafkaClient:
            consumer.close()
            raise
        if self._group_id is None:
            partitions = [
                TopicPartition(topic, p)
                for topic in self._topics
                for p in sorted(consumer.partitions_for_topic(topic) or {0})
            ]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
        else:
            consumer.subscribe(self._topics)
        return consumer

    def _run(self) -> None:
        # A broker that is away (not started yet, restarting) must not kill
        # consumption for good: reconnect with a pause and go on from the
        # last committed offset.
        while not self._stop.is_set():
            try:
                consumer = self._connect()
            except IncompatibleKafkaClient as exc:
                log.critical("consumer %s stopped: %s", self._name, exc)
                self._fatal = f"{self._name} stopped: {exc}"
                return
            except Exception as exc:
                log.warning("consumer %s cannot reach the broker (%s); retrying", self._name, exc)
                self._stop.wait(2.0)
                continue
            try:
                self._consume(consumer)
            except _Stopping:
                return
            except Exception:
                log.exception("consumer %s failed; reconnecting", self._name)
                self._stop.wait(2.0)
            finally:
                consumer.close()

    def _consume(self, consumer: KafkaConsumer) -> None:
        while not self._stop.is_set():
            batch = consumer.poll(timeout_ms=500, max_records=self._max_records)
            records = [r for rs in batch.values() for r in rs]
            if consumer.assignment():
                self.assigned.set()
            if records:
                self._process(records)
                if self._group_id is not None:
                    consumer.commit()
            self._rewind_recreated_topics(consumer)
            self._track_positions(consumer, bool(records))

    def _rewind_recreated_topics(self, consumer: KafkaConsumer) -> None:
        """Read a topic from its start when its id changed: it was deleted
        and created again, or the broker restarted without its state (the
        embedded one keeps none). Our positions then point into the new log
        at offsets of the old one, which would skip the records below them;
        the log's end (`_track_positions`) cannot tell once the new log has
        grown past our position. Records read twice are deduped by handlers.

        kafka-python keeps topic ids in its cluster metadata but has no public
        accessor for them."""
        cluster = consumer._cluster
        for topic in {tp.topic for tp in consumer.assignment()}:
            current: UUID | None = cluster.topic_id(topic)
            if current is None:  # not in the metadata yet (or the broker has no topic ids)
                continue
            known = self._topic_ids.get(topic)
            self._topic_ids[topic] = current
            if known is not None and known != current:
                log.warning("consumer %s: %s was created again; reading it from the start", self._name, topic)
                consumer.seek_to_beginning(*[tp for tp in consumer.assignment() if tp.topic == topic])

    def _process(self, raw: Sequence[object]) -> None:
        decoded: list[Record] = []
        for message in raw:
            topic: str = message.topic  # type: ignore[attr-defined]
            key = message.key.decode() if message.key else None  # type: ignore[attr-defined]
            value: bytes = message.value  # type: ignore[attr-defined]
            origin = Origin(message.partition, message.offset, value)  # type: ignore[attr-defined]
            try:
                decoded.append(Record(topic, key, decode(topic, value), origin))
            except DecodeError as exc:
                log.warning("undecodable message on %s sent to DLQ: %s", topic, exc)
                self._dead_letter(topic, key, origin, "undecodable", str(exc))
        if not decoded:
            return
        if self._handled(decoded) is None:
            return
        log.warning(
            "consumer %s: a batch of %d keeps failing; retrying it record by record", self._name, len(decoded)
        )
        for record in decoded:
            error = self._handled([record])
            if error is not None and record.origin is not None:
                log.error("consumer %s: %s sent to DLQ: %s", self._name, record.topic, error)
                self._dead_letter(record.topic, record.key, record.origin, "handler_failed", error)

    def _handled(self, records: list[Record]) -> str | None:
        """Run the handler until it succeeds (None) or has failed POISON_ATTEMPTS
        times for a reason other than an absent dependency (that reason)."""

        def give_up(state: RetryCallState) -> bool:
            if self._stop.is_set():
                return True
            error = state.outcome.exception() if state.outcome else None
            transient = error is not None and is_transient(error)
            return not transient and state.attempt_number >= POISON_ATTEMPTS

        retrying = Retrying(
            wait=wait_exponential(multiplier=RETRY_WAIT_S, max=10),
            stop=give_up,
            retry=retry_if_exception_type(Exception),
            before_sleep=before_sleep_log(log, logging.WARNING),
            sleep=self._pause,  # a backoff ends as soon as the consumer stops
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    try:
                        self._handler(records)
                    except Exception as exc:
                        self._failing_since = self._failing_since or time.monotonic()
                        self._last_failure = f"{type(exc).__name__}: {exc}"[:300]
                        raise
        except Exception as exc:
            if self._stop.is_set():
                # Stopping while the handler still fails: not committed, read again at the next start.
                raise _Stopping from exc
            return f"{type(exc).__name__}: {exc}"[:1000]
        finally:
            if not self._stop.is_set():
                self._failing_since = None
        return None

    def _pause(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _dead_letter(self, topic: str, key: str | None, origin: Origin, reason: str, error: str) -> None:
        """The record as it came, with why and where from in its headers."""
        headers = [
            ("error", error.encode()),
            ("reason", reason.encode()),
            ("origin", f"{topic}/{origin.partition}/{origin.offset}".encode()),
            ("consumer", self._name.encode()),
        ]
        self._dlq.publish_raw(f"{topic}.dlq", key or "", origin.payload, headers=headers)
        DLQ_MESSAGES.labels(topic=topic, reason=reason).inc()

    def _track_positions(self, consumer: KafkaConsumer, got_records: bool) -> None:
        """Report lag from the fetch high-water mark (Tansu's end_offsets() is
        unreliable), and rewind a log whose end is now below our position: it
        lost its records (a broker restarted without them, a recreated topic),
        so whatever it holds was written after and is read from its start.
        Handlers dedupe."""
        total = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            position = consumer.position(tp)
            if position > high:
                log.warning(
                    "consumer %s: %s[%d] ends at %d, before our position; reading it from the start",
                    self._name,
                    tp.topic,
                    tp.partition,
                    high,
                )
                consumer.seek_to_beginning(tp)
                position = 0
            lag = high - position
            CONSUMER_LAG.labels(consumer=self._name, topic=tp.topic, partition=str(tp.partition)).set(lag)
            total += lag
        if total == 0 and not got_records:
            self.caught_up.set()
