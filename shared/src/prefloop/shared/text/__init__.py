"""One rule for the text prefloop accepts, at every edge (HTTP bodies, path
parameters, events decoded from the bus): no NUL or other control
characters, which Postgres refuses (NUL) or which no title, idea or name
carries. Tabs and line breaks are allowed where a field says so."""

from prefloop.shared.text.rule import (
    CleanLine,
    CleanText,
    TextRefused,
    check_text,
    text_problem,
)

__all__ = ["CleanLine", "CleanText", "TextRefused", "check_text", "text_problem"]
