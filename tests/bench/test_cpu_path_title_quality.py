"""Title quality of every CPU path (fp32, bf16, int8 in transformers, drawn by
the engine's own decoding loop as users get them; llama.cpp on the 8-bit GGUF
it serves), against plain fp32 `generate`, on the
same held-out ideas: share of raw generations that are clean, need cleaning
or are dropped, the mean taste score of the kept titles, and how often the
path's title beats the plain fp32 one under the default taste (ties split;
0.5 means no difference; goal: at least 0.45, within noise of fp32 or
better)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefloop.inference.engines.cpu_paths import PATHS, build_weights
from prefloop.inference.engines.llama_cpp_model import LlamaCppModel, as_q8_0
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models.provision import default_cache_dir, locate_default_gguf
from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles.cleaning import clean_title
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.taste import Taste
from tests.bench.conftest import report, with_goals
from tests.bench.generation import raw_generate_texts

IDEAS = 40
SAMPLES = 4


BASELINE = "fp32_generate"
LLAMA_CPP = "llama_cpp_q8_0"
Draw = Callable[[str], list[tuple[str, bool]]]  # prompt -> SAMPLES (text, finished)


def torch_draw(model: Any, tokenizer: Any, settings: InferenceSettings, loop: bool) -> Draw:
    return lambda prompt: raw_generate_texts(model, tokenizer, prompt, SAMPLES, settings, loop)


def llama_cpp_draw(tokenizer: Any, settings: InferenceSettings) -> Draw:
    model = LlamaCppModel(as_q8_0(locate_default_gguf(), default_cache_dir()))

    def draw(prompt: str) -> list[tuple[str, bool]]:
        ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        rows = model.sample([ids] * SAMPLES, None, settings.sampling, tokenizer.eos_token_id)
        return [(tokenizer.decode(r.tokens, skip_special_tokens=True), r.finished) for r in rows]

    return draw


def titles_and_shares(draw: Draw, tokenizer: Any, ideas: list[str]) -> Any:
    titles: dict[str, list[str]] = {}
    outcomes = {"clean": 0, "cleaned": 0, "dropped": 0}
    for idea in ideas:
        for text, finished in draw(render_prompt(tokenizer, idea)):
            result = clean_title(text, finished)
            if result.title is None:
                outcomes["dropped"] += 1
                continue
            outcomes["cleaned" if result.changed else "clean"] += 1
            titles.setdefault(idea, []).append(result.title)
    total = sum(outcomes.values())
    return titles, {k: round(v / total, 3) for k, v in outcomes.items()}


def test_every_cpu_path_writes_titles_as_good_as_fp32(default_model_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = InferenceSettings()
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    tokenizer.padding_side = "left"
    fp32 = AutoModelForCausalLM.from_pretrained(default_model_dir, dtype=torch.float32).eval()
    ideas = split_ideas()[1][:IDEAS]
    taste = Taste()

    figures: dict[str, Any] = {"ideas": len(ideas), "samples_per_idea": SAMPLES}
    titles = {}
    variants = [(BASELINE, torch_draw(fp32, tokenizer, settings, False))]
    for path in PATHS:
        model = build_weights(path, fp32).calls(["base"])[0].model
        variants.append((path, torch_draw(model, tokenizer, settings, True)))
    variants.append((LLAMA_CPP, llama_cpp_draw(tokenizer, settings)))
    for name, draw in variants:
        torch.manual_seed(0)
        titles[name], shares = titles_and_shares(draw, tokenizer, ideas)
        figures |= {f"{name}_{k}": v for k, v in shares.items()}
        scores = [taste.score(i, t) for i, ts in titles[name].items() for t in ts]
        figures[f"{name}_mean_taste"] = round(statistics.mean(scores), 3)
    goals = {}
    for path in (*PATHS, LLAMA_CPP):
        duels = [
            1.0 if a > b else 0.5 if a == b else 0.0
            for idea in ideas
            for a, b in zip(
                (taste.score(idea, t) for t in titles[path].get(idea, [])),
                (taste.score(idea, t) for t in titles[BASELINE].get(idea, [])),
                strict=False,
            )
        ]
        figures[f"{path}_win_rate_vs_{BASELINE}"] = round(statistics.mean(duels), 3)
        figures[f"{path}_duels"] = len(duels)
        goals[f"{path}_win_rate_vs_{BASELINE}"] = (">=", 0.45)
    report("cpu_path_title_quality", with_goals(figures, goals))
