"""Base model provisioning and loading, shared by inference and trainer."""

from prefloop.shared.models.provision import DEFAULT_BASE_MODEL, resolve_base_model

__all__ = ["DEFAULT_BASE_MODEL", "resolve_base_model"]
