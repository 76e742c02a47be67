"""The adapter store refuses anything it cannot vouch for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prefloop.shared.adapters import AdapterRefused, AdapterStore
from tests.conftest import make_lora_adapter

BASE = "tiny"


@pytest.fixture(scope="module")
def saved_adapter(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    return make_lora_adapter(tiny_model_dir, tmp_path_factory.mktemp("lora"))


@pytest.fixture
def store(tmp_path: Path) -> AdapterStore:
    return AdapterStore(tmp_path / "store")


def test_written_version_validates(store: AdapterStore, saved_adapter: Path) -> None:
    manifest = store.write("v1", saved_adapter, parent=None, base_model=BASE, metrics={"x": 1})
    assert set(manifest.files) == {"adapter_config.json", "adapter_model.safetensors"}
    assert store.validate("v1", BASE, max_rank=8) == store.root / "v1"
    assert store.versions() == ["v1"]


def test_versions_are_immutable(store: AdapterStore, saved_adapter: Path) -> None:
    store.write("v1", saved_adapter, parent=None, base_model=BASE)
    with pytest.raises(AdapterRefused, match="immutable"):
        store.write("v1", saved_adapter, parent=None, base_model=BASE)


def test_tampered_weights_are_refused(store: AdapterStore, saved_adapter: Path) -> None:
    store.write("v1", saved_adapter, parent=None, base_model=BASE)
    with (store.root / "v1" / "adapter_model.safetensors").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(AdapterRefused, match="sha256"):
        store.validate("v1", BASE, max_rank=8)


def test_other_base_model_is_refused(store: AdapterStore, saved_adapter: Path) -> None:
    store.write("v1", saved_adapter, parent=None, base_model="other-model")
    with pytest.raises(AdapterRefused, match="trained on 'other-model'"):
        store.validate("v1", BASE, max_rank=8)


def test_rank_above_the_limit_is_refused(store: AdapterStore, saved_adapter: Path) -> None:
    store.write("v1", saved_adapter, parent=None, base_model=BASE)
    with pytest.raises(AdapterRefused, match="rank 4, the limit is 2"):
        store.validate("v1", BASE, max_rank=2)


def test_unexpected_files_are_refused(store: AdapterStore, saved_adapter: Path) -> None:
    store.write("v1", saved_adapter, parent=None, base_model=BASE)
    (store.root / "v1" / "adapter_model.bin").write_bytes(b"pickle")
    with pytest.raises(AdapterRefused, match="unexpected files"):
        store.validate("v1", BASE, max_rank=8)


def test_a_file_the_manifest_does_not_list_is_refused(store: AdapterStore, saved_adapter: Path) -> None:
    store.write("v1", saved_adapter, parent=None, base_model=BASE)
    manifest_path = store.root / "v1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["files"]["adapter_model.safetensors"]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(AdapterRefused, match=r"does not list \['adapter_model.safetensors'\]"):
        store.validate("v1", BASE, max_rank=8)


def test_non_lora_adapters_are_refused(store: AdapterStore, saved_adapter: Path, tmp_path: Path) -> None:
    other = tmp_path / "ia3"
    other.mkdir()
    (other / "adapter_model.safetensors").write_bytes(
        (saved_adapter / "adapter_model.safetensors").read_bytes()
    )
    config = json.loads((saved_adapter / "adapter_config.json").read_text())
    (other / "adapter_config.json").write_text(json.dumps({**config, "peft_type": "IA3"}))
    store.write("v1", other, parent=None, base_model=BASE)
    with pytest.raises(AdapterRefused, match="expected LORA"):
        store.validate("v1", BASE, max_rank=8)


@pytest.mark.parametrize("version", ["../escape", "base", "", "a/b", ".hidden"])
def test_version_names_cannot_leave_the_store(store: AdapterStore, version: str) -> None:
    with pytest.raises(AdapterRefused):
        store.path_of(version)


def test_missing_version_is_refused(store: AdapterStore) -> None:
    with pytest.raises(AdapterRefused, match="no manifest"):
        store.validate("v9", BASE, max_rank=8)
