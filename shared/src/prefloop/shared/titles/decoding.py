"""Sampling titles token by token: the one decoding loop that the inference
engine and the trainer's health gate both use, so the gate judges a candidate
on what users would be shown.

It draws from the distribution Hugging Face's `generate` draws from with the
same settings (temperature, then the `top_k` likeliest tokens, then the
nucleus of `top_p`), but draws among those few tokens. `generate` sorts and
samples over the whole vocabulary at every step, which on a CPU costs a
noticeable share of each step of a small model (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from prefloop.shared.titles.sampling import TitleSampling


def draw_tokens(logits: Any, sampling: TitleSampling) -> Any:
    """One token id per row of `logits` (rows x vocabulary)."""
    import torch

    top = logits.float().topk(min(sampling.top_k, logits.shape[-1]), dim=-1)  # sorted, likeliest first
    probs = torch.softmax(top.values / sampling.temperature, dim=-1)
    # A token is outside the nucleus when the likelier ones already hold top_p of the mass.
    outside = probs.cumsum(dim=-1) - probs > sampling.top_p
    picked = torch.multinomial(probs.masked_fill(outside, 0.0), 1)
    return top.indices.gather(-1, picked).squeeze(-1)


def sample_new_tokens(
    model: Any,
    input_ids: Any,
    attention_mask: Any,
    sampling: TitleSampling,
    eos_token_id: int,
    pad_token_id: int,
    **forward_kwargs: Any,
) -> Any:
    """The new tokens of one sample per row (rows x steps), continuing left-padded
    prompts; a row that has ended holds `pad_token_id` from then on, and the loop
    stops when every row has ended or after `sampling.max_new_tokens`.
    `forward_kwargs` go to every forward pass (PEFT's `adapter_names`)."""
    import torch
    from transformers import DynamicCache

    # Built as generate builds it, so a model with sliding-window layers gets them.
    cache = DynamicCache(config=model.config)
    positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    # Without padding the model's own causal mask is all a step needs, and building one from
    # a 2-D mask at every step costs time.
    padded = not bool(attention_mask.all())
    out = model(
        input_ids=input_ids,
        attention_mask=attention_mask if padded else None,
        position_ids=positions,
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=1,
        **forward_kwargs,
    )
    position = positions[:, -1:]
    running = torch.ones(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
    steps: list[Any] = []
    for step in range(sampling.max_new_tokens):
        token = draw_tokens(out.logits[:, -1, :], sampling).masked_fill(~running, pad_token_id)
        steps.append(token)
        running &= token != eos_token_id
        if step + 1 == sampling.max_new_tokens or not bool(running.any()):
            break
        position = position + 1
        if padded:
            attention_mask = torch.cat([attention_mask, attention_mask.new_ones(len(token), 1)], dim=-1)
        out = model(
            input_ids=token[:, None],
            attention_mask=attention_mask if padded else None,
            position_ids=position,
            past_key_values=cache,
            use_cache=True,
            **forward_kwargs,
        )
    return torch.stack(steps, dim=1)
