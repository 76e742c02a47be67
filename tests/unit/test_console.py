"""The console's pages and calls over a fake set of APIs: it passes choices
on unchanged, says which API failed, keeps the admin token out of pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from prefloop.console.app import create_app
from prefloop.console.operate.chart import acceptance_svg
from prefloop.console.operate.versions import gate_figures, version_rows
from prefloop.console.settings import ConsoleSettings
from prefloop.console.upstream import Answer, Upstream, UpstreamUnavailable

TOKEN = "s3cret-admin-token"
Reply = Answer | Callable[[Any, str | None], Answer]

ADAPTERS: list[dict[str, Any]] = [
    {
        "version": "v0002-20261201000000",
        "parent": "v0001-20261130000000",
        "status": "active",
        "reason": "round 2 passed the gate",
        "created_at": "2026-12-01T00:00:00Z",
        "metrics": {"duels": {"wins": 60, "losses": 30, "ties": 6}},
    },
    {
        "version": "v0001-20261130000000",
        "parent": None,
        "status": "retired",
        "reason": None,
        "created_at": "2026-11-30T00:00:00Z",
        "metrics": {},
    },
]


def version_stats(version: str, feedback: int) -> dict[str, Any]:
    return {
        "model_version": version,
        "sets_served": feedback,
        "feedback": feedback,
        "accepted": feedback,
        "edited": 0,
        "rejected_all": 0,
        "acceptance_rate": 1.0,
        "edit_rate": 0.0,
        "reject_all_rate": 0.0,
    }


class FakeUpstream(Upstream):
    """Canned answers by (service, method, path); anything else is unreachable."""

    def __init__(self, replies: dict[tuple[str, str, str], Reply]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, str, str, Any, str | None]] = []

    async def call(
        self,
        service: Any,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        admin_token: str | None = None,
    ) -> Answer:
        self.calls.append((service, method, path, json if json is not None else params, admin_token))
        reply = self.replies.get((service, method, path))
        if reply is None:
            raise UpstreamUnavailable(f"the {service} service is not reachable")
        return reply(json, admin_token) if callable(reply) else reply

    async def close(self) -> None:
        return None


def admin_only(body: Any) -> Reply:
    def reply(_: Any, token: str | None) -> Answer:
        if token != TOKEN:
            return Answer(
                403, {"error": "forbidden", "detail": "trainer answered 403: the admin token is not valid"}
            )
        return Answer(200, body)

    return reply


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream(
        {
            ("inference", "POST", "/v1/suggestions"): Answer(
                503, {"error": "unavailable", "detail": "inference answered 503: the model is loading"}
            ),
            ("feedback", "POST", "/v1/feedback"): Answer(201, {"feedback_id": "f1", "status": "recorded"}),
            ("feedback", "GET", "/v1/stats"): Answer(
                200, {"versions": [version_stats("base", feedback=3)], "canaries": []}
            ),
            ("inference", "GET", "/v1/models"): Answer(200, {"active_version": "v0002-20261201000000"}),
            ("trainer", "GET", "/v1/adapters"): Answer(200, ADAPTERS),
            ("trainer", "GET", "/v1/training/runs"): Answer(
                200, [{"version": ADAPTERS[0]["version"], "train_pairs": 96}]
            ),
            ("trainer", "GET", "/v1/admin/check"): admin_only({"admin": True}),
            ("trainer", "POST", "/v1/adapters/rollback"): admin_only(
                {"rolled_back": "v0002", "active": "v0001"}
            ),
        }
    )


@pytest.fixture
def client(upstream: FakeUpstream) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(ConsoleSettings(), upstream=upstream)) as test_client:
        yield test_client


def test_a_choice_goes_to_the_feedback_api_unchanged(client: TestClient[Any], upstream: FakeUpstream) -> None:
    choice = {"suggestion_set_id": "s1", "action": "accept", "suggestion_id": "t2", "user_id": "ana"}
    response = client.post("/api/feedback", json=choice)
    assert response.status_code == 201
    assert upstream.calls[-1] == ("feedback", "POST", "/v1/feedback", choice, None)


def test_an_api_error_keeps_its_status_and_names_the_api(client: TestClient[Any]) -> None:
    response = client.post("/api/suggestions", json={"idea": "cats", "n": 4, "user_id": "ana"})
    assert response.status_code == 503
    assert response.json()["detail"] == "inference answered 503: the model is loading"
    assert client.post("/api/suggestions", json={"idea": "", "n": 4, "user_id": "ana"}).status_code == 400


def test_the_side_panel_counts_the_persons_choices_and_names_what_did_not_answer(
    client: TestClient[Any], upstream: FakeUpstream
) -> None:
    state = client.get("/api/loop", params={"user_id": "ana"}).json()
    assert state["choices_today"] == 3
    assert state["active_version"] == "v0002-20261201000000"
    assert state["pairs_waiting"] is None
    assert state["problems"] == ["the trainer service is not reachable"]
    assert ("feedback", "GET", "/v1/stats", {"window_hours": 24, "user_id": "ana"}, None) in upstream.calls


def test_operating_needs_a_valid_token_that_never_reaches_the_page(
    client: TestClient[Any], upstream: FakeUpstream
) -> None:
    assert 'name="token"' in client.get("/operate").text
    refused = client.post("/operate/actions", data={"action": "rollback", "reason": "worse"})
    assert refused.status_code == 200  # redirected back to the login form
    assert "Sign in with the admin token first" in refused.text
    assert not any(call[2] == "/v1/adapters/rollback" for call in upstream.calls)

    wrong = client.post("/operate/login", data={"token": "guess"})
    assert "Not signed in: trainer answered 403" in wrong.text
    page = client.post("/operate/login", data={"token": TOKEN})
    assert "Signed in." in page.text
    assert "v0002-20261201000000" in page.text
    assert "duels won 60, lost 30, tied 6" in page.text
    assert TOKEN not in page.text
    assert all(TOKEN not in value for value in client.cookies.values())

    no_reason = client.post("/operate/actions", data={"action": "rollback", "reason": " "})
    assert "give a reason" in no_reason.text
    done = client.post("/operate/actions", data={"action": "rollback", "reason": "titles got worse"})
    assert "Roll back: done." in done.text
    rollback = ("trainer", "POST", "/v1/adapters/rollback", {"reason": "titles got worse"}, TOKEN)
    assert upstream.calls.count(rollback) == 1

    client.post("/operate/logout")
    assert 'name="token"' in client.get("/operate").text


def test_versions_carry_lineage_round_pairs_and_gate_figures() -> None:
    rows = version_rows(
        ADAPTERS,
        [{"version": ADAPTERS[0]["version"], "train_pairs": 96}],
        [
            {
                "candidate": ADAPTERS[1]["version"],
                "decisions": 30,
                "win_rate": 0.6,
                "win_rate_lower": 0.42,
                "win_rate_upper": 0.75,
            }
        ],
    )
    assert [(r.version[:5], r.parent[:5], r.round, r.pairs, r.serving) for r in rows] == [
        ("v0002", "v0001", 2, 96, True),
        ("v0001", "base", 1, None, False),
    ]
    assert rows[1].canary == "30 decisions, win rate 0.60 (0.42–0.75)"
    figures = gate_figures(
        {
            "gate": {"candidate": {"accuracy": 0.7, "pairs": 40}, "active": {"accuracy": 0.6}},
            "health": {"candidate": {"usable": 46, "sampled": 48}, "base": {"usable": 25, "sampled": 48}},
        }
    )
    assert figures == ["held-out accuracy 0.70 vs 0.60 (40 pairs)", "usable titles 46/48 vs base 25/48"]
    drawn = {"usable": 46, "sampled": 90, "full_sets": 8, "sets": 16}
    base = {"usable": 25, "sampled": 70, "full_sets": 16, "sets": 16}
    assert gate_figures({"health": {"candidate": drawn, "base": base}}) == [
        "full sets 8/16 vs base 16/16",
        "usable titles 46/90 vs base 25/70",
    ]


def test_the_chart_draws_a_line_per_version_and_marks_each_activation() -> None:
    svg = acceptance_svg(
        {
            "points": [
                {"bucket_start": "2026-12-01T00:00:00Z", "model_version": "base", "acceptance_rate": 0.4},
                {"bucket_start": "2026-12-01T00:05:00Z", "model_version": "base", "acceptance_rate": 0.5},
                {"bucket_start": "2026-12-01T00:10:00Z", "model_version": "v1", "acceptance_rate": 0.7},
            ],
            "versions": [
                {"model_version": "base", "first_served": "2026-12-01T00:00:00Z"},
                {"model_version": "v1", "first_served": "2026-12-01T00:09:00Z"},
            ],
        }
    )
    assert svg.count("<polyline") == 2
    assert svg.count('class="activation"') == 1  # v1's; base serves from the start
    assert "v1: 70%" in svg
    assert "No feedback" in acceptance_svg({"points": [], "versions": []})
