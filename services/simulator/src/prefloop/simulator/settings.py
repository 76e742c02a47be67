"""Simulator settings (PREFLOOP_SIMULATOR_*)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from prefloop.shared.settings import PrefloopSettings


class SimulatorSettings(PrefloopSettings):
    model_config = SettingsConfigDict(env_prefix="PREFLOOP_SIMULATOR_", populate_by_name=True)

    inference_url: str = "http://127.0.0.1:8001"
    feedback_url: str = "http://127.0.0.1:8002"
    users: int = Field(default=8, ge=1, le=10_000)
    concurrency: int = Field(default=2, ge=1, le=64, description="requests in flight at once")
    rate_per_s: float = Field(default=0.0, ge=0, description="0 = as fast as the service answers")
    n: int = Field(default=4, ge=2, le=8)
    temperature: float = Field(default=0.5, gt=0, description="softmax noise of the choice")
    edit_probability: float = Field(default=0.1, ge=0, le=1)
    reject_below: float | None = Field(
        default=None, description="reject all when the best title scores below this; unset: the taste's own"
    )
    seed: int = 0
    taste: str = Field(default="default", description="the users' taste: default, or random:SEED")

    @field_validator("taste")
    @classmethod
    def _known_taste(cls, value: str) -> str:
        from prefloop.simulator.taste_family import taste_named

        taste_named(value)  # raises naming the value and what is expected
        return value
