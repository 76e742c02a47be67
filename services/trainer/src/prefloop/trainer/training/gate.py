"""The evaluation gate: a candidate is activated only if it does at least as
well as the version it would replace on the same held-out pairs.

"At least as well" allows a tolerance: a round holds out a few dozen pairs of
noisy implicit feedback, where one pair moves accuracy by 0.02 to 0.05, so
"strictly better" rejects good candidates by chance (8 of 15 rounds in a
600-event run, most by one or two pairs or on equal accuracy) and throws their
training away. With a tolerance, a candidate that is not clearly worse is
activated. Alone it is not safe: in a 600-event run with tolerance 0.05,
9 of 11 rounds passed and the stacked updates (each tied to the version
before it, without a likelihood term) drifted the model into titles
that are mostly unusable (the benchmark could judge 17 of 71 ideas), because
held-out preference accuracy does not see whether generations stay usable.
The health check does: a candidate whose sampled titles survive cleaning
clearly less often than base's is refused, whatever its accuracy.

Held-out accuracy still did not track the titles a version writes: within one
600-event loop the active version went from 70% to 44% against base while
every activation passed it (docs/learning.md). When the round brings duels
judged by the learned reward model (judging.py), they decide instead: the
candidate's titles on held-out ideas must win at least half of the decided
duels against its parent's, and users' own held-out pairs still have a say:
a candidate that clearly loses accuracy on them is refused however it duels.

Health is the last word: a version that would serve users fewer full sets
of usable titles than base or than its parent does not serve."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from prefloop.trainer.training.assessment import Assessment
from prefloop.trainer.training.evaluate import PreferenceScore
from prefloop.trainer.training.health import GenerationHealth
from prefloop.trainer.training.judging import Duels


@dataclass(frozen=True)
class GateRule:
    reward_gate: bool = True  # the reward model's duels decide, once it is credible
    min_accuracy_gain: float = 0.0
    tolerance: float = 0.0  # accuracy a candidate may lose when accuracy decides
    users_tolerance: float = 0.1  # accuracy on users' held-out pairs it may lose when duels decide
    # Short sets are what users meet: a candidate may not serve them more often
    # than base or its parent did in the same draws. Usable titles only cost retries.
    full_sets_tolerance: float = 0.0  # share of full sets it may lose
    usable_tolerance: float = 0.1  # share of usable titles it may lose


def candidate_refusal(assessment: Assessment, rule: GateRule) -> str | None:
    """Why a round's candidate must not be activated, or None when it may be.

    With the reward gate: the duels, then users' held-out pairs; in the first
    rounds, while no reward model fitted on other ideas ranks held-out pairs
    better than chance (no duels), users' held-out pairs alone, within their
    tolerance. Without it: held-out accuracy. Then, always, generation health."""
    candidate, active = assessment.candidate_score, assessment.active_score
    if not rule.reward_gate:
        first = gate_refusal(candidate, active, rule.min_accuracy_gain, rule.tolerance)
    elif assessment.duels is not None:
        first = duel_refusal(assessment.duels) or users_refusal(candidate, active, rule.users_tolerance)
    else:
        first = users_refusal(candidate, active, rule.users_tolerance)
    return first or health_refusal(assessment.health, rule)


def users_refusal(
    candidate: PreferenceScore | None, active: PreferenceScore | None, tolerance: float
) -> str | None:
    """Why the candidate disagrees with users' held-out choices clearly more than its parent does."""
    if candidate is None or active is None:
        return None
    loss = round(active.accuracy - candidate.accuracy, 9)
    if loss <= tolerance:
        return None
    return (
        f"rejected: on {candidate.pairs} of users' held-out pairs its preference accuracy "
        f"{candidate.accuracy:.3f} loses {loss:.3f} on the active version's {active.accuracy:.3f}, "
        f"more than the tolerated {tolerance:.3f}"
    )


