"""One DPO run with TRL + PEFT LoRA on the base model.

Warm start (default): continue from the active adapter, so the loop keeps
learning across rounds. The reference policy is the active version (default:
TRL keeps a frozen copy of the adapter) or the base model (`reference="base"`).
Cold start: a fresh LoRA, with the base model (adapter disabled) as reference.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefloop.shared.models.quiet import quiet_progress_bars
from prefloop.shared.prompts import render_prompt
from prefloop.trainer.metrics import STEP_SECONDS
from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.evaluate import PreferenceScore, preference_score
from prefloop.trainer.training.health import GenerationHealth, generation_health, sample_titles
from prefloop.trainer.training.judging import Duels, duel_samples, ranked_pairs, reward_duels
from prefloop.trainer.training.reward import TitleReward

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingPair:
    idea: str
    chosen: str
    rejected: str


@dataclass(frozen=True)
class PromptedPair:
    prompt: str
    chosen: str
    rejected: str


@dataclass(frozen=True)
class DPOResult:
    adapter_dir: Path  # holds adapter_config.json + adapter_model.safetensors
    metrics: dict[str, float]
    steps: int
    seconds_per_step: float
    candidate_score: PreferenceScore | None = None  # on the held-out pairs
    active_score: PreferenceScore | None = None  # the version it was trained from, same pairs
    candidate_health: GenerationHealth | None = None  # titles sampled on held-out ideas
    base_health: GenerationHealth | None = None  # the base model, same ideas and random draws
    duels: Duels | None = None  # candidate against parent titles on held-out ideas, judged by the reward
    sampled_pairs: int = 0  # on-policy pairs the reward model ranked, trained on beside the users' pairs


@dataclass(frozen=True)
class RewardPlan:
    """What the learned reward model does in a run (judging.py)."""

    reward: TitleReward
    pair_ideas: Sequence[str]  # training ideas: the starting policy's samples become ranked pairs
    gate_ideas: Sequence[str]  # held-out ideas: the candidate's titles against its parent's
    pair_samples: int = 4
    pairs_per_idea: int = 1  # the best sample against this many others
    min_margin: float = 1.0
    gate_duels: int = 96
    held_out_accuracy: float = 0.0  # the reward model's, on held-out pairs users gave


def _dataset(tokenizer: Any, pairs: Sequence[TrainingPair]) -> Any:
    from datasets import Dataset

    # The prompt is rendered exactly as the inference service renders it.
    return Dataset.from_list(
        [
            {"prompt": render_prompt(tokenizer, p.idea), "chosen": p.chosen, "rejected": p.rejected}
            for p in pairs
        ]
    )


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
    held_out: Sequence[TrainingPair],
    hp: DPOHyperparameters,
    work_dir: Path,
    parent_adapter: Path | None = None,
    health_ideas: Sequence[str] = (),
    reward_plan: RewardPlan | None = None,
) -> DPOResult:
    import torch
    from peft import LoraConfig, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback
    from trl import DPOConfig, DPOTrainer

    quiet_progress_bars()
    on_gpu = torch.cuda.is_available()
    tokenizer = AutoTokenizer.from_pretrained(base_model_path)
    model = AutoModelForCausalLM.from_pretrained(
        base_model_path, dtype=torch.bfloat16 if on_gpu else torch.float32
    )
    peft_config = None
    ref_model = None
    if parent_adapter is not None and hp.warm_start:
        model = PeftModel.from_pretrained(model, str(parent_adapter), is_trainable=True)
        if hp.reference == "base":
            # Passing a reference stops TRL from copying the adapter as one.
            ref_model = AutoModelForCausalLM.from_pretrained(base_model_path, dtype=model.dtype).eval()
    else:
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
    sampled = _ranked_samples(model, tokenizer, reward_plan, hp.seed) if reward_plan else []
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
        bf16=hp.bf16,
        seed=hp.seed,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    timer = _step_timer()
    trainer = DPOTrainer(
        model=model,
        ref_model=ref_model,
        args=args,
        train_dataset=_dataset(tokenizer, [*train, *sampled]),
        eval_dataset=_dataset(tokenizer, held_out) if held_out else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[timer],
    )
    # Our step timer logs progress; TRL's printer would dump every metric dict to stdout.
    trainer.remove_callback(PrinterCallback)
    trainer.train()
    metrics: dict[str, float] = {}
    candidate_score = active_score = None
    if held_out:
        metrics = {k: float(v) for k, v in trainer.evaluate().items() if isinstance(v, (int, float))}
        candidate_score, active_score = _compare(trainer.model, tokenizer, held_out, parent_adapter)
    candidate_health = base_health = None
    if health_ideas:
        trainer.model.eval()
        candidate_health = generation_health(
            sample_titles(trainer.model, tokenizer, health_ideas, lambda: _adapter(trainer.model, "default"))
        )
        base_health = generation_health(
            sample_titles(trainer.model, tokenizer, health_ideas, trainer.model.disable_adapter)
        )
    duels = _duels(trainer.model, tokenizer, reward_plan, parent_adapter) if reward_plan else None
    out = Path(tempfile.mkdtemp(prefix="adapter-", dir=work_dir))
    # Only the trained adapter: TRL's frozen "ref" copy stays out of the store.
    trainer.model.save_pretrained(str(out), selected_adapters=["default"])
    durations = timer.durations or [0.0]
    return DPOResult(
        adapter_dir=out,
        metrics=metrics,
        steps=len(timer.durations),
        seconds_per_step=sum(durations) / len(durations),
        candidate_score=candidate_score,
        active_score=active_score,
        candidate_health=candidate_health,
        base_health=base_health,
        duels=duels,
        sampled_pairs=len(sampled),
    )


def _ranked_samples(model: Any, tokenizer: Any, plan: RewardPlan, seed: int) -> list[TrainingPair]:
    """The model's own titles on the plan's training ideas, ranked by the reward into pairs."""
    if not plan.pair_ideas:
        return []
    model.eval()
    samples = sample_titles(
        model,
        tokenizer,
        plan.pair_ideas,
        contextlib.nullcontext,
        samples_per_idea=plan.pair_samples,
        seed=seed,
    )
    ranked = ranked_pairs(plan.reward, plan.pair_ideas, samples, plan.min_margin, plan.pairs_per_idea)
    log.info("%d on-policy pairs ranked by the reward model", len(ranked))
    return [TrainingPair(p.idea, p.chosen, p.rejected) for p in ranked]


def _duels(model: Any, tokenizer: Any, plan: RewardPlan, parent_adapter: Path | None) -> Duels | None:
    """The candidate's titles against its parent's on the plan's held-out ideas."""
    if not plan.gate_ideas:
        return None
    model.eval()
    n = duel_samples(len(plan.gate_ideas), plan.gate_duels)
    ours = sample_titles(model, tokenizer, plan.gate_ideas, lambda: _adapter(model, "default"), n)
    theirs = sample_titles(model, tokenizer, plan.gate_ideas, _parent_policy(model, parent_adapter), n)
    duels = reward_duels(plan.reward, plan.gate_ideas, ours, theirs)
    log.info(
        "candidate against parent on %d held-out ideas, by the reward model: %s", len(plan.gate_ideas), duels
    )
    return duels


