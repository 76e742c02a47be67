"""Weight-only int8 for CPU serving: int8 weights, bf16 activations.

Generating with a small model on CPU is bound by reading the weights once per
token, so quarter-size weights are what make it fast. Quantizing the weights
alone (one scale per output row) keeps the model's distribution nearly intact,
where dynamic quantization of the activations too (torch.ao's quantize_dynamic)
wrecks this model: a few MLP down-projections see activations with outliers
that a per-tensor int8 scale cannot hold, and it answers "A: A: A:".
Measured on the default model, 2 threads: fp32 21 tokens/s, bf16 34,
int8 weights 58; next-token KL from fp32 0.001 (bf16), 0.005 (int8 weights),
0.94 (quantize_dynamic).

The matmul is PyTorch's CPU kernel for int8 weights with per-row scales
(`torch._weight_int8pack_mm`, the one torchao's int8 weight-only layout uses).
"""

from __future__ import annotations

from typing import Any

import torch

# Below this many rows the int8 kernel is faster than a bf16 GEMM (measured at
# the default model's shapes: 29 vs 48 us at 4 rows, even at 8, 102 vs 69 at 16).
INT8_MAX_ROWS = 8


class Int8WeightLinear(torch.nn.Module):
    """A Linear layer whose weight is int8 with one bf16 scale per output row,
    used for matmuls of few rows (decoding a few sequences); prefill and large
    batches use a bf16 copy of the weight, where a GEMM beats the int8 kernel
    (which costs time per row). 3 bytes per weight, still less than fp32's 4."""

    weight: torch.Tensor
    scale: torch.Tensor
    dense: torch.Tensor
    bias: torch.Tensor | None

    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scale = torch.linalg.vector_norm(weight, ord=float("inf"), dim=1).clamp_(min=1e-8).div_(127)
        quantized = (weight / scale[:, None]).round_().clamp_(-127, 127).to(torch.int8)
        self.register_buffer("weight", quantized)
        self.register_buffer("scale", scale.to(torch.bfloat16))
        self.register_buffer("dense", weight.to(torch.bfloat16))
        bias = None if linear.bias is None else linear.bias.detach().to(torch.bfloat16)
        self.register_buffer("bias", bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # 2-D and contiguous: a strided 3-D input (the last position's hidden
        # state) sends F.linear down a batched path that copies the weight per row.
        rows = x.reshape(-1, x.shape[-1]).to(torch.bfloat16).contiguous()
        if rows.shape[0] >= INT8_MAX_ROWS:
            out = torch.nn.functional.linear(rows, self.dense, self.bias)
        else:
            out = torch._weight_int8pack_mm(rows, self.weight, self.scale)
            if self.bias is not None:
                out = out + self.bias
        return out.reshape(*x.shape[:-1], out.shape[-1])


def quantize_int8(model: Any) -> Any:
    """`model` in bf16 with every Linear layer's weight in int8 (in place; returns it, in eval mode)."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(parent, name, Int8WeightLinear(child))  # from the fp32 weight
    return model.to(torch.bfloat16).eval()  # the rest (embeddings, norms); int8 stays int8
