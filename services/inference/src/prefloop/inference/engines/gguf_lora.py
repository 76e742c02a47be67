"""A PEFT LoRA adapter written as a llama.cpp LoRA (GGUF), for the llama.cpp engine.

llama.cpp loads LoRA adapters only in its own format: a GGUF file typed
`adapter`, the base model's architecture, `adapter.lora.alpha`, and each
adapted weight as a `<gguf tensor name>.lora_a` / `.lora_b` pair. The pairs
keep PEFT's shapes (A is rank x in, B is out x rank), with one exception that
follows from how llama models are written to GGUF: the query and key
projections' rows are permuted there (rotary halves interleaved), so B's rows
of those two projections are permuted the same way. Scaling is alpha / rank
on both sides, so alpha carries over as is.

Only the layer types the trainer adapts (attention and MLP projections of a
llama-architecture model) are mapped; anything else is refused by name, as is
a rank-stabilised or DoRA adapter, whose update llama.cpp would compute
differently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# Hugging Face llama module names -> GGUF tensor names (llama.cpp's tensor map).
GGUF_NAMES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
_PEFT_KEY = re.compile(r"(?:.*\.)?layers\.(\d+)\.(\w+\.\w+)\.lora_([AB])\.weight$")


class UnsupportedAdapter(ValueError):
    """The adapter cannot be expressed as a llama.cpp LoRA; the message names why."""


def permute_rotary_rows(rows: Any, heads: int) -> Any:
    """The row order GGUF gives a llama query/key projection (each head's two
    rotary halves interleaved), applied to a matrix with one row per output."""
    shape = rows.shape
    return rows.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)


def gguf_lora_tensors(peft_tensors: dict[str, Any], heads: int, kv_heads: int) -> dict[str, Any]:
    """GGUF LoRA tensors (float32 numpy) from a PEFT adapter's state dict."""
    import numpy as np

    out: dict[str, Any] = {}
    for key, tensor in peft_tensors.items():
        match = _PEFT_KEY.match(key)
        if match is None or match.group(2) not in GGUF_NAMES:
            raise UnsupportedAdapter(f"adapter tensor {key!r} has no llama.cpp counterpart")
        layer, module, side = match.groups()
        array = np.ascontiguousarray(np.asarray(tensor, dtype=np.float32))
        if side == "B" and module in ("self_attn.q_proj", "self_attn.k_proj"):
            array = np.ascontiguousarray(
                permute_rotary_rows(array, heads if module == "self_attn.q_proj" else kv_heads)
            )
        out[f"blk.{layer}.{GGUF_NAMES[module]}.weight.lora_{side.lower()}"] = array
    return out


def write_gguf_lora(adapter_dir: Path, out_path: Path, model_config: dict[str, Any]) -> Path:
    """Write the PEFT adapter in `adapter_dir` as a llama.cpp LoRA at `out_path`.
    `model_config` is the base model's config.json (heads and architecture)."""
    import gguf
    from safetensors.numpy import load_file

    if model_config.get("model_type") != "llama":
        raise UnsupportedAdapter(
            f"llama.cpp LoRA conversion knows llama models, not {model_config.get('model_type')!r}"
        )
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    if config.get("use_rslora") or config.get("use_dora"):
        raise UnsupportedAdapter("rank-stabilised and DoRA adapters are not llama.cpp LoRAs")
    heads = int(model_config["num_attention_heads"])
    kv_heads = int(model_config.get("num_key_value_heads", heads))
    tensors = gguf_lora_tensors(load_file(str(adapter_dir / "adapter_model.safetensors")), heads, kv_heads)
    writer = gguf.GGUFWriter(str(out_path), arch="llama")
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    for name, array in tensors.items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_path
