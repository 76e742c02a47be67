"""GET /v1/models: base model, loaded adapters, active version."""
