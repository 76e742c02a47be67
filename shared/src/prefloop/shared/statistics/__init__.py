"""Small statistics used by several services (win rates and their intervals)."""

from prefloop.shared.statistics.bootstrap import bootstrap_by_group
from prefloop.shared.statistics.wilson import Interval, wilson_interval

__all__ = ["Interval", "bootstrap_by_group", "wilson_interval"]
