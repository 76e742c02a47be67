"""Create prefloop's topics with the partition counts we mean.

Brokers that auto-create topics pick their own partition count, so topics are
created explicitly before any service starts.
"""

from __future__ import annotations

import logging

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from prefloop.shared.events import all_topics

log = logging.getLogger(__name__)


def ensure_topics(bootstrap_servers: str, replication_factor: int = 1) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="prefloop-admin")
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=partitions, replication_factor=replication_factor)
            for name, partitions in all_topics()
            if name not in existing
        ]
        for topic in missing:
            try:
                admin.create_topics([topic])
                log.info("created topic %s (%d partitions)", topic.name, topic.num_partitions)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
