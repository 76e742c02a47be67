"""Small statistics used by several services (win rates and their intervals)."""

from prefloop.shared.statistics.wilson import Interval, wilson_interval

__all__ = ["Interval", "wilson_interval"]
