"""GET /v1/training/runs and POST /v1/training/runs (on demand)."""
