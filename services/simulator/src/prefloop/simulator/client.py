"""HTTP calls of a simulated application: ask for titles, report the choice."""

from __future__ import annotations

from typing import Any

import httpx

from prefloop.simulator.users import Decision, Shown

# A set from the real model on a busy CPU can take three sampling attempts.
SUGGESTION_TIMEOUT_S = 120


class PrefloopClient:
    def __init__(self, inference_url: str, feedback_url: str, api_key: str | None = None) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._inference = httpx.Client(base_url=inference_url, timeout=SUGGESTION_TIMEOUT_S, headers=headers)
        self._feedback = httpx.Client(base_url=feedback_url, timeout=30, headers=headers)

    def suggest(self, idea: str, n: int, user_id: str, model_version: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"idea": idea, "n": n, "user_id": user_id}
        if model_version:
            body["model_version"] = model_version
        response = self._inference.post("/v1/suggestions", json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def send_feedback(self, set_id: str, user_id: str, decision: Decision) -> int:
        body = {"suggestion_set_id": set_id, "action": decision.action, "user_id": user_id}
        if decision.suggestion_id:
            body["suggestion_id"] = decision.suggestion_id
        if decision.edited_text:
            body["edited_text"] = decision.edited_text
        response = self._feedback.post("/v1/feedback", json=body)
        response.raise_for_status()
        return response.status_code

    @staticmethod
    def shown(result: dict[str, Any]) -> list[Shown]:
        return [Shown(s["id"], s["text"]) for s in result["suggestions"]]

    def close(self) -> None:
        self._inference.close()
        self._feedback.close()
