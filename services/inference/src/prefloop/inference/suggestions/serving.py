"""How each version's sets have turned out since this process started: full
(the N distinct usable titles asked for), short (fewer) or failed (none: base
filled an adapter's set; base itself, or a pinned version, answered a 503).
The trainer reads them (`GET /v1/models`) to roll back a version that starts
serving users worse than the one it replaced; base's top-up never hides it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from prefloop.inference.metrics import SETS_SERVED


@dataclass
class SetOutcomes:
    full: int = 0
    short: int = 0
    failed: int = 0

    @property
    def requests(self) -> int:
        return self.full + self.short + self.failed


class ServingRecord:
    def __init__(self) -> None:
        self._by_version: dict[str, SetOutcomes] = {}

    def record(self, version: str, asked: int, got: int) -> None:
        outcome = "failed" if got == 0 else "short" if got < asked else "full"
        counts = self._by_version.setdefault(version, SetOutcomes())
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        SETS_SERVED.labels(model_version=version, outcome=outcome).inc()

    def view(self) -> dict[str, dict[str, int]]:
        return {version: asdict(counts) for version, counts in self._by_version.items()}
