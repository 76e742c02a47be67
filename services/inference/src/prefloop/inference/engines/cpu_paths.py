"""Which weights serve on a CPU: measured on the machine, not assumed.

Which kernel wins depends on the CPU: int8 weight-only matmuls, bf16 through
AMX or avx512_bf16, or plain fp32 with oneDNN. Machines of one kind differ
from day to day, so at start the engine times each path on the real model
(the same prompt, a fixed number of new tokens, greedy, after a warm-up),
checks that its next-token distribution stays close to fp32's (mean KL over
a few prompts: a path that changes what the model says is not a faster
version of it), and serves with the fastest that passes. The result is
cached per CPU model, thread count, torch version and model, so later starts
skip the timing; `PREFLOOP_INFERENCE_CPU_WEIGHTS` forces one path.

Paths:
- `fp32`: PEFT adapters on the fp32 model; a mixed-version batch is one call.
- `bf16`: the same in bf16.
- `int8`: int8 weights with bf16 activations, each version its own model with
  the adapter merged (`int8.py`, `weights.py`).
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from prefloop.inference.engines.weights import MergedInt8Versions, ServedWeights, SharedBaseAdapters
from prefloop.shared.cpu import cpu_features, cpu_model_name

log = logging.getLogger(__name__)

PATHS = ("fp32", "bf16", "int8")
MAX_KL = 0.02  # nats; bf16 and int8 weights measure well under it, activation quantization far over
TIMED_TOKENS = 24
TIMED_RUNS = 3
PROBE_IDEAS = (
    "how I fixed my sourdough starter after it died in winter",
    "a beginner's guide to bouldering outdoors",
    "why octopuses are so smart",
)


@dataclass(frozen=True)
class PathFigures:
    path: str
    tokens_per_s: float  # one sequence, greedy
    kl_from_fp32: float  # mean next-token KL on the probe prompts


@dataclass(frozen=True)
class PathChoice:
    path: str
    reason: str  # "measured", "cached" or "forced"
    figures: tuple[PathFigures, ...] = ()
    machine: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "cpu_path": self.path,
            "cpu_path_reason": self.reason,
            "cpu_machine": self.machine,
            "cpu_paths_measured": [asdict(f) for f in self.figures],
        }


def machine_key(threads: int, model: str) -> str:
    """What a measurement holds for: the CPU's model name and features, threads, torch and model."""
    import torch

    features = ",".join(cpu_features()) or "none"
    return f"{cpu_model_name()} ({features}) | {threads} threads | torch {torch.__version__} | {model}"


def build_weights(path: str, fp32_model: Any) -> ServedWeights:
    import torch

    if path == "fp32":
        return SharedBaseAdapters(fp32_model)
    if path == "bf16":
        return SharedBaseAdapters(copy.deepcopy(fp32_model).to(torch.bfloat16).eval())
    if path == "int8":
        return MergedInt8Versions(fp32_model)
    raise ValueError(f"unknown CPU path {path!r}; choose one of {', '.join(PATHS)}")


def _base_model(weights: ServedWeights) -> Any:
    (call,) = weights.calls(["base"])
    return call.model


def tokens_per_s(model: Any, tokenizer: Any, prompt: str) -> float:
    """Greedy decoding of exactly TIMED_TOKENS new tokens, best of TIMED_RUNS after a warm-up."""
    import torch

    batch = tokenizer([prompt], return_tensors="pt")
    kwargs = {
        "do_sample": False,
        "max_new_tokens": TIMED_TOKENS,
        "min_new_tokens": TIMED_TOKENS,
        "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
    }
    best = float("inf")
    with torch.inference_mode():
        model.generate(**batch, **kwargs)  # warm-up: first-call allocations and kernel choice
        for _ in range(TIMED_RUNS):
            started = time.perf_counter()
            model.generate(**batch, **kwargs)
            best = min(best, time.perf_counter() - started)
    return TIMED_TOKENS / best


def _decoded_logits(model: Any, ids: Any) -> Any:
    """The last position's logits as decoding computes them: the prompt but its
    last token through the cache, then that token alone (int8 layers take a
    different kernel for one row than for a prompt's many)."""
    prefix = model(input_ids=ids[:, :-1], use_cache=True)
    return model(input_ids=ids[:, -1:], past_key_values=prefix.past_key_values).logits[0, -1].float()


def next_token_kl(model: Any, reference: Any, tokenizer: Any, prompts: Sequence[str]) -> float:
    """Mean KL(reference || model) of the next-token distribution after each prompt."""
    import torch

    total = 0.0
    with torch.inference_mode():
        for prompt in prompts:
            ids = tokenizer([prompt], return_tensors="pt")["input_ids"]
            p = torch.log_softmax(_decoded_logits(reference, ids), dim=-1)
            q = torch.log_softmax(_decoded_logits(model, ids), dim=-1)
            total += float(torch.sum(p.exp() * (p - q)))
    return total / len(prompts)


def measure(fp32_model: Any, tokenizer: Any, render: Callable[[str], str]) -> list[PathFigures]:
    prompts = [render(idea) for idea in PROBE_IDEAS]
    figures = []
    for path in PATHS:
        weights = build_weights(path, fp32_model)
        model = _base_model(weights)
        kl = 0.0 if path == "fp32" else next_token_kl(model, fp32_model, tokenizer, prompts)
        figures.append(PathFigures(path, round(tokens_per_s(model, tokenizer, prompts[0]), 1), round(kl, 5)))
        log.info("CPU path %s: %.1f tokens/s, KL from fp32 %.4f", path, figures[-1].tokens_per_s, kl)
    return figures


def fastest_faithful(figures: Sequence[PathFigures], max_kl: float = MAX_KL) -> str:
    faithful = [f for f in figures if f.kl_from_fp32 <= max_kl]
    return max(faithful, key=lambda f: f.tokens_per_s).path if faithful else "fp32"


class PathCache:
    """Measurements by machine key, in one JSON file."""

    def __init__(self, file: Path) -> None:
        self._file = file

    def get(self, key: str) -> list[PathFigures] | None:
        try:
            entry = json.loads(self._file.read_text()).get(key)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, list):
            return None
        try:
            return [PathFigures(**f) for f in entry]
        except TypeError:
            return None  # written by another version of this module: measure again

    def put(self, key: str, figures: Sequence[PathFigures]) -> None:
        try:
            known = json.loads(self._file.read_text())
        except (OSError, ValueError):
            known = {}
        known[key] = [asdict(f) for f in figures]
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps(known, indent=1))
        tmp.replace(self._file)


def choose_path(
    setting: str, fp32_model: Any, tokenizer: Any, render: Callable[[str], str], cache: PathCache, key: str
) -> PathChoice:
    """The path to serve with: the forced one, else the cached or fresh measurement's fastest faithful."""
    if setting != "auto":
        return PathChoice(setting, "forced", machine=key)
    cached = cache.get(key)
    if cached is not None:
        return PathChoice(fastest_faithful(cached), "cached", tuple(cached), key)
    figures = measure(fp32_model, tokenizer, render)
    cache.put(key, figures)
    return PathChoice(fastest_faithful(figures), "measured", tuple(figures), key)
