"""prefloop.shared: settings, events, Kafka, Postgres, HTTP, metrics, prompts, models."""
