"""API keys on /v1 and the admin token for admin endpoints, as Litestar guards."""

from prefloop.shared.auth.guards import ADMIN, admin_guard, api_key_guard

__all__ = ["ADMIN", "admin_guard", "api_key_guard"]
