"""Thin routes over FeedbackService (blocking database work runs in a thread)."""

from __future__ import annotations

from uuid import UUID

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from prefloop.feedback.recording.models import FeedbackIn, FeedbackOut
from prefloop.feedback.recording.service import FeedbackService


@post(
    "/v1/feedback",
    sync_to_thread=True,
    responses={
        200: ResponseSpec(FeedbackOut, description="the same feedback_id replayed with the same body"),
        202: ResponseSpec(FeedbackOut, description="kept pending: the set is not known yet"),
    },
)
def submit_feedback(
    data: JSONBody[FeedbackIn], feedback: NamedDependency[FeedbackService]
) -> Response[FeedbackOut]:
    status, out = feedback.submit(data)
    return Response(out, status_code=status)


@get("/v1/feedback/{feedback_id:uuid}", sync_to_thread=True)
def get_feedback(feedback_id: FromPath[UUID], feedback: NamedDependency[FeedbackService]) -> FeedbackOut:
    return feedback.get(feedback_id)
