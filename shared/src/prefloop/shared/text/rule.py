"""The text rule, as a function, a check that raises, and pydantic types."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# HTTP errors that start with this are a 422 (errors.py), not a schema 400.
REFUSED = "text refused"

_LINE_BREAKS = "\t\n\r"


class TextRefused(ValueError):
    """Text that breaks the rule; the message names the field and the character."""


def text_problem(value: str, multiline: bool = False) -> str | None:
    """What is wrong with `value` (the first offending character), or None."""
    for position, char in enumerate(value):
        if multiline and char in _LINE_BREAKS:
            continue
        if unicodedata.category(char) == "Cc":
            name = "NUL" if char == "\0" else f"U+{ord(char):04X}"
            return f"contains a control character ({name}) at position {position}"
    return None


def check_text(value: str, field: str, multiline: bool = False) -> str:
    problem = text_problem(value, multiline)
    if problem:
        raise TextRefused(f"{field} {problem}")
    return value


def _validator(multiline: bool) -> AfterValidator:
    def check(value: str) -> str:
        problem = text_problem(value, multiline)
        if problem:
            raise PydanticCustomError("text_refused", f"{REFUSED}: {problem}")
        return value

    return AfterValidator(check)


# One line (titles, user ids, versions) / free text that may span lines (ideas).
CleanLine = Annotated[str, _validator(multiline=False)]
CleanText = Annotated[str, _validator(multiline=True)]
