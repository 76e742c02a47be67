"""Title quality of the default CPU weights (int8) against plain fp32, on the
same held-out ideas: share of raw generations that are clean, need cleaning
or are dropped, the mean taste score of the kept titles, and how often the
int8 title beats the fp32 one under the default taste (ties split; 0.5 means
no difference)."""

from __future__ import annotations

import copy
import statistics
from pathlib import Path
from typing import Any

from prefloop.inference.engines.int8 import quantize_int8
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles.cleaning import clean_title
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.taste import Taste
from tests.bench.conftest import report
from tests.bench.generation import raw_generate_texts

IDEAS = 40
SAMPLES = 4


def titles_and_shares(model: Any, tokenizer: Any, ideas: list[str], settings: InferenceSettings) -> Any:
    titles: dict[str, list[str]] = {}
    outcomes = {"clean": 0, "cleaned": 0, "dropped": 0}
    for idea in ideas:
        for text, finished in raw_generate_texts(
            model, tokenizer, render_prompt(tokenizer, idea), SAMPLES, settings
        ):
            result = clean_title(text, finished)
            if result.title is None:
                outcomes["dropped"] += 1
                continue
            outcomes["cleaned" if result.changed else "clean"] += 1
            titles.setdefault(idea, []).append(result.title)
    total = sum(outcomes.values())
    return titles, {k: round(v / total, 3) for k, v in outcomes.items()}


def test_int8_titles_are_as_good_as_fp32(default_model_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    settings = InferenceSettings()
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    tokenizer.padding_side = "left"
    fp32 = AutoModelForCausalLM.from_pretrained(default_model_dir, dtype=torch.float32).eval()
    int8 = quantize_int8(copy.deepcopy(fp32))
    ideas = split_ideas()[1][:IDEAS]
    taste = Taste()

    figures: dict[str, Any] = {"ideas": len(ideas), "samples_per_idea": SAMPLES}
    titles = {}
    for name, model in (("fp32", fp32), ("int8", int8)):
        titles[name], shares = titles_and_shares(model, tokenizer, ideas, settings)
        figures |= {f"{name}_{k}": v for k, v in shares.items()}
        scores = [taste.score(i, t) for i, ts in titles[name].items() for t in ts]
        figures[f"{name}_mean_taste"] = round(statistics.mean(scores), 3)
    duels = [
        1.0 if a > b else 0.5 if a == b else 0.0
        for idea in ideas
        for a, b in zip(
            (taste.score(idea, t) for t in titles["int8"].get(idea, [])),
            (taste.score(idea, t) for t in titles["fp32"].get(idea, [])),
            strict=False,
        )
    ]
    figures["int8_win_rate_vs_fp32"] = round(statistics.mean(duels), 3)
    figures["duels"] = len(duels)
    report("int8_title_quality", figures)
