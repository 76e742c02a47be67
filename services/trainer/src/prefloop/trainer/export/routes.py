"""GET /v1/pairs/export: the pairs as a JSON-lines download."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Stream
from psycopg_pool import ConnectionPool

from prefloop.trainer.export.dataset import export_lines

MEDIA_TYPE = "application/jsonl"


@get(
    "/v1/pairs/export",
    sync_to_thread=False,
    media_type=MEDIA_TYPE,
    description="Every stored pair (erased users left out) as JSON lines with prompt/chosen/rejected "
    "in TRL's conversational format; `source=true` adds each pair's feedback id and action.",
)
def export_pairs(pool: NamedDependency[ConnectionPool[Any]], source: FromQuery[bool] = False) -> Stream:
    return Stream(
        export_lines(pool, with_source=source),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="prefloop-pairs.jsonl"'},
    )
