"""Kafka plumbing: idempotent producer, topic setup, consumer loop with DLQ."""

from prefloop.shared.kafka.admin import ensure_topics
from prefloop.shared.kafka.consumer import ConsumerLoop, Record
from prefloop.shared.kafka.producer import EventPublisher, KafkaEventPublisher

__all__ = ["ConsumerLoop", "EventPublisher", "KafkaEventPublisher", "Record", "ensure_topics"]
