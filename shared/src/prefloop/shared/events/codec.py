"""The one place where events meet their wire format (protobuf from proto/).

Decoding also checks what the handlers behind it rely on (ids are UUIDs,
text follows the text rule, lengths are bounded), so a record that would
fail an INSERT goes to the DLQ here instead of stopping a consumer."""

from __future__ import annotations

from uuid import UUID

from google.protobuf.message import DecodeError as _ProtoDecodeError

from prefloop.shared.events import events_pb2 as pb
from prefloop.shared.events.topics import ADAPTERS, FEEDBACK, SUGGESTIONS
from prefloop.shared.events.types import (
    AdapterEvent,
    AdapterEventType,
    Event,
    FeedbackAction,
    FeedbackRecorded,
    ServedSuggestion,
    SuggestionsServed,
    UserErased,
)
from prefloop.shared.text import text_problem

MAX_IDEA_CHARS = 2000
MAX_TEXT_CHARS = 2000
MAX_NAME_CHARS = 128  # user ids, model versions, template versions


class DecodeError(ValueError):
    """A payload that is not a valid event for its topic."""


_ACTIONS = {
    FeedbackAction.ACCEPT: pb.FEEDBACK_ACTION_ACCEPT,
    FeedbackAction.EDIT: pb.FEEDBACK_ACTION_EDIT,
    FeedbackAction.REJECT_ALL: pb.FEEDBACK_ACTION_REJECT_ALL,
}
_ACTIONS_BACK = {v: k for k, v in _ACTIONS.items()}
_ADAPTER_TYPES = {
    AdapterEventType.PUBLISHED: pb.ADAPTER_EVENT_TYPE_PUBLISHED,
    AdapterEventType.CANARY: pb.ADAPTER_EVENT_TYPE_CANARY,
    AdapterEventType.ACTIVATED: pb.ADAPTER_EVENT_TYPE_ACTIVATED,
    AdapterEventType.ROLLED_BACK: pb.ADAPTER_EVENT_TYPE_ROLLED_BACK,
    AdapterEventType.REJECTED: pb.ADAPTER_EVENT_TYPE_REJECTED,
}
_ADAPTER_TYPES_BACK = {v: k for k, v in _ADAPTER_TYPES.items()}


def _suggestion_pb(s: ServedSuggestion) -> pb.Suggestion:
    return pb.Suggestion(id=s.id, index=s.index, text=s.text, model_version=s.model_version)


def _suggestion(s: pb.Suggestion) -> ServedSuggestion:
    return ServedSuggestion(id=s.id, index=s.index, text=s.text, model_version=s.model_version)


def encode(event: Event) -> bytes:
    """Serialize a domain event for the topic that carries it."""
    if isinstance(event, SuggestionsServed):
        return pb.SuggestionsServed(
            suggestion_set_id=event.suggestion_set_id,
            idea=event.idea,
            prompt_template_version=event.prompt_template_version,
            model_version=event.model_version,
            user_id=event.user_id or "",
            suggestions=[_suggestion_pb(s) for s in event.suggestions],
            served_at_ms=event.served_at_ms,
        ).SerializeToString()
    if isinstance(event, FeedbackRecorded):
        recorded = pb.FeedbackRecorded(
            feedback_id=event.feedback_id,
            suggestion_set_id=event.suggestion_set_id,
            action=_ACTIONS[event.action],
            idea=event.idea,
            prompt_template_version=event.prompt_template_version,
            chosen_text=event.chosen_text or "",
            chosen_model_version=event.chosen_model_version or "",
            rejected=[_suggestion_pb(s) for s in event.rejected],
            user_id=event.user_id or "",
            recorded_at_ms=event.recorded_at_ms,
        )
        return pb.FeedbackTopicMessage(feedback_recorded=recorded).SerializeToString()
    if isinstance(event, UserErased):
        erased = pb.UserErased(
            user_id=event.user_id, erased_at_ms=event.erased_at_ms, feedback_ids=list(event.feedback_ids)
        )
        return pb.FeedbackTopicMessage(user_erased=erased).SerializeToString()
    return pb.AdapterEvent(
        type=_ADAPTER_TYPES[event.type],
        version=event.version,
        parent_version=event.parent_version or "",
        base_model=event.base_model,
        path=event.path,
        canary_fraction=event.canary_fraction,
        reason=event.reason,
        at_ms=event.at_ms,
    ).SerializeToString()


