"""Which engine `auto` serves with, and the llama.cpp build checked against the CPU."""

from __future__ import annotations

from prefloop.inference.engines import chosen_engine
from prefloop.inference.engines.llama_cpp_model import missing_instructions
from prefloop.inference.settings import InferenceSettings

BUILT_FOR_AVX512 = (
    "CPU : SSE3 = 1 | AVX2 = 1 | FMA = 1 | AVX512 = 1 | AVX512_BF16 = 1 | AVX512_VNNI = 0 | OPENMP = 1 |"
)
AVX2_ONLY = {"sse3", "avx", "avx2", "fma", "f16c", "bmi2"}
AVX512_CPU = AVX2_ONLY | {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512_bf16"}


def test_a_build_for_instructions_the_cpu_lacks_is_named() -> None:
    assert missing_instructions(BUILT_FOR_AVX512, AVX2_ONLY) == ["AVX512", "AVX512_BF16"]
    assert missing_instructions(BUILT_FOR_AVX512, AVX512_CPU) == []  # VNNI is not compiled in: not needed


def test_the_installed_build_runs_on_this_cpu() -> None:
    assert missing_instructions() == []


def test_auto_serves_llama_cpp_on_a_cpu_for_a_model_with_a_gguf() -> None:
    assert chosen_engine(InferenceSettings(device="cpu")) == "llama.cpp"
    assert chosen_engine(InferenceSettings(device="cpu", base_model="some/model")) == "transformers"
    assert chosen_engine(InferenceSettings(device="cuda")) == "transformers"
    assert chosen_engine(InferenceSettings(device="cpu", engine="transformers")) == "transformers"
