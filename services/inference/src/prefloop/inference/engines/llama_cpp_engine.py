"""llama.cpp engine (CPU): the GGUF base model with per-version LoRA adapters.

On a CPU this is the fast path: llama.cpp's quantized kernels run the same
GGUF the default model is converted from several times faster than any torch
path (docs/performance.md). Prompts are rendered and titles decoded with the
model's Hugging Face tokenizer, as the transformers engine does, so both
engines serve the same prompt and see the same tokens. An adapter version
arrives as a PEFT LoRA; it is written once as a llama.cpp LoRA (`gguf_lora.py`)
beside the engine's cache, loaded next to the base weights (which it never
changes) and applied to the calls that serve its rows.

Every model operation runs on one model thread (`model_thread.py`).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prefloop.inference.engines.base import BASE_VERSION, Completion, EngineFailed
from prefloop.inference.engines.gguf_lora import write_gguf_lora
from prefloop.inference.engines.llama_cpp_model import LlamaCppError, LlamaCppModel, as_q8_0
from prefloop.inference.engines.model_thread import CompletionsJob, ModelThreadEngine, model_thread
from prefloop.inference.metrics import ENGINE_PATH, GENERATED_TOKENS
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models import resolve_base_model
from prefloop.shared.models.provision import DEFAULT_BASE_MODEL, default_cache_dir, locate_default_gguf
from prefloop.shared.titles import TitleSampling

log = logging.getLogger(__name__)


def gguf_for(settings: InferenceSettings) -> Path:
    """The GGUF file llama.cpp serves: the configured one, or the file the
    default model is converted from."""
    if settings.gguf_file is not None:
        return settings.gguf_file
    if settings.base_model == DEFAULT_BASE_MODEL:
        return locate_default_gguf()
    raise ValueError(
        f"the llama.cpp engine needs a GGUF of {settings.base_model!r}: set PREFLOOP_INFERENCE_GGUF_FILE"
    )


class LlamaCppEngine(ModelThreadEngine):
    def __init__(
        self,
        model: LlamaCppModel,
        tokenizer: Any,
        model_config: dict[str, Any],
        sampling: TitleSampling,
        max_batch_rows: int = 32,
        batch_wait_s: float = 0.005,
        worker: ThreadPoolExecutor | None = None,
        description: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(tokenizer, max_batch_rows, batch_wait_s, worker)
        self._model = model
        self._model_config = model_config
        self._sampling = sampling
        self._lora_dir = Path(tempfile.mkdtemp(prefix="prefloop-gguf-lora-"))
        self._description = {"engine": "llama.cpp", "device": "cpu", **(description or {})}
        self._worker.submit(model.share_prefix, self._prompt_head()).result()

    def _prompt_head(self) -> list[int]:
        """The tokens every served prompt starts with, whatever the idea."""
        heads = [self._encode(self.render_prompt(idea)) for idea in ("a", "Why 9 cats?")]
        shared = 0
        while shared < min(map(len, heads)) and heads[0][shared] == heads[1][shared]:
            shared += 1
        return heads[0][:shared]

    def _encode(self, prompt: str) -> list[int]:
        return list(self._tokenizer(prompt, add_special_tokens=False)["input_ids"])

    @classmethod
    def from_settings(cls, settings: InferenceSettings) -> LlamaCppEngine:
        from transformers import AutoTokenizer

        source = gguf_for(settings)
        hf_dir = Path(resolve_base_model(settings.base_model))
        worker = model_thread()
        gguf = source
        if settings.llama_cpp_weights == "q8_0":
            gguf = worker.submit(as_q8_0, source, default_cache_dir()).result()
        model = worker.submit(LlamaCppModel, gguf, settings.torch_threads).result()
        path = f"llama.cpp {settings.llama_cpp_weights}"
        ENGINE_PATH.info({"cpu_path": path, "reason": "configured"})
        log.info("loaded %s in llama.cpp for %s", gguf.name, settings.base_model)
        return cls(
            model,
            AutoTokenizer.from_pretrained(hf_dir),
            json.loads((hf_dir / "config.json").read_text()),
            settings.sampling,
            max_batch_rows=settings.max_batch_rows,
            batch_wait_s=settings.batch_wait_ms / 1000,
            worker=worker,
            description={"cpu_path": path, "gguf": gguf.name},
        )

    def describe(self) -> dict[str, Any]:
        return dict(self._description)

    def _has(self, version: str) -> bool:
        return version == BASE_VERSION or self._model.has_adapter(version)

    def _generate_jobs(self, jobs: Sequence[CompletionsJob]) -> list[list[Completion]]:
        """Each job's completions; one model call per version in the batch."""
        try:
            return self._sample_jobs(jobs)
        except LlamaCppError as exc:
            raise EngineFailed(str(exc)) from exc

    def _sample_jobs(self, jobs: Sequence[CompletionsJob]) -> list[list[Completion]]:
        completions: list[list[Completion]] = [[] for _ in jobs]
        by_version: dict[str, list[int]] = {}
        for i, job in enumerate(jobs):
            by_version.setdefault(job.version, []).append(i)
        end = self._tokenizer.eos_token_id
        for version, indices in by_version.items():
            prompts: list[list[int]] = []
            owners: list[int] = []
            for i in indices:
                ids = self._encode(jobs[i].prompt)
                prompts += [ids] * jobs[i].n
                owners += [i] * jobs[i].n
            adapter = None if version == BASE_VERSION else version
            rows = self._model.sample(prompts, adapter, self._sampling, end)
            for owner, row in zip(owners, rows, strict=True):
                GENERATED_TOKENS.inc(len(row.tokens))
                text = self._tokenizer.decode(row.tokens, skip_special_tokens=True)
                completions[owner].append(Completion(text=text, finished=row.finished))
        return completions

    async def load_adapter(self, version: str, path: Path) -> None:
        await self.run_on_model_thread(self._load, version, path)

    def _load(self, version: str, path: Path) -> None:
        if self._model.has_adapter(version):
            return
        lora = write_gguf_lora(path, self._lora_dir / f"{version}.gguf", self._model_config)
        try:
            self._model.add_adapter(version, lora)
        finally:
            lora.unlink(missing_ok=True)  # llama.cpp holds the weights in memory once loaded

    async def unload_adapter(self, version: str) -> None:
        await self.run_on_model_thread(self._model.remove_adapter, version)

    def _release(self) -> None:
        self._model.close()
        shutil.rmtree(self._lora_dir, ignore_errors=True)