@contextmanager
def _adapter(model: Any, name: str) -> Iterator[None]:
    previous = model.active_adapter
    model.set_adapter(name)
    try:
        yield
    finally:
        model.set_adapter(previous)


def _compare(
    model: Any, tokenizer: Any, held_out: Sequence[TrainingPair], parent_adapter: Path | None
) -> tuple[PreferenceScore, PreferenceScore]:
    """The candidate and the active version (the parent adapter, or base when
    there is none), on the same held-out pairs."""
    model.eval()
    pairs = [PromptedPair(render_prompt(tokenizer, p.idea), p.chosen, p.rejected) for p in held_out]
    candidate = preference_score(model, tokenizer, pairs, lambda: _adapter(model, "default"))
    active = preference_score(model, tokenizer, pairs, _parent_policy(model, parent_adapter))
    return candidate, active


def _parent_policy(model: Any, parent_adapter: Path | None) -> Callable[[], AbstractContextManager[Any]]:
    """Switches the model to the version the candidate was trained from."""
    if parent_adapter is None:
        return model.disable_adapter  # type: ignore[no-any-return]
    # Tied to the active version, TRL already holds the parent's weights as the
    # frozen "ref" adapter; otherwise the parent is loaded once.
    if "ref" not in model.peft_config:
        model.load_adapter(str(parent_adapter), adapter_name="ref")
    return lambda: _adapter(model, "ref")