def decode(topic: str, payload: bytes) -> Event:
    """Parse a payload from `topic` into a domain event, or raise DecodeError."""
    try:
        if topic == SUGGESTIONS.name:
            return _served(pb.SuggestionsServed.FromString(payload))
        if topic == FEEDBACK.name:
            return _feedback_topic(pb.FeedbackTopicMessage.FromString(payload))
        if topic == ADAPTERS.name:
            return _adapter(pb.AdapterEvent.FromString(payload))
    except _ProtoDecodeError as exc:
        raise DecodeError(f"payload on {topic} is not valid protobuf: {exc}") from exc
    raise DecodeError(f"no event type is bound to topic {topic!r}")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DecodeError(message)


def _uuid(value: str, what: str) -> str:
    try:
        UUID(value)
    except ValueError:
        raise DecodeError(f"{what} is not a UUID: {value[:60]!r}") from None
    return value


def _clean(value: str, what: str, limit: int = MAX_NAME_CHARS, multiline: bool = False) -> str:
    _require(len(value) <= limit, f"{what} is {len(value)} characters long, the limit is {limit}")
    problem = text_problem(value, multiline)
    _require(problem is None, f"{what} {problem}")
    return value


def _checked_suggestion(s: pb.Suggestion, what: str) -> ServedSuggestion:
    _uuid(s.id, f"{what} id")
    _clean(s.text, f"{what} text", MAX_TEXT_CHARS)
    _clean(s.model_version, f"{what} model_version")
    return _suggestion(s)


def _served(msg: pb.SuggestionsServed) -> SuggestionsServed:
    _require(bool(msg.suggestion_set_id), "SuggestionsServed without suggestion_set_id")
    _require(len(msg.suggestions) > 0, "SuggestionsServed without suggestions")
    return SuggestionsServed(
        suggestion_set_id=_uuid(msg.suggestion_set_id, "suggestion_set_id"),
        idea=_clean(msg.idea, "idea", MAX_IDEA_CHARS, multiline=True),
        prompt_template_version=_clean(msg.prompt_template_version, "prompt_template_version"),
        model_version=_clean(msg.model_version, "model_version"),
        user_id=_clean(msg.user_id, "user_id") or None,
        suggestions=tuple(_checked_suggestion(s, "suggestion") for s in msg.suggestions),
        served_at_ms=msg.served_at_ms,
    )


def _feedback_topic(msg: pb.FeedbackTopicMessage) -> FeedbackRecorded | UserErased:
    kind = msg.WhichOneof("kind")
    if kind == "user_erased":
        _require(bool(msg.user_erased.user_id), "UserErased without user_id")
        erased = msg.user_erased
        ids = tuple(_uuid(i, "erased feedback id") for i in erased.feedback_ids)
        return UserErased(_clean(erased.user_id, "user_id"), erased.erased_at_ms, ids)
    _require(kind == "feedback_recorded", "feedback message carries no event")
    rec = msg.feedback_recorded
    _require(rec.action in _ACTIONS_BACK, f"FeedbackRecorded with unknown action {rec.action}")
    _require(bool(rec.feedback_id), "FeedbackRecorded without feedback_id")
    return FeedbackRecorded(
        feedback_id=_uuid(rec.feedback_id, "feedback_id"),
        suggestion_set_id=_uuid(rec.suggestion_set_id, "suggestion_set_id"),
        action=_ACTIONS_BACK[rec.action],
        idea=_clean(rec.idea, "idea", MAX_IDEA_CHARS, multiline=True),
        prompt_template_version=_clean(rec.prompt_template_version, "prompt_template_version"),
        chosen_text=_clean(rec.chosen_text, "chosen_text", MAX_TEXT_CHARS) or None,
        chosen_model_version=_clean(rec.chosen_model_version, "chosen_model_version") or None,
        rejected=tuple(_checked_suggestion(s, "rejected suggestion") for s in rec.rejected),
        user_id=_clean(rec.user_id, "user_id") or None,
        recorded_at_ms=rec.recorded_at_ms,
    )


def _adapter(msg: pb.AdapterEvent) -> AdapterEvent:
    _require(msg.type in _ADAPTER_TYPES_BACK, f"AdapterEvent with unknown type {msg.type}")
    _require(bool(msg.version), "AdapterEvent without version")
    return AdapterEvent(
        type=_ADAPTER_TYPES_BACK[msg.type],
        version=_clean(msg.version, "version"),
        base_model=msg.base_model,
        path=msg.path,
        parent_version=msg.parent_version or None,
        canary_fraction=msg.canary_fraction,
        reason=msg.reason,
        at_ms=msg.at_ms,
    )
