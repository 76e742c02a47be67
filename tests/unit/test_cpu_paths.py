"""The engine chooses its CPU path by measuring: the fastest path whose
next-token distribution stays close to fp32's, cached per machine, or a forced one."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefloop.inference.engines.cpu_paths import (
    PATHS,
    PathCache,
    PathFigures,
    choose_path,
    fastest_faithful,
    machine_key,
)
from prefloop.shared.prompts import render_prompt


def test_the_fastest_faithful_path_wins() -> None:
    figures = [
        PathFigures("fp32", 20.0, 0.0),
        PathFigures("bf16", 34.0, 0.001),
        PathFigures("int8", 58.0, 0.9),
    ]
    assert fastest_faithful(figures) == "bf16"  # int8 is faster but says other things
    assert fastest_faithful([PathFigures("bf16", 34.0, 0.5)]) == "fp32"  # nothing faithful: fp32


def test_machines_of_one_name_with_other_instruction_sets_are_measured_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import prefloop.inference.engines.cpu_paths as cpu_paths

    monkeypatch.setattr(cpu_paths, "cpu_model_name", lambda: "AMD EPYC")
    monkeypatch.setattr(cpu_paths, "cpu_features", lambda: ("avx2",))
    without_bf16 = machine_key(2, "m")
    monkeypatch.setattr(cpu_paths, "cpu_features", lambda: ("avx2", "avx512", "avx512_bf16"))
    assert machine_key(2, "m") != without_bf16
    assert "AMD EPYC" in without_bf16
    assert "avx2" in without_bf16


def test_the_cache_keeps_figures_per_machine_and_survives_a_bad_file(tmp_path: Path) -> None:
    cache = PathCache(tmp_path / "cpu-paths.json")
    assert cache.get("cpu A") is None
    figures = [PathFigures("fp32", 20.0, 0.0), PathFigures("int8", 58.0, 0.005)]
    cache.put("cpu A", figures)
    cache.put("cpu B", figures[:1])
    assert cache.get("cpu A") == figures
    assert cache.get("cpu B") == figures[:1]
    (tmp_path / "cpu-paths.json").write_text("{not json")
    assert cache.get("cpu A") is None
    cache.put("cpu A", figures)  # a bad file is replaced, not fatal
    assert cache.get("cpu A") == figures


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path) -> tuple[object, object]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    return AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval(), tokenizer


def test_a_first_start_measures_every_path_and_a_second_reads_the_cache(
    tiny: tuple[object, object], tmp_path: Path
) -> None:
    model, tokenizer = tiny
    cache = PathCache(tmp_path / "cpu-paths.json")

    def render(idea: str) -> str:
        return render_prompt(tokenizer, idea)  # type: ignore[arg-type]

    first = choose_path("auto", model, tokenizer, render, cache, "this machine")
    assert first.reason == "measured"
    assert [f.path for f in first.figures] == list(PATHS)
    assert all(f.tokens_per_s > 0 for f in first.figures)
    assert first.figures[0].kl_from_fp32 == 0.0
    assert first.path == fastest_faithful(first.figures)
    again = choose_path("auto", model, tokenizer, render, cache, "this machine")
    assert (again.reason, again.path, again.figures) == ("cached", first.path, first.figures)
    forced = choose_path("int8", model, tokenizer, render, cache, "this machine")
    assert (forced.reason, forced.path) == ("forced", "int8")
    assert forced.describe()["cpu_path"] == "int8"
