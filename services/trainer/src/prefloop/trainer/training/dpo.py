"""One DPO run with TRL + PEFT LoRA on the base model: it trains and saves the
adapter; whether the adapter may serve is decided elsewhere (assessment.py).

Warm start (default): continue from the active adapter, so the loop keeps
learning across rounds. The reference policy is the active version (default:
TRL keeps a frozen copy of the adapter) or the base model (`reference="base"`).
Cold start: a fresh LoRA, with the base model (adapter disabled) as reference.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefloop.shared.cpu import native_bf16
from prefloop.shared.models.quiet import quiet_progress_bars
from prefloop.shared.prompts import render_prompt
from prefloop.trainer.metrics import STEP_SECONDS
from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.phases import timed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingPair:
    idea: str
    chosen: str
    rejected: str


@dataclass(frozen=True)
class TrainedAdapter:
    """A trained candidate, still in memory so that it can be assessed
    (assessment.py) without loading the model again."""

    adapter_dir: Path  # holds adapter_config.json + adapter_model.safetensors
    model: Any  # the PEFT model: adapter "default" is the candidate
    tokenizer: Any
    reference_is_base: bool  # DPO's reference: base, or the parent the round started from
    beta: float
    steps: int
    seconds_per_step: float
    sampled_pairs: int = 0  # on-policy pairs trained on beside the users' pairs
    seconds: dict[str, float] = field(default_factory=dict)  # per phase: loading, sampling, training


# Called with the model and tokenizer before the first step: extra pairs from
# the policy the round starts from (the reward model's ranked samples).
ExtraPairs = Callable[[Any, Any], Sequence[TrainingPair]]


def dpo_dataset(tokenizer: Any, pairs: Sequence[TrainingPair]) -> Any:
    from datasets import Dataset

    # The prompt is rendered exactly as the inference service renders it.
    return Dataset.from_list(
        [
            {"prompt": render_prompt(tokenizer, p.idea), "chosen": p.chosen, "rejected": p.rejected}
            for p in pairs
        ]
    )


def use_bf16(requested: bool | None) -> bool:
    """Whether to train in bf16 mixed precision: as requested, or where the hardware computes it natively."""
    return native_bf16() if requested is None else requested


def _step_timer() -> Any:
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):  # type: ignore[misc]
        def __init__(self) -> None:
            self.durations: list[float] = []
            self._started = 0.0

        def on_step_begin(self, *_: Any, **__: Any) -> None:
            self._started = time.perf_counter()

        def on_step_end(self, _args: Any, state: Any, *__: Any, **___: Any) -> None:
            took = time.perf_counter() - self._started
            self.durations.append(took)
            STEP_SECONDS.observe(took)
            log.info("DPO step %d/%d took %.1f s", state.global_step, state.max_steps, took)

    return StepTimer()


def run_dpo(
    base_model_path: str,
    train: Sequence[TrainingPair],
    hp: DPOHyperparameters,
    work_dir: Path,
    parent_adapter: Path | None = None,
    extra_pairs: ExtraPairs | None = None,
) -> TrainedAdapter:
    """Train a LoRA adapter on `train` (plus `extra_pairs`) and save it; the
    adapter is judged elsewhere (assessment.py)."""
    import torch
    from peft import LoraConfig, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback
    from trl import DPOConfig, DPOTrainer

    quiet_progress_bars()
    on_gpu = torch.cuda.is_available()
    seconds: dict[str, float] = {}
    warm_from = parent_adapter if hp.warm_start else None
    peft_config = None
    ref_model = None
    with timed(seconds, "loading"):
        tokenizer = AutoTokenizer.from_pretrained(base_model_path)
        model = AutoModelForCausalLM.from_pretrained(
            base_model_path, dtype=torch.bfloat16 if on_gpu else torch.float32
        )
        if warm_from is not None:
            model = PeftModel.from_pretrained(model, str(warm_from), is_trainable=True)
            if hp.reference == "base":
                # Passing a reference stops TRL from copying the adapter as one.
                ref_model = AutoModelForCausalLM.from_pretrained(base_model_path, dtype=model.dtype).eval()
    if warm_from is None:
        targets: str | list[str] = hp.target_modules
        if targets != "all-linear":
            targets = [t.strip() for t in hp.target_modules.split(",") if t.strip()]
        peft_config = LoraConfig(
            r=hp.lora_r,
            lora_alpha=hp.lora_alpha,
            lora_dropout=hp.lora_dropout,
            target_modules=targets,
            task_type="CAUSAL_LM",
        )
    # Before any training step: samples of the policy the round starts from.
    with timed(seconds, "on_policy_sampling"):
        extra = list(extra_pairs(model, tokenizer)) if extra_pairs else []
    args = DPOConfig(
        output_dir=str(work_dir / "checkpoints"),
        beta=hp.beta,
        loss_type=["sigmoid", "sft"] if hp.sft_weight else ["sigmoid"],
        loss_weights=[1.0, hp.sft_weight] if hp.sft_weight else None,
        learning_rate=hp.learning_rate,
        num_train_epochs=hp.epochs,
        per_device_train_batch_size=hp.batch_size,
        per_device_eval_batch_size=hp.batch_size,
        max_length=hp.max_length,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=not on_gpu,
        bf16=use_bf16(hp.bf16),
        gradient_checkpointing=hp.gradient_checkpointing,
        seed=hp.seed,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    timer = _step_timer()
    with timed(seconds, "training"):  # the dataset's tokenization and TRL's reference copy included
        trainer = DPOTrainer(
            model=model,
            ref_model=ref_model,
            args=args,
            train_dataset=dpo_dataset(tokenizer, [*train, *extra]),
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=[timer],
        )
        # Our step timer logs progress; TRL's printer would dump every metric dict to stdout.
        trainer.remove_callback(PrinterCallback)
        trainer.train()
    out = Path(tempfile.mkdtemp(prefix="adapter-", dir=work_dir))
    # Only the trained adapter: TRL's frozen "ref" copy stays out of the store.
    trainer.model.save_pretrained(str(out), selected_adapters=["default"])
    durations = timer.durations or [0.0]
    return TrainedAdapter(
        adapter_dir=out,
        model=trainer.model,
        tokenizer=tokenizer,
        reference_is_base=warm_from is None or hp.reference == "base",
        beta=hp.beta,
        steps=len(timer.durations),
        seconds_per_step=sum(durations) / len(durations),
        sampled_pairs=len(extra),
        seconds=seconds,
    )
