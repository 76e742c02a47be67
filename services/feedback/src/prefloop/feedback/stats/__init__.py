"""GET /v1/stats: acceptance, edit and reject-all rates per model version."""
