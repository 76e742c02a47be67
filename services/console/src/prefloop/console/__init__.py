"""prefloop console: pages for people over the public HTTP APIs; it owns no data."""
