"""Plain `model.generate`, the baseline the inference benches compare against,
and the engine's own decoding loop on the same model and settings."""

from __future__ import annotations

from typing import Any

from prefloop.inference.settings import InferenceSettings
from prefloop.shared.titles.decoding import sample_new_tokens


def raw_new_tokens(
    model: Any, tokenizer: Any, prompt: str, rows: int, settings: InferenceSettings, loop: bool = False
) -> Any:
    """`rows` samples of `prompt` with the served sampling settings; the new tokens
    only. `loop`: drawn by the engine's decoding loop instead of `generate`."""
    import torch

    batch = tokenizer([prompt] * rows, return_tensors="pt", padding=True)
    pad = tokenizer.pad_token_id or tokenizer.eos_token_id
    if loop:
        with torch.inference_mode():
            return sample_new_tokens(
                model,
                batch["input_ids"],
                batch["attention_mask"],
                settings.sampling,
                tokenizer.eos_token_id,
                pad,
            )
    with torch.inference_mode():
        output = model.generate(
            **batch,
            do_sample=True,
            temperature=settings.temperature,
            top_p=settings.top_p,
            max_new_tokens=settings.max_new_tokens,
            pad_token_id=pad,
        )
    return output[:, batch["input_ids"].shape[1] :]


def raw_generate(model: Any, tokenizer: Any, prompt: str, rows: int, settings: InferenceSettings) -> int:
    """Plain `generate` of `rows` samples; returns how many tokens it generated."""
    new = raw_new_tokens(model, tokenizer, prompt, rows, settings)
    return int((new != (tokenizer.pad_token_id or tokenizer.eos_token_id)).sum())


def raw_generate_texts(
    model: Any, tokenizer: Any, prompt: str, rows: int, settings: InferenceSettings, loop: bool = False
) -> list[tuple[str, bool]]:
    """(text, finished) of `rows` samples; finished is False when the token limit cut it."""
    new = raw_new_tokens(model, tokenizer, prompt, rows, settings, loop)
    eos = tokenizer.eos_token_id
    return [(tokenizer.decode(row, skip_special_tokens=True), bool((row == eos).any())) for row in new]


def served_path_generate(engine: Any, tokenizer: Any, settings: InferenceSettings) -> Any:
    """`generate(prompt, rows) -> tokens` on the path the engine serves base with,
    called directly: the engine's own ceiling, without its batcher and decoding."""
    from prefloop.inference.engines.llama_cpp_engine import LlamaCppEngine

    if isinstance(engine, LlamaCppEngine):
        model = engine._model

        def llama_cpp_rows(prompt: str, rows: int) -> int:
            ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            sampled = model.sample([ids] * rows, None, settings.sampling, tokenizer.eos_token_id)
            return sum(len(row.tokens) for row in sampled)

        return llama_cpp_rows
    (base_call,) = engine._weights.calls(["base"])  # the model the engine serves base with

    def generate_rows(prompt: str, rows: int) -> int:
        return raw_generate(base_call.model, tokenizer, prompt, rows, settings)

    return generate_rows
