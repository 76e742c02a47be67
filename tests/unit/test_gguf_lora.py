"""PEFT adapters written as llama.cpp LoRAs: the GGUF's layout, names and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from prefloop.inference.engines.gguf_lora import (
    UnsupportedAdapter,
    gguf_lora_tensors,
    permute_rotary_rows,
    write_gguf_lora,
)
from prefloop.shared.models.provision import locate_default_gguf
from tests.conftest import make_lora_adapter


def test_query_and_key_rows_are_permuted_as_in_the_gguf_llama_cpp_serves(default_model_dir: Path) -> None:
    """The default model was converted from this GGUF, so its query/key weights,
    permuted, must be the GGUF's tensors exactly: the layout a LoRA's B must follow."""
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((default_model_dir / "config.json").read_text())
    hf = load_file(str(default_model_dir / "model.safetensors"))
    tensors = {t.name: t for t in gguf.GGUFReader(str(locate_default_gguf())).tensors}
    for gguf_name, hf_name, heads in (
        ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight", config["num_attention_heads"]),
        ("blk.0.attn_k.weight", "model.layers.0.self_attn.k_proj.weight", config["num_key_value_heads"]),
    ):
        t = tensors[gguf_name]
        in_gguf = gguf.quants.dequantize(t.data, t.tensor_type).reshape(hf[hf_name].shape)
        assert not np.allclose(hf[hf_name], in_gguf)  # the two layouts differ...
        np.testing.assert_allclose(permute_rotary_rows(hf[hf_name], heads), in_gguf, rtol=0, atol=1e-6)


def test_an_adapter_becomes_lora_pairs_named_and_shaped_for_llama_cpp(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    import gguf

    adapter = make_lora_adapter(tiny_model_dir, tmp_path / "adapter", rank=4)
    config = json.loads((tiny_model_dir / "config.json").read_text())
    out = write_gguf_lora(adapter, tmp_path / "v1.gguf", config)

    reader = gguf.GGUFReader(str(out))
    fields = {
        name: reader.fields[name].contents()
        for name in ("general.type", "adapter.type", "adapter.lora.alpha")
    }
    assert fields == {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 4.0}
    shapes = {t.name: tuple(int(d) for d in t.shape) for t in reader.tensors}  # ggml order: columns first
    hidden, kv = config["hidden_size"], config["hidden_size"] // 4 * 2
    assert shapes == {
        **{f"blk.{i}.attn_q.weight.lora_a": (hidden, 4) for i in range(2)},
        **{f"blk.{i}.attn_q.weight.lora_b": (4, hidden) for i in range(2)},
        **{f"blk.{i}.attn_v.weight.lora_a": (hidden, 4) for i in range(2)},
        **{f"blk.{i}.attn_v.weight.lora_b": (4, kv) for i in range(2)},
    }


def test_only_the_query_and_key_b_matrices_are_permuted() -> None:
    rng = np.random.default_rng(0)
    peft = {
        f"base_model.model.model.layers.0.{module}.lora_{side}.weight": rng.normal(size=shape).astype(
            np.float32
        )
        for module in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")
        for side, shape in (("A", (2, 8)), ("B", (8, 2)))
    }
    out = gguf_lora_tensors(peft, heads=2, kv_heads=1)
    prefix = "base_model.model.model.layers.0"
    q_b = peft[f"{prefix}.self_attn.q_proj.lora_B.weight"]
    np.testing.assert_array_equal(out["blk.0.attn_q.weight.lora_b"], permute_rotary_rows(q_b, 2))
    k_b = peft[f"{prefix}.self_attn.k_proj.lora_B.weight"]
    np.testing.assert_array_equal(out["blk.0.attn_k.weight.lora_b"], permute_rotary_rows(k_b, 1))
    np.testing.assert_array_equal(
        out["blk.0.attn_v.weight.lora_b"], peft[f"{prefix}.self_attn.v_proj.lora_B.weight"]
    )
    np.testing.assert_array_equal(
        out["blk.0.attn_q.weight.lora_a"], peft[f"{prefix}.self_attn.q_proj.lora_A.weight"]
    )


def test_what_llama_cpp_cannot_apply_is_refused_by_name(tiny_model_dir: Path, tmp_path: Path) -> None:
    config = json.loads((tiny_model_dir / "config.json").read_text())
    with pytest.raises(UnsupportedAdapter, match="lm_head"):
        gguf_lora_tensors({"base_model.model.lm_head.lora_A.weight": np.zeros((2, 4))}, heads=4, kv_heads=2)
    adapter = make_lora_adapter(tiny_model_dir, tmp_path / "adapter")
    settings = json.loads((adapter / "adapter_config.json").read_text())
    (adapter / "adapter_config.json").write_text(json.dumps(settings | {"use_dora": True}))
    with pytest.raises(UnsupportedAdapter, match="DoRA"):
        write_gguf_lora(adapter, tmp_path / "v1.gguf", config)
    with pytest.raises(UnsupportedAdapter, match="qwen2"):
        write_gguf_lora(adapter, tmp_path / "v1.gguf", config | {"model_type": "qwen2"})
