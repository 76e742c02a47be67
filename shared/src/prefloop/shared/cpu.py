"""What this machine's CPU computes natively, for choosing precisions.

Machines of one name differ: one AMD EPYC has AVX512-BF16, the next only
AVX2, where bf16 arithmetic is emulated and many times slower than fp32
(docs/performance.md). Choices and cached measurements go by these features,
not by the model name alone."""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_model_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_features() -> tuple[str, ...]:
    """The instruction sets that decide which kernels win, as torch detects them."""
    import torch

    checks = {
        "avx2": torch.cpu._is_avx2_supported,
        "avx512": torch.cpu._is_avx512_supported,
        "avx512_bf16": torch.cpu._is_avx512_bf16_supported,
        "vnni": torch.cpu._is_vnni_supported,
        "amx": torch.cpu._is_amx_tile_supported,
    }
    return tuple(name for name, supported in checks.items() if supported())


def native_bf16() -> bool:
    """Whether bf16 arithmetic runs natively: a GPU that supports it, or a CPU with AVX512-BF16 or AMX."""
    import torch

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    features = cpu_features()
    return "avx512_bf16" in features or "amx" in features
