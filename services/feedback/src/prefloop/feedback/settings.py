"""Feedback settings (PREFLOOP_FEEDBACK_*) over the shared base."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from prefloop.shared.settings import PrefloopSettings


class FeedbackSettings(PrefloopSettings):
    model_config = SettingsConfigDict(env_prefix="PREFLOOP_FEEDBACK_", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8002, ge=1, le=65535)
    pending_ttl_s: float = Field(
        default=600.0, gt=0, description="how long feedback waits for its set before it expires"
    )
    relay_interval_s: float = Field(default=0.5, gt=0, description="outbox relay poll interval")
    relay_batch: int = Field(default=200, ge=1, le=5000)
    stats_window_hours: float = Field(default=24.0, gt=0, description="window of the exported rate metrics")
    pool_size: int = Field(default=8, ge=1, le=64)
    consumer_group: str = "prefloop-feedback"
