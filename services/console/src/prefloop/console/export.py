"""The pairs as a JSON-lines download, streamed from the trainer's export."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Stream

from prefloop.console.upstream import Upstream


@get("/export/pairs.jsonl", include_in_schema=False)
async def export_pairs(upstream: NamedDependency[Upstream], source: FromQuery[bool] = False) -> Stream:
    # Opened before the response starts, so an unreachable or refusing trainer
    # is an error answer rather than a truncated download.
    response = await upstream.open_stream("trainer", "/v1/pairs/export", {"source": str(source).lower()})

    async def lines() -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        finally:
            await response.aclose()

    return Stream(
        lines(),
        media_type="application/jsonl",
        headers={"Content-Disposition": 'attachment; filename="prefloop-pairs.jsonl"'},
    )
