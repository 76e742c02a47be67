"""Thin routes over FeedbackService (blocking database work runs in a thread)."""

from __future__ import annotations

from uuid import UUID

from litestar import Response, get, post

from prefloop.feedback.recording.models import FeedbackIn, FeedbackOut
from prefloop.feedback.recording.service import FeedbackService


@post("/v1/feedback", sync_to_thread=True)
def submit_feedback(data: FeedbackIn, feedback: FeedbackService) -> Response[FeedbackOut]:
    status, out = feedback.submit(data)
    return Response(out, status_code=status)


@get("/v1/feedback/{feedback_id:uuid}", sync_to_thread=True)
def get_feedback(feedback_id: UUID, feedback: FeedbackService) -> FeedbackOut:
    return feedback.get(feedback_id)
