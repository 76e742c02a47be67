"""Console settings (PREFLOOP_CONSOLE_*) over the shared base."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from prefloop.shared.settings import PrefloopSettings


class ConsoleSettings(PrefloopSettings):
    model_config = SettingsConfigDict(env_prefix="PREFLOOP_CONSOLE_", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8004, ge=1, le=65535)
    inference_url: str = "http://127.0.0.1:8001"
    feedback_url: str = "http://127.0.0.1:8002"
    trainer_url: str = "http://127.0.0.1:8003"
    api_key: str | None = Field(
        default=None, description="key the console sends to the APIs; unset: the first of PREFLOOP_API_KEYS"
    )
    timeout_s: float = Field(default=180.0, gt=0, description="how long an API call may take (generation)")
    ideas_file: Path | None = Field(
        default=None, description="ideas to label, one per line; unset: the simulator's training ideas"
    )
    max_titles: int = Field(default=8, ge=2, le=8, description="titles a person can ask for per idea")

    def upstream_key(self) -> str | None:
        return self.api_key or next(iter(self.api_keys), None)
