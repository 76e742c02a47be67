"""The throughput baseline: a bare Litestar endpoint that validates the same
feedback body and answers, served the way the services are (prefloop's serve,
uvicorn, one worker). `python -m tests.bench.bare_app PORT`."""

from __future__ import annotations

import sys

from litestar import Litestar, post
from pydantic import BaseModel

from prefloop.shared.http.serve import serve


class Body(BaseModel):
    feedback_id: str
    suggestion_set_id: str
    action: str
    suggestion_id: str | None = None
    user_id: str | None = None


@post("/v1/feedback", status_code=201, sync_to_thread=False)
def accept(data: Body) -> dict[str, str]:
    return {"feedback_id": data.feedback_id, "status": "recorded"}


app = Litestar([accept])

if __name__ == "__main__":
    serve("bare", app, "127.0.0.1", int(sys.argv[1]))
