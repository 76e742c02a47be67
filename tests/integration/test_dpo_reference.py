"""A warm-started round ties its KL term to base or to the version it starts from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prefloop.trainer.training.assessment import assess
from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.dpo import TrainingPair, run_dpo

PAIRS = [
    TrainingPair(
        f"how to cook dish {i} at home", f"Cooking dish {i} at home, simply", f"Dish {i}!!! INSANE video"
    )
    for i in range(8)
]


def _weights(adapter_dir: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    weights: dict[str, Any] = load_file(str(adapter_dir / "adapter_model.safetensors"))
    return weights


def test_the_reference_policy_changes_what_a_warm_round_learns(tiny_model_dir: Path, tmp_path: Path) -> None:
    import torch

    hp = DPOHyperparameters(epochs=1, batch_size=4, max_length=64, lora_r=4, lora_alpha=8, learning_rate=5e-3)
    parent = run_dpo(str(tiny_model_dir), PAIRS, hp, tmp_path / "cold").adapter_dir
    trained = {
        reference: run_dpo(
            str(tiny_model_dir),
            PAIRS,
            hp.model_copy(update={"reference": reference}),
            tmp_path / reference,
            parent_adapter=parent,
        )
        for reference in ("base", "active")
    }
    against_base, against_active = (_weights(trained[r].adapter_dir) for r in ("base", "active"))
    assert against_base.keys() == against_active.keys()
    assert any(not torch.equal(against_base[k], against_active[k]) for k in against_base)
    # Either way the gate compares the candidate with the parent it started from.
    assessed = {r: assess(t, PAIRS[:2], parent) for r, t in trained.items()}
    assert assessed["base"].active_score == assessed["active"].active_score


def test_a_likelihood_term_on_chosen_titles_makes_them_likelier(tiny_model_dir: Path, tmp_path: Path) -> None:
    hp = DPOHyperparameters(epochs=1, batch_size=4, max_length=64, lora_r=4, lora_alpha=8, learning_rate=5e-3)
    chosen_logps = {
        weight: assess(
            run_dpo(
                str(tiny_model_dir),
                PAIRS,
                hp.model_copy(update={"sft_weight": weight}),
                tmp_path / str(weight),
            ),
            PAIRS[:4],
            parent_adapter=None,
        ).metrics["eval_logps/chosen"]
        for weight in (0.0, 1.0)
    }
    assert chosen_logps[1.0] > chosen_logps[0.0]


def test_held_out_implicit_rewards_match_trls_own_evaluation(tiny_model_dir: Path, tmp_path: Path) -> None:
    """Each held-out title is scored once per policy; the DPO metrics drawn from
    those scores are the ones TRL's evaluation reports on the same pairs."""
    from transformers import AutoModelForCausalLM
    from trl import DPOConfig, DPOTrainer

    from prefloop.trainer.training.dpo import dpo_dataset

    hp = DPOHyperparameters(epochs=1, batch_size=4, max_length=64, lora_r=4, lora_alpha=8, learning_rate=5e-3)
    trained = run_dpo(str(tiny_model_dir), PAIRS, hp, tmp_path / "cold")
    held_out = [TrainingPair(p.idea.replace("cook", "plate"), p.rejected, p.chosen) for p in PAIRS[:6]]
    ours = assess(trained, held_out, parent_adapter=None).metrics
    trl = DPOTrainer(
        model=trained.model,
        ref_model=AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval(),
        args=DPOConfig(
            output_dir=str(tmp_path / "trl"),
            beta=hp.beta,
            max_length=hp.max_length,
            per_device_eval_batch_size=4,
            use_cpu=True,
            report_to=[],
        ),
        train_dataset=dpo_dataset(trained.tokenizer, PAIRS),
        processing_class=trained.tokenizer,
    )
    theirs = trl.evaluate(eval_dataset=dpo_dataset(trained.tokenizer, held_out))
    assert ours.keys() <= theirs.keys()
    for name, value in ours.items():
        assert value == pytest.approx(theirs[name], rel=1e-3, abs=1e-3), name
    assert ours["eval_rewards/margins"] != 0  # the candidate moved away from its reference
