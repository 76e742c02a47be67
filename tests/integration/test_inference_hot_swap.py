"""The inference service follows adapter events from the real broker: it
activates valid versions, refuses bad ones (and says so), and comes back on the
active version after a restart. The engine is the real transformers engine on
a tiny random model, so adapters really load."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from prefloop.inference.app import create_app
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.adapters import AdapterStore
from prefloop.shared.events import ADAPTERS, AdapterEvent, AdapterEventType
from prefloop.shared.kafka import KafkaEventPublisher
from tests.conftest import make_lora_adapter
from tests.integration.conftest import eventually, read_topic


@pytest.fixture
def store(tmp_path: Path, tiny_model_dir: Path) -> AdapterStore:
    store = AdapterStore(tmp_path / "store")
    adapter = make_lora_adapter(tiny_model_dir, tmp_path / "lora")
    for version in ("v1", "v2", "broken"):
        store.write(version, adapter, parent=None, base_model=str(tiny_model_dir))
    with (store.root / "broken" / "adapter_model.safetensors").open("ab") as fh:
        fh.write(b"tampered")
    return store


@pytest.fixture
def settings(bootstrap: str, store: AdapterStore, tiny_model_dir: Path) -> InferenceSettings:
    return InferenceSettings(
        kafka_bootstrap_servers=bootstrap,
        adapter_store=store.root,
        base_model=str(tiny_model_dir),
        max_new_tokens=8,
        attempts=1,
    )


def activate(publisher: KafkaEventPublisher, version: str, base_model: str) -> None:
    event = AdapterEvent(
        AdapterEventType.ACTIVATED, version, base_model, path=version, at_ms=int(time.time() * 1000)
    )
    publisher.publish(ADAPTERS.name, version, event)


@pytest.fixture
def client(settings: InferenceSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        eventually(lambda: test_client.get("/readyz").status_code == 200, what="inference to be ready")
        yield test_client


def active(client: TestClient) -> str:
    return str(client.get("/v1/models").json()["active_version"])


def test_activation_events_switch_versions_and_bad_adapters_are_refused(
    client: TestClient, publisher: KafkaEventPublisher, settings: InferenceSettings, bootstrap: str
) -> None:
    activate(publisher, "v1", settings.base_model)
    eventually(lambda: active(client) == "v1", what="v1 to become active")
    refused_before = REGISTRY.get_sample_value("prefloop_adapters_refused_total") or 0.0
    activate(publisher, "broken", settings.base_model)
    rejected = eventually(
        lambda: [e for e in read_topic(bootstrap, ADAPTERS.name) if e.type == AdapterEventType.REJECTED],
        what="a rejected event",
    )
    assert rejected[0].version == "broken"
    assert "sha256" in rejected[0].reason
    assert active(client) == "v1"
    assert REGISTRY.get_sample_value("prefloop_adapters_refused_total") == refused_before + 1
    activate(publisher, "v2", settings.base_model)
    eventually(lambda: active(client) == "v2", what="v2 to become active")
    assert client.get("/v1/models").json()["loaded_versions"] == ["v2"]


def test_a_restarted_service_serves_the_active_version(
    settings: InferenceSettings, publisher: KafkaEventPublisher
) -> None:
    activate(publisher, "v1", settings.base_model)
    activate(publisher, "v2", settings.base_model)
    with TestClient(create_app(settings)) as client:
        eventually(lambda: client.get("/readyz").status_code == 200, what="readiness after replay")
        assert active(client) == "v2"
        assert client.get("/v1/models").json()["loaded_versions"] == ["v2"]
