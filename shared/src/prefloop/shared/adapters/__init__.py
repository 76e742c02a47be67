"""The adapter store: immutable, validated LoRA adapter versions on disk."""

from prefloop.shared.adapters.store import AdapterRefused, AdapterStore, Manifest

__all__ = ["AdapterRefused", "AdapterStore", "Manifest"]
