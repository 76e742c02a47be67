"""Inference settings (PREFLOOP_INFERENCE_*) over the shared base."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from prefloop.shared.settings import PrefloopSettings
from prefloop.shared.titles import DEFAULT_SAMPLING, TitleSampling
from prefloop.shared.titles.retries import DEFAULT_ATTEMPTS, DEFAULT_OVERSAMPLE


class InferenceSettings(PrefloopSettings):
    model_config = SettingsConfigDict(env_prefix="PREFLOOP_INFERENCE_", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8001, ge=1, le=65535)
    engine: Literal["auto", "transformers", "vllm", "llama.cpp"] = Field(
        default="auto",
        description="auto (llama.cpp on a CPU where it is installed and the model has a GGUF, else "
        "transformers), transformers (CPU or GPU), vllm (GPU) or llama.cpp (CPU)",
    )
    gguf_file: Path | None = Field(
        default=None,
        description="llama.cpp: the base model's GGUF (the default model's own file when unset)",
    )
    llama_cpp_weights: Literal["q8_0", "file"] = Field(
        default="q8_0",
        description="llama.cpp: serve an 8-bit copy of the GGUF, made once (faster for prompts and "
        "batches), or the file's own weights",
    )
    vllm_gpu_memory_utilization: float = Field(
        default=0.85, gt=0.05, le=0.98, description="vLLM: share of GPU memory the engine takes"
    )
    vllm_max_loras: int = Field(default=2, ge=1, le=16, description="vLLM: adapter slots on the GPU")
    vllm_max_cpu_loras: int = Field(
        default=4, ge=1, le=64, description="vLLM: adapters cached in CPU memory (above the GPU slots)"
    )
    max_new_tokens: int = Field(
        default=DEFAULT_SAMPLING.max_new_tokens, ge=4, le=128, description="tokens per title"
    )
    temperature: float = Field(default=DEFAULT_SAMPLING.temperature, gt=0.0, le=2.0)
    top_p: float = Field(default=DEFAULT_SAMPLING.top_p, gt=0.0, le=1.0)
    oversample: int = Field(
        default=DEFAULT_OVERSAMPLE, ge=0, le=8, description="extra candidates per request"
    )
    attempts: int = Field(
        default=DEFAULT_ATTEMPTS, ge=1, le=6, description="generation rounds to reach N titles"
    )
    max_batch_rows: int = Field(default=32, ge=1, le=512, description="sequences per model call")
    batch_wait_ms: float = Field(
        default=5.0, ge=0, le=1000, description="how long an idle engine waits for company"
    )
    max_adapter_rank: int = Field(default=64, ge=1, le=512)
    torch_threads: int | None = Field(
        default=None, ge=1, le=256, description="CPU threads for torch; unset keeps torch's default"
    )
    device: str = Field(default="auto", description="auto, cpu or cuda")
    cpu_weights: Literal["auto", "fp32", "bf16", "int8"] = Field(
        default="auto",
        description="on CPU: auto (the fastest path measured on this machine whose next-token "
        "distribution stays close to fp32's), or force fp32, bf16 (PEFT adapters on one model) or int8 "
        "(int8 weights, adapters merged per version)",
    )

    @model_validator(mode="after")
    def _cpu_loras_above_gpu_slots(self) -> InferenceSettings:
        # vLLM evicts an adapter in use when the CPU cache is no larger than the slots.
        if self.vllm_max_cpu_loras <= self.vllm_max_loras:
            raise ValueError(
                f"vllm_max_cpu_loras ({self.vllm_max_cpu_loras}) must be above vllm_max_loras "
                f"({self.vllm_max_loras})"
            )
        return self

    def resolved_device(self) -> str:
        """The device `device` means here: `auto` is cuda where torch sees a GPU, else cpu."""
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    @property
    def sampling(self) -> TitleSampling:
        """How the engine samples titles with these settings."""
        return TitleSampling(self.max_new_tokens, self.temperature, self.top_p)
