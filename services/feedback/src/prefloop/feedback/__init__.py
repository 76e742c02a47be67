"""prefloop feedback: served sets, user feedback, the outbox to Kafka, statistics."""
