"""Seconds to score a round's held-out pairs (the candidate and its reference),
prefloop's way against the way a round did it before: TRL's DPO evaluation for
the implicit-reward metrics, then every title scored again, one at a time, for
the gate's preference score. Same trained model and pairs, same process,
alternated so drift cancels (goal: <= 0.5x)."""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from prefloop.shared.prompts import render_prompt
from prefloop.trainer.training.assessment import PromptedPair
from prefloop.trainer.training.dpo import TrainingPair, dpo_dataset, run_dpo, use_bf16
from prefloop.trainer.training.evaluate import (
    implicit_reward_metrics,
    preference_score,
    score_pairs,
    title_logprobs,
)
from tests.bench.conftest import report, with_goals
from tests.bench.test_dpo_step import HP, PAIRS

# As many as a round scores (gate_held_out_pairs), titles of different lengths.
HELD_OUT = [
    TrainingPair(
        f"held-out idea {i}: a weekend in the mountains with kids",
        f"Mountains With Kids in {i % 5 + 1} Days",
        "you won't BELIEVE what happened on this trip" + "!" * (i % 4),
    )
    for i in range(128)
]


def _before(trl_trainer: Any, model: Any, tokenizer: Any, pairs: list[PromptedPair]) -> float:
    started = time.perf_counter()
    trl_trainer.evaluate(eval_dataset=dpo_dataset(tokenizer, HELD_OUT))
    model.eval()
    for policy in (contextlib.nullcontext, model.disable_adapter):
        with policy():
            for p in pairs:  # one forward pass per title, as the earlier scorer made them
                for title in (p.chosen, p.rejected):
                    title_logprobs(model, tokenizer, [(p.prompt, title)])
    return time.perf_counter() - started


def _now(model: Any, tokenizer: Any, pairs: list[PromptedPair]) -> float:
    started = time.perf_counter()
    candidate = score_pairs(model, tokenizer, pairs, contextlib.nullcontext)
    reference = score_pairs(model, tokenizer, pairs, model.disable_adapter)
    preference_score(candidate)
    preference_score(reference)
    implicit_reward_metrics(candidate, reference, HP.beta)
    return time.perf_counter() - started


def test_held_out_scoring_time_against_trls_evaluation_and_titles_one_at_a_time(
    default_model_dir: Path,
) -> None:
    from transformers import AutoModelForCausalLM
    from trl import DPOConfig, DPOTrainer

    with tempfile.TemporaryDirectory() as work:
        trained = run_dpo(str(default_model_dir), PAIRS, HP, Path(work))
        model, tokenizer = trained.model, trained.tokenizer
        model.eval()
        trl_trainer = DPOTrainer(
            model=model,
            ref_model=AutoModelForCausalLM.from_pretrained(default_model_dir).eval(),
            args=DPOConfig(
                output_dir=str(Path(work) / "trl"),
                beta=HP.beta,
                max_length=HP.max_length,
                per_device_eval_batch_size=HP.batch_size,
                use_cpu=True,
                bf16=use_bf16(HP.bf16),
                report_to=[],
                disable_tqdm=True,
            ),
            train_dataset=dpo_dataset(tokenizer, PAIRS),
            processing_class=tokenizer,
        )
        pairs = [PromptedPair(render_prompt(tokenizer, p.idea), p.chosen, p.rejected) for p in HELD_OUT]
        _now(model, tokenizer, pairs)  # warm-up
        now, before = [], []
        for _ in range(2):
            now.append(_now(model, tokenizer, pairs))
            before.append(_before(trl_trainer, model, tokenizer, pairs))
    figures = {
        "pairs": len(HELD_OUT),
        "now_s": round(sum(now) / len(now), 1),
        "before_s": round(sum(before) / len(before), 1),
        "ratio": round(sum(now) / sum(before), 3),
    }
    report("held_out_scoring", with_goals(figures, {"ratio": ("<=", 0.5)}))
