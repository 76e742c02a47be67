"""POST /v1/feedback and GET /v1/feedback/{id}."""
