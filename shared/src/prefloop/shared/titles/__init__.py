"""Turning raw generations into clean titles: what counts as usable is shared by
the inference service (what users see) and the trainer (the health gate)."""

from prefloop.shared.titles.cleaning import DROP_REASONS, CleanResult, clean_title, speaks_of_the_request
from prefloop.shared.titles.distinct import distinct, is_new, new_titles, same_title
from prefloop.shared.titles.sampling import DEFAULT_SAMPLING, TitleSampling

__all__ = [
    "DEFAULT_SAMPLING",
    "DROP_REASONS",
    "CleanResult",
    "TitleSampling",
    "clean_title",
    "distinct",
    "is_new",
    "new_titles",
    "same_title",
    "speaks_of_the_request",
]
