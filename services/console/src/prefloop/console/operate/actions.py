"""The operator's controls, each one call to the trainer's admin API with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Action:
    label: str
    path: str  # may name {version}
    needs_version: bool = False

    def target(self, version: str) -> str:
        return self.path.format(version=quote(version, safe=""))


ACTIONS = {
    "activate": Action("Activate", "/v1/adapters/{version}/activate", needs_version=True),
    "rollback": Action("Roll back", "/v1/adapters/rollback"),
    "pause": Action("Pause training", "/v1/training/pause"),
    "resume": Action("Resume training", "/v1/training/resume"),
    "run": Action("Start a round", "/v1/training/runs"),
}
