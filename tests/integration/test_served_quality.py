"""A bar of served quality on the real default model: 40 ideas, 4 titles each,
from base and from an adapter, as the inference service serves them, on the
transformers engine and on llama.cpp. No title
echoes the prompt's instructions, holds a template placeholder, says one
fragment twice or carries broken characters. The checks here are written
apart from the cleaning rules, so a rule that misses what the model really
writes fails them."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from prefloop.inference.engines import Engine, create_engine
from prefloop.inference.settings import InferenceSettings
from prefloop.inference.suggestions.service import distinct_titles
from prefloop.shared.models import DEFAULT_BASE_MODEL
from prefloop.simulator.ideas import split_ideas
from tests.conftest import make_lora_adapter

IDEAS = 40
TITLES = 4
INSTRUCTIONS = re.compile(
    r"single line|no quotes|no explanation|one title only|you write youtube", re.IGNORECASE
)
PLACEHOLDER = re.compile(r"[\[{<][^\]}>]*[\]}>]")


def repeated_fragment(title: str) -> bool:
    words = re.findall(r"[\w']+", title.lower())
    runs = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    return len(runs) != len(set(runs))


def defects(title: str) -> list[str]:
    found = []
    if INSTRUCTIONS.search(title):
        found.append("echo")
    if PLACEHOLDER.search(title):
        found.append("placeholder")
    if repeated_fragment(title):
        found.append("repeated fragment")
    if "\ufffd" in title:
        found.append("broken characters")
    return found


@pytest.fixture(scope="module", params=["transformers", "llama.cpp"])
def engine(
    request: pytest.FixtureRequest, default_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Engine:
    settings = InferenceSettings(
        engine=request.param, base_model=DEFAULT_BASE_MODEL, kafka_bootstrap_servers=None
    )
    engine = create_engine(settings)
    adapter = make_lora_adapter(default_model_dir, tmp_path_factory.mktemp("lora"), rank=8, seed=3)
    asyncio.run(engine.load_adapter("v1", adapter))
    return engine


@pytest.mark.parametrize("version", ["base", "v1"])
def test_served_titles_are_titles(engine: Engine, version: str) -> None:
    ideas = split_ideas()[1][:IDEAS]

    async def serve_all() -> list[list[str]]:
        return await asyncio.gather(*(distinct_titles(engine, idea, TITLES, version) for idea in ideas))

    served = asyncio.run(serve_all())
    titles = [title for per_idea in served for title in per_idea]
    bad = {title: defects(title) for title in titles if defects(title)}
    print(
        f"{version}: {len(titles)} titles for {len(ideas)} ideas, {sum(len(s) == TITLES for s in served)} full sets"
    )
    assert bad == {}
    assert len(titles) >= IDEAS * TITLES * 0.8  # the cleaning leaves enough to serve
