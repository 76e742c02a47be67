"""The one text rule: control characters are refused by name and position."""

from __future__ import annotations

import pytest

from prefloop.shared.text import TextRefused, check_text, text_problem


def test_plain_text_passes_and_control_characters_are_named() -> None:
    assert text_problem("Why Octopuses Are So Smart — in 5 minutes 🐙") is None
    assert text_problem("cats\0dogs") == "contains a control character (NUL) at position 4"
    assert text_problem("a\x7fb") == "contains a control character (U+007F) at position 1"
    assert text_problem("a\u0085b") == "contains a control character (U+0085) at position 1"
    assert text_problem("one\ntwo") == "contains a control character (U+000A) at position 3"
    assert text_problem("one\ntwo\tthree", multiline=True) is None
    assert text_problem("one\0two", multiline=True) is not None


def test_check_text_raises_naming_the_field() -> None:
    assert check_text("v0001", "version") == "v0001"
    with pytest.raises(TextRefused, match=r"^user_id contains a control character \(NUL\)"):
        check_text("u\0x", "user_id")
