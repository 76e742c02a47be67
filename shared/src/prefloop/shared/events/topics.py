"""Kafka topics, each bound to the events it carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"


SUGGESTIONS = Topic("prefloop.suggestions.v1", partitions=3)
FEEDBACK = Topic("prefloop.feedback.v1", partitions=3)
# One partition: every inference replica replays adapter events in order.
ADAPTERS = Topic("prefloop.adapters.v1", partitions=1)


def all_topics() -> list[tuple[str, int]]:
    """Every topic and its DLQ twin, with partition counts."""
    result = []
    for topic in (SUGGESTIONS, FEEDBACK, ADAPTERS):
        result += [(topic.name, topic.partitions), (topic.dlq, 1)]
    return result
