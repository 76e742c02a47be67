"""Which adapter versions are loaded, which one is active, and safe swaps."""

from prefloop.inference.adapters.manager import AdapterManager, UnknownVersion

__all__ = ["AdapterManager", "UnknownVersion"]