def duel_refusal(duels: Duels) -> str | None:
    """Why the candidate's titles do not beat its parent's, or None when they do."""
    if duels.wins + duels.losses == 0:
        return "rejected: the reward model could not tell its titles from the active version's"
    if duels.wins >= duels.losses:
        return None
    return (
        f"rejected: its titles on held-out ideas won {duels.wins} and lost {duels.losses} duels "
        f"({duels.win_rate:.0%}) against the active version's, judged by the reward model"
    )


def gate_refusal(
    candidate: PreferenceScore | None,
    active: PreferenceScore | None,
    min_accuracy_gain: float = 0.0,
    tolerance: float = 0.0,
) -> str | None:
    """Why the candidate must not be activated, or None when it may be.

    `min_accuracy_gain` asks for a clear step before a version changes what
    users see, rather than churning versions on noise."""
    if candidate is None or active is None:
        return "rejected: no held-out pairs to compare it with the active version"
    gain = round(candidate.accuracy - active.accuracy, 9)  # 0.70 - 0.75 must lose exactly 0.05
    if min_accuracy_gain > 0 and gain < min_accuracy_gain:
        return (
            f"rejected: on {candidate.pairs} held-out pairs its preference accuracy "
            f"{candidate.accuracy:.3f} gains {gain:+.3f} on the active version's {active.accuracy:.3f}, "
            f"less than the required {min_accuracy_gain:.3f}"
        )
    if tolerance > 0 and min_accuracy_gain == 0:
        if gain >= -tolerance:
            return None
        return (
            f"rejected: on {candidate.pairs} held-out pairs its preference accuracy "
            f"{candidate.accuracy:.3f} loses {-gain:.3f} on the active version's {active.accuracy:.3f}, "
            f"more than the tolerated {tolerance:.3f}"
        )
    if candidate.beats(active):
        return None
    return (
        f"rejected: on {candidate.pairs} held-out pairs its preference accuracy "
        f"{candidate.accuracy:.3f} (margin {candidate.margin:.3f}) does not beat "
        f"the active version's {active.accuracy:.3f} (margin {active.margin:.3f})"
    )


def health_refusal(health: Mapping[str, GenerationHealth], rule: GateRule) -> str | None:
    """Why the candidate would serve users worse sets than base or its parent
    (fewer sets of N distinct usable titles, or fewer usable titles), or None.

    Base is always a yardstick, so small losses cannot pile up round after
    round; the parent is one too, so a version never serves worse than the
    one it replaces."""
    candidate = health.get("candidate")
    if candidate is None:
        return None  # not measured (no held-out ideas, or the check is off)
    for name in ("base", "parent"):
        reference = health.get(name)
        if reference is None:
            continue
        if round(reference.full_share - candidate.full_share, 9) > rule.full_sets_tolerance:
            return (
                f"rejected: {candidate.full_sets} of {candidate.sets} sets it drew on held-out ideas hold "
                f"{candidate.set_size} distinct usable titles ({candidate.full_share:.0%}) against "
                f"{name}'s {reference.full_sets} ({reference.full_share:.0%})"
                f"{_beyond(rule.full_sets_tolerance)}{_dropped(candidate)}"
            )
        if round(reference.share - candidate.share, 9) > rule.usable_tolerance:
            return (
                f"rejected: {candidate.usable} of {candidate.sampled} titles it wrote on held-out ideas "
                f"are usable ({candidate.share:.0%}) against {name}'s {reference.usable} "
                f"({reference.share:.0%}){_beyond(rule.usable_tolerance)}{_dropped(candidate)}"
            )
    return None


def _beyond(tolerance: float) -> str:
    return f", a loss of more than the tolerated {tolerance:.0%}" if tolerance else ""


def _dropped(health: GenerationHealth) -> str:
    """The reasons its drafts were dropped, most frequent first, and its
    repeated titles, for the refusal."""
    reasons = [f"{reason} {count}" for reason, count in health.dropped.items()]
    if health.repeats:
        reasons.append(f"repeats of a title already in the set {health.repeats}")
    return "; drafts dropped: " + ", ".join(reasons) if reasons else ""
