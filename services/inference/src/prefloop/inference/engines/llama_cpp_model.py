"""One GGUF model in llama.cpp, with LoRA adapters, sampling many rows at once.

A thin layer over llama.cpp's C API (`llama_cpp`, the ctypes binding of
llama-cpp-python): its high-level `Llama` class holds one sequence at a time,
while titles come in sets, and concurrent requests should share the model's
steps. Here every row of a call is its own sequence in one context:

- each distinct prompt is read once, and its rows share those cached tokens
  (the KV cache is unified, so copying a sequence copies no data);
- the head every served prompt starts with (system prompt and instructions)
  stays cached between calls for the version last served, so a call reads
  only what follows it, the idea;
- each step decodes one token for every row still running, so rows that
  end early cost nothing more;
- tokens are drawn by the shared `draw_tokens` rule (temperature, top-k,
  nucleus), as the transformers engine and the trainer's health gate draw them.

An adapter applies to a whole context, so one call serves one version; a
batch that mixes versions runs one call per version. Every method runs on
the engine's single model thread.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefloop.shared.titles import TitleSampling
from prefloop.shared.titles.decoding import draw_tokens

MAX_SEQUENCES = 64
PREFIX_SEQUENCE = MAX_SEQUENCES - 1  # holds the shared head of the served prompts
ROWS_PER_CALL = MAX_SEQUENCES - 1  # larger batches are split
# llama.cpp's compiled instruction sets (as it reports them) -> /proc/cpuinfo flags they need
_NEEDS = {
    "AVX2": ("avx2",),
    "FMA": ("fma",),
    "F16C": ("f16c",),
    "BMI2": ("bmi2",),
    "AVX512": ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"),
    "AVX512_VBMI": ("avx512vbmi",),
    "AVX512_VNNI": ("avx512_vnni",),
    "AVX512_BF16": ("avx512_bf16",),
    "AMX_INT8": ("amx_int8", "amx_tile"),
}


class LlamaCppError(RuntimeError):
    """llama.cpp refused a model, an adapter or a step; the message says which."""


@dataclass(frozen=True)
class RowTokens:
    tokens: list[int]  # new tokens, the end token included when the row ended
    finished: bool


def missing_instructions(system_info: str | None = None, cpu_flags: set[str] | None = None) -> list[str]:
    """Instruction sets the installed llama.cpp was built for (its system info)
    that this CPU (its /proc/cpuinfo flags) lacks. `make setup` builds it for the
    CPU it runs on; a checkout that later runs on another machine must not die
    of an illegal instruction, so the engine asks first."""
    if cpu_flags is None:
        try:
            cpu_flags = set(Path("/proc/cpuinfo").read_text().split())
        except OSError:
            return []  # not Linux: trust the build
    if system_info is None:
        system_info = _library().llama_print_system_info().decode()
    compiled = {part.split("=")[0].strip() for part in system_info.split("|") if part.strip().endswith("= 1")}
    return sorted(name for name in compiled & _NEEDS.keys() if not cpu_flags.issuperset(_NEEDS[name]))


def as_q8_0(source: Path, cache_dir: Path) -> Path:
    """An 8-bit (Q8_0) copy of a GGUF, written once into `cache_dir`.

    llama.cpp's matrix kernels for many rows at once (reading a prompt, a step
    of a batch) cover Q8_0 but not every 4-bit layout, so on a CPU the 8-bit copy
    serves faster, and its next tokens stay as close to fp32 as the file it is
    made from (docs/performance.md). Eight bits hold a 4-bit block's values to
    within 1/254 of the block's range."""
    lib = _library()
    target = cache_dir / f"{source.stem}.q8_0.gguf"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")  # services may start together
    params = lib.llama_model_quantize_default_params()
    params.ftype = lib.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True
    if lib.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params)) != 0:
        raise LlamaCppError(f"llama.cpp could not write an 8-bit copy of {source.name}")
    partial.replace(target)  # whole or absent: a run cut short leaves no half-written model
    return target


@functools.cache
def _library() -> Any:
    """The llama.cpp binding, its logging silenced: it logs every load to stderr,
    and the engine reports what matters itself. The callback stays referenced
    (from the binding, cached here) for the life of the process, as C calls it."""
    import llama_cpp as lib

    lib.prefloop_log_callback = lib.llama_log_callback(lambda level, text, data: None)
    lib.llama_log_set(lib.prefloop_log_callback, ctypes.c_void_p())
    lib.llama_backend_init()
    return lib


