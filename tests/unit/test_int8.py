"""Weight-only int8: each layer stays close to fp32, and an adapter merged
before quantizing keeps its effect (tiny random Llama)."""

from __future__ import annotations

import copy
from pathlib import Path

import torch

from prefloop.inference.engines.int8 import Int8WeightLinear
from prefloop.inference.engines.weights import MergedInt8Versions
from tests.conftest import make_lora_adapter


def test_an_int8_linear_layer_matches_fp32_within_a_percent() -> None:
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 48, bias=True)
    x = torch.randn(3, 5, 64)
    expected = linear(x)
    got = Int8WeightLinear(linear)(x).float()
    assert got.shape == expected.shape
    assert (got - expected).norm() / expected.norm() < 0.01
    assert Int8WeightLinear(linear).weight.dtype == torch.int8


def next_token_log_probs(model: torch.nn.Module, input_ids: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return torch.log_softmax(model(input_ids=input_ids).logits.float(), dim=-1)


def kl(p: torch.Tensor, q: torch.Tensor) -> float:
    return float((p.exp() * (p - q)).sum(-1).mean())


def test_an_int8_version_keeps_its_adapters_effect_and_shares_base_tensors(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    adapter = make_lora_adapter(tiny_model_dir, tmp_path / "adapter", seed=3)
    tuned = PeftModel.from_pretrained(copy.deepcopy(base), str(adapter)).merge_and_unload().eval()
    versions = MergedInt8Versions(base)
    versions.load("v1", adapter)
    ((base_call,), (quantized_call,)) = versions.calls(["base"]), versions.calls(["v1"])
    quantized = quantized_call.model
    assert not any(isinstance(m, torch.nn.Linear) for m in quantized.modules())
    # the adapter touches q_proj and v_proj only: everything else is base's own tensor
    layer, base_layer = quantized.model.layers[0], base_call.model.model.layers[0]
    assert layer.self_attn.q_proj.weight is not base_layer.self_attn.q_proj.weight
    assert layer.self_attn.k_proj.weight is base_layer.self_attn.k_proj.weight
    assert quantized.model.embed_tokens.weight is base_call.model.model.embed_tokens.weight

    input_ids = torch.randint(0, base.config.vocab_size, (2, 12), generator=torch.Generator().manual_seed(0))
    base_lp, tuned_lp = next_token_log_probs(base, input_ids), next_token_log_probs(tuned, input_ids)
    quantized_lp = next_token_log_probs(quantized, input_ids)
    adapter_effect = kl(tuned_lp, base_lp)
    assert adapter_effect > 0.001, adapter_effect
    assert kl(tuned_lp, quantized_lp) < 0.1 * adapter_effect, (kl(tuned_lp, quantized_lp), adapter_effect)
