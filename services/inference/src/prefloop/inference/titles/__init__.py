"""Turning raw generations into clean, distinct titles."""

from prefloop.inference.titles.cleaning import CleanResult, clean_title

__all__ = ["CleanResult", "clean_title"]
