"""One folder per adapter version, written under a temp name and renamed into
place, never changed afterwards. Loading validates everything it can before a
single tensor reaches the model.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
_ALLOWED_FILES = {"adapter_config.json", "adapter_model.safetensors", MANIFEST}
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AdapterRefused(Exception):
    """An adapter version that must not be loaded, with the reason."""


@dataclass(frozen=True)
class Manifest:
    version: str
    parent: str | None
    base_model: str
    files: dict[str, str]  # name -> sha256
    created_at_ms: int
    data_window: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        raw = json.loads((folder / MANIFEST).read_text())
        return cls(**raw)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_version_name(version: str) -> None:
    if version == "base" or not _VERSION_RE.match(version):
        raise AdapterRefused(f"invalid adapter version name {version!r}")


class AdapterStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, version: str) -> Path:
        check_version_name(version)
        path = (self.root / version).resolve()
        if path.parent != self.root:
            raise AdapterRefused(f"adapter {version!r} resolves outside the store {self.root}")
        return path

    def exists(self, version: str) -> bool:
        return (self.path_of(version) / MANIFEST).exists()

    def versions(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / MANIFEST).exists())

    def write(
        self,
        version: str,
        source: Path,
        *,
        parent: str | None,
        base_model: str,
        data_window: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        hyperparameters: dict[str, Any] | None = None,
    ) -> Manifest:
        """Copy a saved PEFT adapter from `source` into the store as `version`."""
        target = self.path_of(version)
        if target.exists():
            raise AdapterRefused(f"adapter version {version!r} already exists; versions are immutable")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".tmp-{version}-{time.time_ns()}"
        tmp.mkdir()
        try:
            files = {}
            for name in ("adapter_config.json", "adapter_model.safetensors"):
                shutil.copyfile(source / name, tmp / name)
                files[name] = _sha256(tmp / name)
            manifest = Manifest(
                version=version,
                parent=parent,
                base_model=base_model,
                files=files,
                created_at_ms=int(time.time() * 1000),
                data_window=data_window or {},
                metrics=metrics or {},
                hyperparameters=hyperparameters or {},
            )
            (tmp / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True))
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return manifest

    def validate(self, version: str, base_model: str, max_rank: int) -> Path:
        """Return the folder of a loadable version or raise AdapterRefused naming why."""
        folder = self.path_of(version)
        if not (folder / MANIFEST).is_file():
            raise AdapterRefused(f"adapter {version!r} has no manifest in {self.root}")
        try:
            manifest = Manifest.read(folder)
        except (ValueError, TypeError) as exc:
            raise AdapterRefused(f"adapter {version!r} has an unreadable manifest: {exc}") from exc
        if manifest.version != version:
            raise AdapterRefused(f"manifest names version {manifest.version!r}, folder is {version!r}")
        if manifest.base_model != base_model:
            raise AdapterRefused(
                f"adapter {version!r} was trained on {manifest.base_model!r}, serving {base_model!r}"
            )
        present = {p.name for p in folder.iterdir()}
        unexpected = present - _ALLOWED_FILES
        if unexpected:
            raise AdapterRefused(f"adapter {version!r} holds unexpected files {sorted(unexpected)}")
        unlisted = present - set(manifest.files) - {MANIFEST}
        if unlisted:
            # A file the manifest does not vouch for would load unchecked.
            raise AdapterRefused(f"adapter {version!r}: the manifest does not list {sorted(unlisted)}")
        for name, digest in manifest.files.items():
            if name not in _ALLOWED_FILES or not (folder / name).is_file():
                raise AdapterRefused(f"adapter {version!r} lacks {name}")
            if _sha256(folder / name) != digest:
                raise AdapterRefused(f"adapter {version!r}: sha256 of {name} does not match its manifest")
        _check_lora_config(version, folder / "adapter_config.json", max_rank)
        return folder


def _check_lora_config(version: str, path: Path, max_rank: int) -> None:
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise AdapterRefused(f"adapter {version!r} has no readable adapter_config.json") from exc
    if config.get("peft_type") != "LORA":
        raise AdapterRefused(f"adapter {version!r} is {config.get('peft_type')!r}, expected LORA")
    rank = int(config.get("r", 0))
    if not 0 < rank <= max_rank:
        raise AdapterRefused(f"adapter {version!r} has rank {rank}, the limit is {max_rank}")
