"""Settings base shared by every service.

Shared variables keep their global names (PREFLOOP_DATABASE_URL, ...); each
service subclass adds its own fields under its own prefix
(PREFLOOP_INFERENCE_, ...). Invalid values stop a service at start with a
message naming the variable (see `load_settings`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from prefloop.shared.models.provision import DEFAULT_BASE_MODEL


def _global(name: str) -> AliasChoices:
    return AliasChoices(name, name.removeprefix("PREFLOOP_").lower())


class PrefloopSettings(BaseSettings):
    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=_global("PREFLOOP_DATABASE_URL"),
        description="postgresql:// URL; unset in the local runner means the embedded server",
    )
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=_global("PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"),
        description="host:port[,host:port]; unset in the local runner means the embedded broker",
    )
    adapter_store: Path = Field(
        default=Path(".prefloop/adapters"),
        validation_alias=_global("PREFLOOP_ADAPTER_STORE"),
    )
    base_model: str = Field(
        default=DEFAULT_BASE_MODEL,
        validation_alias=_global("PREFLOOP_BASE_MODEL"),
        description="the shipped default, a local model directory or a hub id",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=_global("PREFLOOP_API_KEYS"),
        description="comma-separated keys accepted on /v1; empty disables the check",
    )
    admin_token: str | None = Field(default=None, validation_alias=_global("PREFLOOP_ADMIN_TOKEN"))
    rate_limit_per_minute: int = Field(
        default=0,
        ge=0,
        validation_alias=_global("PREFLOOP_RATE_LIMIT_PER_MINUTE"),
        description="requests per minute per API key (or client address); 0 disables the limit",
    )

    outbox_retention_s: float = Field(
        default=3600.0,
        gt=0,
        validation_alias=_global("PREFLOOP_OUTBOX_RETENTION_S"),
        description="how long outbox rows the broker acknowledged are kept before they are deleted",
    )

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _check_dsn(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"expected a postgresql:// URL, got {value!r}")
        return value

    def require_database_url(self) -> str:
        if not self.database_url:
            raise SystemExit("PREFLOOP_DATABASE_URL is not set: the service needs a Postgres URL")
        return self.database_url

    def require_kafka(self) -> str:
        if not self.kafka_bootstrap_servers:
            raise SystemExit("PREFLOOP_KAFKA_BOOTSTRAP_SERVERS is not set: the service needs a broker")
        return self.kafka_bootstrap_servers


SettingsT = TypeVar("SettingsT", bound=PrefloopSettings)


def load_settings(cls: type[SettingsT]) -> SettingsT:
    """Build settings from the environment or exit naming each bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        prefix = cls.model_config.get("env_prefix", "")
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            info = cls.model_fields.get(field)
            alias = info.validation_alias if info else None
            name = alias.choices[0] if isinstance(alias, AliasChoices) else f"{prefix}{field}".upper()
            lines.append(f"  {name}: {error['msg']}")
        print("invalid settings:\n" + "\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None
