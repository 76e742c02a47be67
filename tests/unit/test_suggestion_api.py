"""The suggestions API with a fake engine and publisher: contract, errors, events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from prefloop.inference.app import create_app
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.events import SUGGESTIONS, SuggestionsServed
from tests.unit.fakes import FakeEngine, FakePublisher


def _client(tmp_path: Path, engine: FakeEngine, publisher: FakePublisher, **settings: object) -> TestClient:
    config = InferenceSettings(adapter_store=tmp_path, kafka_bootstrap_servers=None, **settings)  # type: ignore[arg-type]
    return TestClient(create_app(config, engine=engine, publisher=publisher))


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def client(tmp_path: Path, publisher: FakePublisher) -> Iterator[TestClient]:
    with _client(tmp_path, FakeEngine(), publisher) as c:
        yield c


def test_serves_n_distinct_titles_and_records_the_set(client: TestClient, publisher: FakePublisher) -> None:
    response = client.post("/v1/suggestions", json={"idea": "sourdough rescue", "n": 3, "user_id": "u1"})
    assert response.status_code == 200
    body = response.json()
    texts = [s["text"] for s in body["suggestions"]]
    assert len(set(texts)) == 3
    assert body["model_version"] == "base"
    [(topic, key, event)] = publisher.events
    assert topic == SUGGESTIONS.name
    assert isinstance(event, SuggestionsServed)
    assert key == body["suggestion_set_id"] == event.suggestion_set_id
    assert [s.text for s in event.suggestions] == texts
    assert event.user_id == "u1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"idea": "", "n": 4}, "idea"),
        ({"idea": "x" * 2001}, "idea"),
        ({"idea": "ok", "n": 9}, "n"),
        ({"idea": "ok", "n": 0}, "n"),
        ({"idea": "ok", "user_id": "u" * 129}, "user_id"),
        ({"idea": "ok", "surprise": 1}, "surprise"),
        ({"n": 2}, "idea"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client: TestClient, body: dict[str, object], field: str) -> None:
    response = client.post("/v1/suggestions", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert field in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"idea": "cats\u0000dogs", "n": 1}, "idea"),
        ({"idea": "ok", "user_id": "u\u0000x"}, "user_id"),
        ({"idea": "ok", "model_version": "v\u0007"}, "model_version"),
    ],
)
def test_control_characters_are_a_422_naming_the_field(
    client: TestClient, publisher: FakePublisher, body: dict[str, object], field: str
) -> None:
    response = client.post("/v1/suggestions", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "text_refused"
    assert response.json()["detail"].startswith(f"{field}: text refused: contains a control character")
    assert publisher.events == []  # nothing reaches the bus


def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/v1/suggestions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_an_oversized_body_is_a_413(client: TestClient) -> None:
    response = client.post("/v1/suggestions", json={"idea": "x" * 100_000})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_an_unknown_pinned_version_is_a_404_naming_it(client: TestClient) -> None:
    response = client.post("/v1/suggestions", json={"idea": "ok", "model_version": "v404"})
    assert response.status_code == 404
    assert "'v404'" in response.json()["detail"]


def test_a_broker_outage_refuses_the_set_instead_of_serving_it_unrecorded(tmp_path: Path) -> None:
    with _client(tmp_path, FakeEngine(), FakePublisher(fail=True)) as client:
        response = client.post("/v1/suggestions", json={"idea": "ok"})
    assert response.status_code == 503
    assert "not served" in response.json()["detail"]


def test_titles_are_cleaned_deduplicated_and_retried(tmp_path: Path, publisher: FakePublisher) -> None:
    engine = FakeEngine(
        outputs=["1. Same Title Here", "Same title here", "Sure! Here you go", "Another Good Title"]
    )
    with _client(tmp_path, engine, publisher) as client:
        body = client.post("/v1/suggestions", json={"idea": "ok", "n": 3}).json()
    assert sorted(s["text"] for s in body["suggestions"]) == [
        "Another Good Title",
        "Same Title Here",
    ]
    assert len(engine.generated_with) == 3  # two retries looking for a third distinct title


def test_a_near_copy_of_a_title_does_not_fill_a_set(tmp_path: Path, publisher: FakePublisher) -> None:
    engine = FakeEngine(
        outputs=[
            "The Ultimate Guide to Fixing Your Sourdough Starters!",
            "The Ultimate Guide to Fixing Sourdough Starters!",
            "Why Sourdough Starters Die in Winter",
        ]
    )
    with _client(tmp_path, engine, publisher) as client:
        body = client.post("/v1/suggestions", json={"idea": "ok", "n": 3}).json()
    assert sorted(s["text"] for s in body["suggestions"]) == [  # served in a shuffled order
        "The Ultimate Guide to Fixing Your Sourdough Starters!",
        "Why Sourdough Starters Die in Winter",
    ]


def test_no_usable_title_is_a_503(tmp_path: Path, publisher: FakePublisher) -> None:
    with _client(tmp_path, FakeEngine(outputs=["Sure!", ""]), publisher) as client:
        response = client.post("/v1/suggestions", json={"idea": "ok"})
    assert response.status_code == 503
    assert publisher.events == []


def test_models_counts_each_versions_full_short_and_failed_sets(
    tmp_path: Path, publisher: FakePublisher
) -> None:
    engine = FakeEngine(outputs=["Same Title Here", "Another Good Title", "Sure!"])
    with _client(tmp_path, engine, publisher) as client:
        assert client.post("/v1/suggestions", json={"idea": "ok", "n": 2}).status_code == 200
        assert client.post("/v1/suggestions", json={"idea": "ok", "n": 3}).status_code == 200
        engine._outputs = ["Sure!"]
        assert client.post("/v1/suggestions", json={"idea": "ok", "n": 2}).status_code == 503
        serving = client.get("/v1/models").json()["serving"]
    assert serving == {"base": {"full": 1, "short": 1, "failed": 1}}


def test_a_title_that_hands_the_idea_back_is_not_served(tmp_path: Path, publisher: FakePublisher) -> None:
    engine = FakeEngine(outputs=["Why Octopuses Are So Smart", "Octopus Minds Are Alien"])
    with _client(tmp_path, engine, publisher) as client:
        body = client.post("/v1/suggestions", json={"idea": "why octopuses are so smart", "n": 2}).json()
    assert [s["text"] for s in body["suggestions"]] == ["Octopus Minds Are Alien"]


def test_models_shows_the_active_version(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["active_version"] == "base"
    assert body["loaded_versions"] == []


def test_api_keys_when_configured(tmp_path: Path, publisher: FakePublisher) -> None:
    with _client(tmp_path, FakeEngine(), publisher, api_keys=["k1"]) as client:
        assert client.post("/v1/suggestions", json={"idea": "ok"}).status_code == 401
        assert (
            client.post("/v1/suggestions", json={"idea": "ok"}, headers={"X-API-Key": "nope"}).status_code
            == 403
        )
        assert (
            client.post("/v1/suggestions", json={"idea": "ok"}, headers={"X-API-Key": "k1"}).status_code
            == 200
        )
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    client.post("/v1/suggestions", json={"idea": "ok", "n": 2})
    metrics = client.get("/metrics").text
    assert 'prefloop_suggestions_served_total{model_version="base"}' in metrics
    assert "prefloop_request_duration_seconds" in metrics


def test_a_client_over_its_rate_limit_gets_429(tmp_path: Path, publisher: FakePublisher) -> None:
    keys = ["k1", "k2"]
    with _client(tmp_path, FakeEngine(), publisher, rate_limit_per_minute=2, api_keys=keys) as client:

        def post(key: str) -> int:
            response = client.post("/v1/suggestions", json={"idea": "ok", "n": 1}, headers={"X-API-Key": key})
            return response.status_code

        assert [post("k1") for _ in range(3)] == [200, 200, 429]
        limited = client.post("/v1/suggestions", json={"idea": "ok", "n": 1}, headers={"X-API-Key": "k1"})
        assert limited.json()["error"] == "rate_limited"
        assert post("k2") == 200  # limits are per valid key
        # made-up keys count by client address: rotating them does not escape the limit
        assert [post(f"made-up-{i}") for i in range(3)] == [403, 403, 429]
        assert client.get("/healthz").status_code == 200  # probes are not metered


def test_keys_only_count_in_x_api_key_or_as_a_bearer_token(tmp_path: Path, publisher: FakePublisher) -> None:
    with _client(tmp_path, FakeEngine(), publisher, api_keys=["k1"]) as client:

        def post(headers: dict[str, str]) -> int:
            return client.post("/v1/suggestions", json={"idea": "ok", "n": 1}, headers=headers).status_code

        assert post({"Authorization": "k1"}) == 401
        assert post({"Authorization": "Basic k1"}) == 401
        assert post({"Authorization": "Bearer k1"}) == 200
        assert post({"Authorization": "bearer k1"}) == 200


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b'{"idea": "cats"}', {"content-type": "text/plain"}, 415),
        (b'{"idea": "cats"}', {}, 415),
        (b"[" * 30_000, {"content-type": "application/json"}, 400),
        (b'{"idea": "cats"}', {"content-type": "application/json; charset=utf-8"}, 200),
    ],
)
def test_bodies_must_be_json_by_their_content_type(
    client: TestClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    response = client.post("/v1/suggestions", content=content, headers=headers)
    assert response.status_code == status
    if status == 415:
        assert response.json()["detail"].startswith("send the body as application/json")


def test_a_body_over_the_limit_is_refused_even_where_no_body_is_read(client: TestClient) -> None:
    response = client.request("GET", "/v1/models", content=b"x" * 100_000)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_answers_that_are_not_titles_are_never_served_and_counted_by_reason(
    tmp_path: Path, publisher: FakePublisher
) -> None:
    outputs = [
        "A single line, no quotes, no explanation.",
        "[Original Title]",
        "How the heart pumps blood. How the heart pumps blood.",
        "How the Heart Pumps Blood, Explained",  # the idea handed back
        "Your Heart, the Tireless Pump",
        "Inside a Beating Heart",
    ]
    before = REGISTRY.get_sample_value("prefloop_titles_dropped_total", {"reason": "prompt echo"}) or 0.0
    with _client(tmp_path, FakeEngine(outputs=outputs), publisher) as client:
        response = client.post("/v1/suggestions", json={"idea": "how the heart pumps blood", "n": 2})
    assert sorted(s["text"] for s in response.json()["suggestions"]) == [
        "Inside a Beating Heart",
        "Your Heart, the Tireless Pump",
    ]
    after = REGISTRY.get_sample_value("prefloop_titles_dropped_total", {"reason": "prompt echo"})
    assert after is not None
    assert after > before
