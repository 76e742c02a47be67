"""A round whose finished adapter would serve worse sets falls back to the
adapter as it stood halfway through its steps, and says why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.gate import GateRule
from prefloop.trainer.training.recipe import RecipePolicy, RoundPlan, round_metrics, train_and_assess


@dataclass(frozen=True)
class Pair:
    idea: str
    chosen: str
    rejected: str
    idea_hash: str


IDEAS = [f"how to cook dish {i} at home" for i in range(8)]
PAIRS = [
    Pair(idea, f"Cooking dish {i} at home, simply", f"Dish {i}!!! INSANE video", str(i))
    for i, idea in enumerate(IDEAS)
]
HP = DPOHyperparameters(epochs=1, batch_size=2, max_length=64, lora_r=4, lora_alpha=8, learning_rate=5e-3)


def _weights(adapter_dir: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    weights: dict[str, Any] = load_file(str(adapter_dir / "adapter_model.safetensors"))
    return weights


def _round(tiny_model_dir: Path, work_dir: Path, full_sets_tolerance: float) -> Any:
    plan = RoundPlan(train=PAIRS[:6], train_before_filter=6, held_out=PAIRS[6:], gate_ideas=IDEAS[6:])
    rule = GateRule(reward_gate=False, full_sets_tolerance=full_sets_tolerance)
    policy = RecipePolicy(gate_rule=rule, gate_set_size=2)
    work_dir.mkdir()
    return plan, train_and_assess(plan, str(tiny_model_dir), HP, work_dir, policy)


def test_an_unhealthy_finished_adapter_gives_way_to_the_halfway_one(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    import torch
    from peft import get_peft_model_state_dict

    # A negative tolerance refuses any candidate's health: the fallback must take over.
    plan, result = _round(tiny_model_dir, tmp_path / "unhealthy", full_sets_tolerance=-1.0)
    halfway = result.trained.halfway_dir
    assert halfway is not None
    assert result.trained.adapter_dir == halfway
    assert result.finished_refusal is not None
    assert "sets it drew on held-out ideas" in result.finished_refusal
    assert round_metrics(plan, result)["finished_refusal"] == result.finished_refusal
    # The model the round was assessed with holds the halfway weights, not the finished ones.
    saved = _weights(halfway)
    in_model = get_peft_model_state_dict(result.trained.model, adapter_name="default")
    assert all(torch.equal(saved[key], in_model[key].to(saved[key].dtype).cpu()) for key in saved)
    finished = next(p for p in (tmp_path / "unhealthy").glob("adapter-*"))
    assert any(not torch.equal(saved[key], value) for key, value in _weights(finished).items())


def test_a_healthy_finished_adapter_is_kept(tiny_model_dir: Path, tmp_path: Path) -> None:
    _, result = _round(tiny_model_dir, tmp_path / "healthy", full_sets_tolerance=1.0)
    assert result.finished_refusal is None
    assert result.trained.halfway_dir is not None
    assert result.trained.adapter_dir != result.trained.halfway_dir
