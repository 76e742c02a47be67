"""Registry versions with their lineage, gate figures and canary results, as table rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ROUND = re.compile(r"^v(\d+)-")


@dataclass(frozen=True)
class VersionRow:
    version: str
    status: str
    parent: str
    round: int | None
    pairs: int | None
    created_at: str
    reason: str
    gate: list[str] = field(default_factory=list)
    canary: str | None = None

    @property
    def serving(self) -> bool:
        return self.status in ("active", "canary")


def gate_figures(metrics: dict[str, Any]) -> list[str]:
    """The figures the gate decided on, one short phrase each."""
    figures = []
    if gate := metrics.get("gate"):
        candidate, active = gate["candidate"], gate["active"]
        figures.append(
            f"held-out accuracy {candidate['accuracy']:.2f} vs {active['accuracy']:.2f} "
            f"({candidate['pairs']} pairs)"
        )
    if duels := metrics.get("duels"):
        figures.append(f"duels won {duels['wins']}, lost {duels['losses']}, tied {duels['ties']}")
    if health := metrics.get("health"):
        candidate, base = health["candidate"], health["base"]
        if candidate.get("sets"):
            figures.append(
                f"full sets {candidate['full_sets']}/{candidate['sets']} "
                f"vs base {base['full_sets']}/{base['sets']}"
            )
        figures.append(
            f"usable titles {candidate['usable']}/{candidate['sampled']} "
            f"vs base {base['usable']}/{base['sampled']}"
        )
    if reward := metrics.get("reward"):
        figures.append(f"reward model {reward['held_out_accuracy']:.0%} on held-out pairs")
    return figures


def canary_result(canary: dict[str, Any]) -> str:
    return (
        f"{canary['decisions']} decisions, win rate {canary['win_rate']:.2f} "
        f"({canary['win_rate_lower']:.2f}–{canary['win_rate_upper']:.2f})"
    )


def version_rows(
    adapters: list[dict[str, Any]], runs: list[dict[str, Any]], canaries: list[dict[str, Any]]
) -> list[VersionRow]:
    pairs_by_version = {r["version"]: r.get("train_pairs") for r in runs if r.get("version")}
    canary_by_version = {c["candidate"]: canary_result(c) for c in canaries}
    rows = []
    for adapter in adapters:
        version = adapter["version"]
        found = _ROUND.match(version)
        rows.append(
            VersionRow(
                version=version,
                status=adapter["status"],
                parent=adapter.get("parent") or "base",
                round=int(found.group(1)) if found else None,
                pairs=pairs_by_version.get(version),
                created_at=str(adapter.get("created_at", ""))[:19].replace("T", " "),
                reason=adapter.get("reason") or "",
                gate=gate_figures(adapter.get("metrics") or {}),
                canary=canary_by_version.get(version),
            )
        )
    return rows
