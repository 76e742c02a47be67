"""Seconds per DPO step of a prefloop round against raw TRL DPOTrainer on the
same pairs, model and hyperparameters, in the same process (goal: <= 1.2x)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from prefloop.shared.prompts import render_prompt
from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.dpo import TrainingPair, run_dpo, use_bf16
from tests.bench.conftest import report

HP = DPOHyperparameters(epochs=1, batch_size=8)
PAIRS = [
    TrainingPair(
        f"cooking idea number {i}: pasta for a crowd",
        f"Pasta for Twenty People on a Budget, Part {i}",
        f"UNLOCK the ULTIMATE secret of pasta!!! video {i}",
    )
    for i in range(24)
]


def raw_trl_seconds_per_step(model_dir: str, pairs: list[TrainingPair]) -> float:
    """TRL's DPOTrainer as its documentation shows it, timed per step."""
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import DPOConfig, DPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    data = Dataset.from_list(
        [
            {"prompt": render_prompt(tokenizer, p.idea), "chosen": p.chosen, "rejected": p.rejected}
            for p in pairs
        ]
    )
    durations: list[float] = []

    class Timer(TrainerCallback):  # type: ignore[misc]
        started = 0.0

        def on_step_begin(self, *_: Any, **__: Any) -> None:
            Timer.started = time.perf_counter()

        def on_step_end(self, *_: Any, **__: Any) -> None:
            durations.append(time.perf_counter() - Timer.started)

    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(
            output_dir=out,
            beta=HP.beta,
            loss_type=["sigmoid", "sft"] if HP.sft_weight else ["sigmoid"],
            loss_weights=[1.0, HP.sft_weight] if HP.sft_weight else None,
            learning_rate=HP.learning_rate,
            num_train_epochs=HP.epochs,
            per_device_train_batch_size=HP.batch_size,
            max_length=HP.max_length,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            bf16=use_bf16(HP.bf16),  # the same precision as the round's
            logging_steps=1,
            disable_tqdm=True,
            seed=HP.seed,
        )
        peft = LoraConfig(
            r=HP.lora_r, lora_alpha=HP.lora_alpha, target_modules="all-linear", task_type="CAUSAL_LM"
        )
        DPOTrainer(
            model=model,
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
            peft_config=peft,
            callbacks=[Timer()],
        ).train()
    return sum(durations) / len(durations)


def test_round_step_time_against_raw_trl(default_model_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        ours = run_dpo(str(default_model_dir), PAIRS, HP, Path(work)).seconds_per_step
    raw = raw_trl_seconds_per_step(str(default_model_dir), PAIRS)
    ours_again = None
    with tempfile.TemporaryDirectory() as work:
        ours_again = run_dpo(str(default_model_dir), PAIRS, HP, Path(work)).seconds_per_step
    ours_mean = (ours + ours_again) / 2  # before and after the baseline: drift cancels
    report(
        "dpo_step",
        {
            "prefloop_s_per_step": round(ours_mean, 2),
            "raw_trl_s_per_step": round(raw, 2),
            "ratio": round(ours_mean / raw, 3),
            "goal": "<= 1.2",
            "pairs": len(PAIRS),
            "batch_size": HP.batch_size,
        },
    )
