"""Sets drawn for the health gate follow the inference service's retries."""

from __future__ import annotations

from prefloop.shared.titles.cleaning import CleanResult
from prefloop.shared.titles.retries import attempt_rows
from prefloop.trainer.training.health import draw_sets, generation_health


class ScriptedDrafts:
    """Hands out the drafts it was given, in order, and records every call;
    None stands for a draft cleaning dropped as unfinished."""

    def __init__(self, drafts: list[str | None]) -> None:
        self._drafts = iter(drafts)
        self.calls: list[tuple[list[str], int]] = []

    def __call__(self, ideas: list[str], seed: int) -> list[CleanResult]:
        self.calls.append((ideas, seed))
        drafts = [next(self._drafts) for _ in ideas]
        return [
            CleanResult(d, False) if d is not None else CleanResult(None, True, "unfinished") for d in drafts
        ]


def test_the_retry_schedule_asks_for_more_at_each_attempt() -> None:
    assert [attempt_rows(4, 2, attempt) for attempt in range(3)] == [6, 12, 18]
    assert attempt_rows(1, 2, 1) == 6
    assert attempt_rows(0, 2, 0) == 0


def test_a_set_short_after_its_first_attempt_is_drawn_again_and_a_full_one_is_not() -> None:
    full_first = ["A", "B", None]  # idea one: 2 asked + 1 oversample, full at once
    short_first = [None, "C", "c"]  # idea two: one distinct usable title, one missing
    retry = [None, "D", "E", "F"]  # idea two only: (1 missing + 1) x 2 drafts
    drafts = ScriptedDrafts(full_first + short_first + retry)
    sets = draw_sets(drafts, ["one", "two"], set_size=2, seed=5, oversample=1)
    assert [s.titles for s in sets] == [["A", "B"], ["C", "D"]]
    assert drafts.calls == [(["one"] * 3 + ["two"] * 3, 5), (["two"] * 4, 6)]
    health = generation_health(sets, set_size=2)
    assert (health.usable, health.sampled, health.full_sets, health.sets) == (7, 10, 2, 2)
    assert health.dropped == {"unfinished": 3}
    assert health.repeats == 1  # "c" after "C"


def test_a_set_still_short_after_every_attempt_counts_as_short() -> None:
    drafts = ScriptedDrafts(["Only one"] + [None] * 100)
    sets = draw_sets(drafts, ["idea"], set_size=2, oversample=0, attempts=3)
    assert sets[0].titles == ["Only one"]
    assert len(drafts.calls) == 3
    health = generation_health(sets, set_size=2)
    assert (health.full_sets, health.usable, health.sampled) == (0, 1, 2 + 2 + 3)


def test_a_near_copy_counts_as_a_repeat_and_leaves_its_set_short() -> None:
    drafts = ScriptedDrafts(
        [
            "The Ultimate Guide to Fixing Your Sourdough Starters!",
            "The Ultimate Guide to Fixing Sourdough Starters!",
        ]
        + [None] * 100
    )
    sets = draw_sets(drafts, ["idea"], set_size=2, oversample=0, attempts=2)
    assert sets[0].titles == ["The Ultimate Guide to Fixing Your Sourdough Starters!"]
    health = generation_health(sets, set_size=2)
    assert (health.full_sets, health.usable, health.repeats) == (0, 2, 1)
