"""Fixtures shared by every tier: a tiny random Llama with the real tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefloop.shared.adapters import AdapterStore
from prefloop.shared.models import DEFAULT_BASE_MODEL, resolve_base_model


@pytest.fixture(scope="session")
def default_model_dir() -> Path:
    """The provisioned default model (converted once by `make setup`)."""
    return Path(resolve_base_model(DEFAULT_BASE_MODEL))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, default_model_dir: Path) -> Path:
    """A 2-layer random Llama saved with the default model's tokenizer: real code paths, fast."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    target = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def make_lora_adapter(base_dir: Path, out_dir: Path, rank: int = 4, seed: int = 0) -> Path:
    """Save a randomly initialised LoRA adapter for `base_dir` (non-zero B, so it changes outputs)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base_dir)
    peft_model = get_peft_model(
        model,
        LoraConfig(r=rank, lora_alpha=rank, target_modules=["q_proj", "v_proj"], init_lora_weights=False),
    )
    peft_model.save_pretrained(out_dir)
    return out_dir


@pytest.fixture(scope="module")
def v1_v2_store(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> AdapterStore:
    """An adapter store holding v1 and v2, both a tiny LoRA on the tiny model."""
    store = AdapterStore(tmp_path_factory.mktemp("store"))
    adapter = make_lora_adapter(tiny_model_dir, tmp_path_factory.mktemp("lora"))
    for version in ("v1", "v2"):
        store.write(version, adapter, parent=None, base_model="tiny")
    return store