class LlamaCppModel:
    def __init__(self, gguf_path: Path, threads: int | None = None, context_tokens: int = 8192) -> None:
        lib = self._lib = _library()
        self._model = lib.llama_model_load_from_file(
            str(gguf_path).encode(), lib.llama_model_default_params()
        )
        if not self._model:
            raise LlamaCppError(f"llama.cpp could not load {gguf_path}")
        params = lib.llama_context_default_params()
        params.n_ctx = context_tokens
        params.n_batch = context_tokens
        params.n_seq_max = MAX_SEQUENCES
        params.kv_unified = True  # rows of one prompt share its cached tokens
        params.n_threads = params.n_threads_batch = threads or len(os.sched_getaffinity(0))
        params.no_perf = True
        self._context = lib.llama_init_from_model(self._model, params)
        if not self._context:
            raise LlamaCppError("llama.cpp could not create a context")
        self._memory = lib.llama_get_memory(self._context)
        self._vocab_size = lib.llama_vocab_n_tokens(lib.llama_model_get_vocab(self._model))
        self._batch = lib.llama_batch_init(context_tokens, 0, MAX_SEQUENCES)
        self.context_tokens = context_tokens
        self._adapters: dict[str, Any] = {}
        self._active: str | None = None
        self._shared_prefix: tuple[int, ...] = ()
        self._prefix_cached = False  # whether PREFIX_SEQUENCE holds it, read by the active version

    # adapters

    def has_adapter(self, version: str) -> bool:
        return version in self._adapters

    def add_adapter(self, version: str, gguf_lora: Path) -> None:
        adapter = self._lib.llama_adapter_lora_init(self._model, str(gguf_lora).encode())
        if not adapter:
            raise LlamaCppError(
                f"llama.cpp refused the LoRA {gguf_lora.name} (shape or names do not fit the model)"
            )
        self._adapters[version] = adapter

    def remove_adapter(self, version: str) -> None:
        adapter = self._adapters.pop(version, None)
        if adapter is None:
            return
        if self._active == version:
            self._use(None)
        self._lib.llama_adapter_lora_free(adapter)

    def _use(self, version: str | None) -> None:
        if version == self._active:
            return
        if version is None:
            self._lib.llama_set_adapters_lora(self._context, None, 0, None)
        else:
            adapters = (self._lib.llama_adapter_lora_p_ctypes * 1)(self._adapters[version])
            scales = (ctypes.c_float * 1)(1.0)
            if self._lib.llama_set_adapters_lora(self._context, adapters, 1, scales) != 0:
                raise LlamaCppError(f"llama.cpp could not apply adapter {version}")
        self._active = version
        self._prefix_cached = False  # its keys and values were computed by another version

    # sampling

    def share_prefix(self, tokens: list[int]) -> None:
        """Keep the keys and values of `tokens`, the head that served prompts
        start with, between calls (prompts that do not start with it are read whole)."""
        self._shared_prefix = tuple(tokens)
        self._prefix_cached = False

    def _clear_rows(self) -> int:
        """Forget every row of the last call, keeping the shared prefix (read
        first if it is not cached for the active version); returns its length."""
        if not self._shared_prefix:
            self._lib.llama_memory_clear(self._memory, True)
            return 0
        if self._prefix_cached:
            self._lib.llama_memory_seq_keep(self._memory, PREFIX_SEQUENCE)
        else:
            self._lib.llama_memory_clear(self._memory, True)
            last = len(self._shared_prefix) - 1
            self._decode([(t, p, PREFIX_SEQUENCE, p == last) for p, t in enumerate(self._shared_prefix)])
            self._prefix_cached = True
        return len(self._shared_prefix)

    def sample(
        self, prompts: Sequence[list[int]], adapter: str | None, sampling: TitleSampling, end_token: int
    ) -> list[RowTokens]:
        """One sampled continuation per prompt (token ids), from base (`adapter`
        None) or a loaded adapter."""
        self._use(adapter)
        results: list[RowTokens] = []
        for chunk in self._chunks(prompts, sampling.max_new_tokens):
            results.extend(self._sample_chunk(chunk, sampling, end_token))
        return results

    def _chunks(self, prompts: Sequence[list[int]], new_tokens: int) -> list[Sequence[list[int]]]:
        """Consecutive groups of rows whose prompts and new tokens fit the context."""
        chunks: list[Sequence[list[int]]] = []
        start, used, seen = 0, 0, set[tuple[int, ...]]()
        for i, prompt in enumerate(prompts):
            key = tuple(prompt)
            cost = new_tokens + (0 if key in seen else len(prompt))
            if cost > self.context_tokens:
                raise LlamaCppError(f"a prompt of {len(prompt)} tokens does not fit the context")
            if i - start == ROWS_PER_CALL or used + cost > self.context_tokens:
                chunks.append(prompts[start:i])
                start, used, seen = i, new_tokens + len(prompt), {key}
            else:
                used += cost
                seen.add(key)
        chunks.append(prompts[start:])
        return chunks

    def next_token_logits(self, prompt: list[int], adapter: str | None) -> Any:
        """The logits (numpy, one per vocabulary entry) of the token after `prompt`."""
        self._use(adapter)
        _, logits_at = self._read([prompt])
        return self._logits([logits_at[(0, len(prompt) - 1)]])[0]

    def _read(
        self, prompts: Sequence[list[int]]
    ) -> tuple[dict[tuple[int, ...], int], dict[tuple[int, int], int]]:
        """Forget the last call's rows and read each distinct prompt once, as the
        sequence of its first row (from the end of the shared prefix where it
        starts with it); every other row gets a copy. Returns each prompt's first
        row and the output index of each (row, position) with logits."""
        try:
            shared = self._clear_rows()
            first_row: dict[tuple[int, ...], int] = {}
            entries: list[tuple[int, int, int, bool]] = []  # token, position, sequence, wants logits
            for row, prompt in enumerate(prompts):
                if tuple(prompt) in first_row:
                    continue
                first_row[tuple(prompt)] = row
                start = 0
                if shared and len(prompt) > shared and tuple(prompt[:shared]) == self._shared_prefix:
                    self._lib.llama_memory_seq_cp(self._memory, PREFIX_SEQUENCE, row, 0, shared)
                    start = shared
                entries += [(prompt[p], p, row, p == len(prompt) - 1) for p in range(start, len(prompt))]
            logits_at = self._decode(entries)
        except LlamaCppError:
            self._prefix_cached = False  # a failed call leaves the cache in no known state
            raise
        for row, prompt in enumerate(prompts):
            source = first_row[tuple(prompt)]
            if source != row:
                self._lib.llama_memory_seq_cp(self._memory, source, row, -1, -1)
        return first_row, logits_at

    def _sample_chunk(
        self, prompts: Sequence[list[int]], sampling: TitleSampling, end_token: int
    ) -> list[RowTokens]:
        import torch

        first_row, logits_at = self._read(prompts)
        # The output index that holds each row's next-token logits.
        output = {
            row: logits_at[(first_row[tuple(prompt)], len(prompt) - 1)] for row, prompt in enumerate(prompts)
        }
        new_tokens: list[list[int]] = [[] for _ in prompts]
        running = list(range(len(prompts)))
        for step in range(sampling.max_new_tokens):
            logits = torch.from_numpy(self._logits([output[row] for row in running]))
            drawn = draw_tokens(logits, sampling).tolist()
            for row, token in zip(running, drawn, strict=True):
                new_tokens[row].append(token)
            running = [row for row, token in zip(running, drawn, strict=True) if token != end_token]
            if not running or step + 1 == sampling.max_new_tokens:
                break
            at = self._decode([(new_tokens[row][-1], len(prompts[row]) + step, row, True) for row in running])
            output = {row: at[(row, len(prompts[row]) + step)] for row in running}
        return [RowTokens(tokens, bool(tokens) and tokens[-1] == end_token) for tokens in new_tokens]

    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> dict[tuple[int, int], int]:
        """Decode (token, position, sequence, wants logits) entries in one call;
        returns the output index of each (sequence, position) that wants logits."""
        batch = self._batch
        batch.n_tokens = len(entries)
        outputs: dict[tuple[int, int], int] = {}
        for i, (token, position, sequence, wants) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = position
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = sequence
            batch.logits[i] = wants
            if wants:
                outputs[(sequence, position)] = i
        status = self._lib.llama_decode(self._context, batch)
        if status != 0:
            raise LlamaCppError(f"llama.cpp decode failed (status {status})")
        return outputs

    def _logits(self, indices: list[int]) -> Any:
        import numpy as np

        return np.stack(
            [
                np.ctypeslib.as_array(
                    self._lib.llama_get_logits_ith(self._context, i), shape=(self._vocab_size,)
                )
                for i in indices
            ]
        )

    def close(self) -> None:
        for version in list(self._adapters):
            self.remove_adapter(version)
        self._lib.llama_batch_free(self._batch)
        self._lib.llama_free(self._context)
        self._lib.llama_model_free(self._model)
