"""Generate N distinct titles, record the served set as an event, answer."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid

from prefloop.inference.adapters import AdapterManager, UnknownVersion
from prefloop.inference.engines import BASE_VERSION, Engine, EngineFailed
from prefloop.inference.metrics import (
    INTERLEAVED_SETS,
    RAW_GENERATIONS,
    SETS_TOPPED_UP,
    SUGGESTIONS_SERVED,
    TITLES_DROPPED,
)
from prefloop.inference.suggestions.models import (
    SuggestionOut,
    SuggestionRequest,
    SuggestionSetOut,
)
from prefloop.inference.suggestions.serving import ServingRecord
from prefloop.shared.adapters import AdapterRefused
from prefloop.shared.events import SUGGESTIONS, ServedSuggestion, SuggestionsServed
from prefloop.shared.http import Conflict, NotFound, ServiceUnavailable
from prefloop.shared.kafka import EventPublisher
from prefloop.shared.prompts import PROMPT_TEMPLATE_VERSION
from prefloop.shared.titles import clean_title, is_new, new_titles
from prefloop.shared.titles.retries import DEFAULT_ATTEMPTS, DEFAULT_OVERSAMPLE, attempt_rows

log = logging.getLogger(__name__)


class SuggestionService:
    def __init__(
        self,
        engine: Engine,
        adapters: AdapterManager,
        publisher: EventPublisher,
        oversample: int = 2,
        attempts: int = 3,
        rng: random.Random | None = None,
        serving: ServingRecord | None = None,
    ) -> None:
        self._engine = engine
        self.serving = serving or ServingRecord()
        self._adapters = adapters
        self._publisher = publisher
        self._oversample = oversample
        self._attempts = attempts
        self._rng = rng or random.Random()

    @property
    def engine(self) -> Engine:
        return self._engine

    async def suggest(self, request: SuggestionRequest) -> SuggestionSetOut:
        try:
            control, titles = await self._titles_for(request)
        except UnknownVersion as exc:
            raise NotFound(str(exc)) from exc
        except AdapterRefused as exc:
            raise Conflict(f"model version {request.model_version!r} cannot be served: {exc}") from exc
        except EngineFailed as exc:
            raise ServiceUnavailable(f"the model could not generate: {exc}") from exc
        if not titles:
            raise ServiceUnavailable("the model produced no usable title; try again")
        self._rng.shuffle(titles)
        served = SuggestionsServed(
            suggestion_set_id=str(uuid.uuid4()),
            idea=request.idea,
            prompt_template_version=PROMPT_TEMPLATE_VERSION,
            model_version=control,
            user_id=request.user_id,
            suggestions=tuple(
                ServedSuggestion(str(uuid.uuid4()), i, text, version)
                for i, (text, version) in enumerate(titles)
            ),
            served_at_ms=int(time.time() * 1000),
        )
        await self._record(served)
        for s in served.suggestions:
            SUGGESTIONS_SERVED.labels(model_version=s.model_version).inc()
        # An interleaved set is blind: the response names only the control version.
        return SuggestionSetOut(
            suggestion_set_id=uuid.UUID(served.suggestion_set_id),
            model_version=control,
            suggestions=[
                SuggestionOut(id=uuid.UUID(s.id), index=s.index, text=s.text) for s in served.suggestions
            ],
        )

    async def _titles_for(self, request: SuggestionRequest) -> tuple[str, list[tuple[str, str]]]:
        """(control version, [(title, version)]): one version, or a canary interleaving."""
        canary = self._adapters.canary
        if (
            canary is not None
            and request.model_version is None
            and request.n >= 2
            and self._rng.random() < canary.fraction
        ):
            return await self._interleaved(request, canary.version)
        async with self._adapters.lease(request.model_version) as version:
            # A pinned version is asked for by name; the active one is only a means to titles.
            generate = self.distinct_titles if request.model_version is not None else self._titles_or_none
            try:
                titles = await generate(request.idea, request.n, version)
            except EngineFailed:
                self.serving.record(version, request.n, 0)
                raise
        self.serving.record(version, request.n, len(titles))
        served = [(t, version) for t in titles]
        if request.model_version is not None or version == BASE_VERSION:
            return version, served  # a pinned version's own titles, or base's: nothing to fall back to
        return version, await self.topped_up(request.idea, request.n, version, served)

    async def _interleaved(
        self, request: SuggestionRequest, candidate: str
    ) -> tuple[str, list[tuple[str, str]]]:
        """Half the titles from the candidate, half from the active version."""
        from_candidate = (request.n + 1) // 2
        async with self._adapters.lease() as control, self._adapters.lease(candidate) as challenger:
            ours, theirs = await asyncio.gather(
                self._titles_or_none(request.idea, request.n - from_candidate, control),
                self._titles_or_none(request.idea, from_candidate, challenger),
            )
        # The canary's own outcome: one that writes nothing usable never shows in a set, so
        # users' choices cannot judge it, and the trainer's serving watch ends it instead.
        self.serving.record(challenger, from_candidate, len(theirs))
        titles = [(t, challenger) for t in theirs] + [(t, control) for t in new_titles(ours, theirs)]
        INTERLEAVED_SETS.labels(candidate=challenger).inc()
        return control, await self.topped_up(request.idea, request.n, control, titles)

    async def distinct_titles(self, idea: str, n: int, version: str) -> list[str]:
        return await distinct_titles(self._engine, idea, n, version, self._oversample, self._attempts)

    async def _titles_or_none(self, idea: str, n: int, version: str) -> list[str]:
        """An adapter that fails to generate leaves its titles for base to fill:
        users never lose a set to a version (the serving record still counts it)."""
        try:
            return await self.distinct_titles(idea, n, version)
        except EngineFailed as exc:
            if version == BASE_VERSION:
                raise
            log.warning("%s could not generate (%s); base fills its titles", version, exc)
            return []

    async def topped_up(
        self, idea: str, n: int, version: str, titles: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        return await topped_up(self._engine, idea, n, version, titles, self._oversample, self._attempts)

    async def _record(self, served: SuggestionsServed) -> None:
        # A set the feedback service never hears of could never be learned
        # from: refuse to answer rather than serve it unrecorded.
        try:
            await asyncio.to_thread(
                self._publisher.publish, SUGGESTIONS.name, served.suggestion_set_id, served
            )
        except Exception as exc:
            log.warning("could not publish served set %s: %s", served.suggestion_set_id, exc)
            raise ServiceUnavailable("event broker unavailable; the set was not served") from exc


async def distinct_titles(
    engine: Engine,
    idea: str,
    n: int,
    version: str,
    oversample: int = DEFAULT_OVERSAMPLE,
    attempts: int = DEFAULT_ATTEMPTS,
) -> list[str]:
    """Oversample and retry until n distinct clean titles, or attempts run out."""
    prompt = engine.render_prompt(idea)
    titles: list[str] = []
    for attempt in range(attempts):
        missing = n - len(titles)
        if missing <= 0:
            break
        rows = attempt_rows(missing, oversample, attempt)
        for completion in await engine.generate(prompt, rows, version):
            result = clean_title(completion.text, completion.finished, idea)
            if result.title is None:
                RAW_GENERATIONS.labels(outcome="dropped").inc()
                TITLES_DROPPED.labels(reason=result.reason).inc()
                continue
            RAW_GENERATIONS.labels(outcome="cleaned" if result.changed else "clean").inc()
            if is_new(result.title, titles):
                titles.append(result.title)
    return titles[:n]


async def topped_up(
    engine: Engine,
    idea: str,
    n: int,
    version: str,
    titles: list[tuple[str, str]],
    oversample: int = DEFAULT_OVERSAMPLE,
    attempts: int = DEFAULT_ATTEMPTS,
) -> list[tuple[str, str]]:
    """A set that `version` (an adapter) served short of n titles, filled with
    base's: users are never shown fewer titles than base would show them. The
    adapter's own shortfall is still what the serving record counts, so the
    serving watch rolls back a version that keeps falling short. Each title
    keeps the version that wrote it."""
    missing = n - len(titles)
    if missing <= 0:
        return titles
    # Ask base for a whole set: some of its titles may repeat the adapter's.
    from_base = await distinct_titles(engine, idea, n, BASE_VERSION, oversample, attempts)
    fill = [(t, BASE_VERSION) for t in new_titles(from_base, [text for text, _ in titles])][:missing]
    SETS_TOPPED_UP.labels(model_version=version).inc()
    return titles + fill
