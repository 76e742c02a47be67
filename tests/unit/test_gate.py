"""The gate activates a candidate only when it does at least as well as the active version."""

from __future__ import annotations

from prefloop.trainer.training.evaluate import PreferenceScore
from prefloop.trainer.training.gate import GateRule, gate_refusal, health_refusal
from prefloop.trainer.training.health import GenerationHealth


def score(accuracy: float, margin: float) -> PreferenceScore:
    return PreferenceScore(accuracy=accuracy, margin=margin, pairs=10)


def test_a_more_accurate_candidate_passes() -> None:
    assert gate_refusal(score(0.7, 0.1), score(0.6, 0.3)) is None


def test_equal_accuracy_is_decided_by_the_margin() -> None:
    assert gate_refusal(score(0.6, 0.2), score(0.6, 0.1)) is None
    assert gate_refusal(score(0.6, 0.1), score(0.6, 0.1)) is not None


def test_a_worse_candidate_is_rejected_with_both_scores_named() -> None:
    reason = gate_refusal(score(0.5, 0.05), score(0.6, 0.1))
    assert reason is not None
    assert "0.500" in reason
    assert "0.600" in reason


def test_without_held_out_pairs_there_is_nothing_to_beat() -> None:
    reason = gate_refusal(None, None)
    assert reason is not None
    assert "no held-out pairs" in reason


def test_a_required_gain_refuses_a_candidate_that_is_only_slightly_better() -> None:
    reason = gate_refusal(score(0.65, 0.3), score(0.6, 0.1), min_accuracy_gain=0.2)
    assert reason is not None
    assert "+0.050" in reason
    assert "0.200" in reason
    assert gate_refusal(score(0.85, 0.3), score(0.6, 0.1), min_accuracy_gain=0.2) is None


def test_a_tolerance_lets_a_candidate_within_noise_pass_and_names_a_clear_loss() -> None:
    assert gate_refusal(score(0.60, 0.1), score(0.60, 0.3), tolerance=0.05) is None
    assert gate_refusal(score(0.56, 0.1), score(0.60, 0.3), tolerance=0.05) is None
    assert gate_refusal(score(0.70, 0.1), score(0.75, 0.3), tolerance=0.05) is None  # exactly the tolerance
    reason = gate_refusal(score(0.50, 0.1), score(0.60, 0.3), tolerance=0.05)
    assert reason is not None
    assert "loses 0.100" in reason
    assert "tolerated 0.050" in reason


def test_a_required_gain_overrides_the_tolerance() -> None:
    assert gate_refusal(score(0.60, 0.3), score(0.60, 0.1), min_accuracy_gain=0.1, tolerance=0.05) is not None


LOOSE = GateRule(full_sets_tolerance=0.1, usable_tolerance=0.1)


def health(usable: int, full_sets: int, sampled: int = 96, sets: int = 16) -> GenerationHealth:
    return GenerationHealth(usable=usable, sampled=sampled, full_sets=full_sets, sets=sets, set_size=4)


def test_a_candidate_that_serves_fewer_full_sets_than_base_is_refused() -> None:
    base = health(usable=80, full_sets=16)
    assert health_refusal({"candidate": health(80, 16), "base": base}, GateRule()) is None
    reason = health_refusal({"candidate": health(80, 15), "base": base}, GateRule())
    assert reason is not None
    assert "15 of 16 sets" in reason
    assert "4 distinct usable titles" in reason
    assert "base's 16" in reason
    assert "tolerated" not in reason  # none is, by default


def test_a_full_sets_tolerance_lets_a_loss_within_it_pass() -> None:
    base = health(usable=80, full_sets=14)
    assert health_refusal({"candidate": health(80, 13), "base": base}, LOOSE) is None
    reason = health_refusal({"candidate": health(80, 10), "base": base}, LOOSE)
    assert reason is not None
    assert "10 of 16 sets" in reason
    assert "tolerated 10%" in reason


def test_a_candidate_that_writes_clearly_fewer_usable_titles_than_base_is_refused() -> None:
    base = health(usable=80, full_sets=14)
    assert health_refusal({"candidate": health(75, 14), "base": base}, LOOSE) is None
    reason = health_refusal({"candidate": health(60, 14), "base": base}, LOOSE)
    assert reason is not None
    assert "60 of 96 titles" in reason


def test_a_refusal_names_why_the_candidates_drafts_were_dropped() -> None:
    broken = GenerationHealth(
        usable=50,
        sampled=96,
        full_sets=8,
        sets=16,
        set_size=4,
        dropped={"unfinished": 40, "copies the idea": 6},
        repeats=30,
    )
    reason = health_refusal({"candidate": broken, "base": health(80, 16)}, LOOSE)
    assert reason is not None
    assert reason.endswith(
        "drafts dropped: unfinished 40, copies the idea 6, repeats of a title already in the set 30"
    )


def test_a_candidate_must_serve_as_well_as_its_parent_too() -> None:
    # Within the tolerance of base, but clearly below the version it would replace.
    measured = {"candidate": health(80, 11), "base": health(80, 12), "parent": health(90, 16)}
    reason = health_refusal(measured, LOOSE)
    assert reason is not None
    assert "parent's 16" in reason


def test_unmeasured_health_does_not_refuse() -> None:
    assert health_refusal({}, GateRule()) is None
    assert health_refusal({"candidate": health(0, 0)}, GateRule()) is None
