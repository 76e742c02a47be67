"""On-policy pairs beyond the reward model's ranking: drafts the service would drop, the idea
handed back and titles the policy repeats, each paired under a usable draft."""

from __future__ import annotations

from prefloop.shared.titles import clean_title
from prefloop.trainer.training.dpo import TrainingPair
from prefloop.trainer.training.health import Draft
from prefloop.trainer.training.on_policy import (
    fresh_over_repeated,
    in_turn,
    repeated_titles,
    served_over_dropped,
    served_over_idea,
    usable_best_first,
    without_repeats,
)
from prefloop.trainer.training.reward import TitleReward

IDEA = "restoring a vintage radio at home"


def draft(text: str, finished: bool = True) -> Draft:
    return Draft(text, clean_title(text, finished, IDEA))


def calm_reward() -> TitleReward:
    pairs = [
        TrainingPair(IDEA, "The radio that came back to life", "The radio that came back to life!!!")
        for _ in range(20)
    ]
    return TitleReward.fit(pairs)


def test_a_dropped_draft_is_paired_as_written_under_the_best_usable_one() -> None:
    rambling = "The radio that came back to life after forty years in a damp shed and the"
    row = [
        draft("The radio that came back to life!!!"),
        draft(rambling, finished=False),  # stopped at the token limit
        draft("The radio that came back to life"),
        draft("restoring a vintage radio at home"),  # the idea handed back
    ]
    pairs = served_over_dropped(calm_reward(), [IDEA], [row], per_idea=1)
    assert pairs == [TrainingPair(IDEA, "The radio that came back to life", rambling)]
    both = served_over_dropped(calm_reward(), [IDEA], [row], per_idea=2)
    assert [p.rejected for p in both] == [rambling, "restoring a vintage radio at home"]


def test_no_pair_without_both_a_usable_and_a_dropped_draft() -> None:
    all_usable = [draft("The radio that came back to life"), draft("A radio from 1952, working again")]
    none_usable = [draft("", finished=False), draft("restoring a vintage radio at home")]
    blank_only = [draft("The radio that came back to life"), draft("   ")]
    rows = [all_usable, none_usable, blank_only]
    assert served_over_dropped(calm_reward(), [IDEA] * 3, rows, per_idea=1) == []
    assert served_over_dropped(calm_reward(), [IDEA], [all_usable], per_idea=0) == []


def test_each_idea_with_a_usable_draft_pairs_its_best_over_the_idea_handed_back() -> None:
    usable = [draft("The radio that came back to life!!!"), draft("The radio that came back to life")]
    none_usable = [draft("", finished=False), draft("restoring a vintage radio at home")]
    pairs = served_over_idea(calm_reward(), [IDEA, IDEA], [usable, none_usable])
    assert pairs == [
        TrainingPair(IDEA, "The radio that came back to life", "Restoring a vintage radio at home")
    ]
    assert clean_title(pairs[0].rejected, True, IDEA).reason == "copies the idea"


def test_a_title_drawn_twice_is_never_chosen_and_is_paired_under_one_drawn_once() -> None:
    loved = "The radio that came back to life"
    row = [
        draft(loved),
        draft("The Radio That Came Back To Life"),  # the same title to a reader
        draft("A radio from 1952, working again!!!"),
        draft("Fixing a radio older than my dad"),
    ]
    reward = calm_reward()
    assert repeated_titles(row) == [loved]
    kept = [d.cleaned.title for d in without_repeats(row)]
    assert kept == ["A radio from 1952, working again!!!", "Fixing a radio older than my dad"]
    pairs = fresh_over_repeated(reward, [IDEA], [row])
    assert [p.rejected for p in pairs] == [loved]
    assert pairs[0].chosen in kept


def test_a_policy_that_draws_one_title_only_keeps_it_and_makes_no_repeat_pair() -> None:
    collapsed = [draft("The radio that came back to life")] * 3 + [draft("", finished=False)]
    assert without_repeats(collapsed) == collapsed
    assert fresh_over_repeated(calm_reward(), [IDEA], [collapsed]) == []
    varied = [draft("The radio that came back to life"), draft("Fixing a radio older than my dad")]
    assert repeated_titles(varied) == []
    assert without_repeats(varied) == varied
    assert fresh_over_repeated(calm_reward(), [IDEA], [varied]) == []


def test_the_pairs_of_an_idea_take_its_usable_titles_in_turn_best_first() -> None:
    calm, loud = "The radio that came back to life", "The radio that came back to life!!!"
    row = [draft(loud), draft(calm), draft("", finished=False)]
    reward = calm_reward()
    assert usable_best_first(reward, IDEA, row) == [calm, loud]
    assert [in_turn([calm, loud], turn) for turn in range(3)] == [calm, loud, calm]
    assert served_over_idea(reward, [IDEA], [row], turn=1)[0].chosen == loud
    assert served_over_idea(reward, [IDEA], [row], turn=2)[0].chosen == calm
    rambling = "The radio that came back to life after forty years in a damp shed and the"
    two_dropped = [*row, draft(rambling, finished=False), draft(IDEA)]
    pairs = served_over_dropped(reward, [IDEA], [two_dropped], per_idea=2, turn=1)
    assert [(p.chosen, p.rejected) for p in pairs] == [(loud, rambling), (calm, IDEA)]
