"""How titles are sampled by default: the inference service serves with these
settings, and the trainer's health gate samples candidates the same way, so it
sees what users would see."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TitleSampling:
    max_new_tokens: int = 28
    temperature: float = 0.9
    top_p: float = 0.95
    top_k: int = 50  # Hugging Face generate's default, which titles were always sampled with


DEFAULT_SAMPLING = TitleSampling()
