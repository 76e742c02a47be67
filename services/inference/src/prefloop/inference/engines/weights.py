"""How the transformers engine holds the served versions' weights.

Two layouts, one interface: `calls(versions)` says which model generates which
rows of a batch.

- `SharedBaseAdapters`: one model, each adapter a set of PEFT LoRA layers on
  it; a whole batch is one generate call, each row naming its adapter. Used on
  GPU and for fp32 on CPU.
- `MergedInt8Versions`: each version its own model, the adapter merged into a
  copy of the fp32 base, then bf16 activations and int8 weights (`int8.py`).
  About 2.8x faster than fp32 on CPU for one sequence, but PEFT cannot put
  LoRA layers on those Linears, so a batch that mixes versions runs as one
  generate call per version.

Every method runs on the engine's single model thread.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from prefloop.inference.engines.base import BASE_VERSION
from prefloop.inference.engines.int8 import Int8WeightLinear, quantize_int8

PEFT_BASE = "__base__"  # PEFT's adapter name for "no adapter" in mixed batches


@dataclass(frozen=True)
class GenerateCall:
    model: Any
    rows: list[int]  # positions in the batch this call generates
    kwargs: dict[str, Any]  # extra generate arguments


class ServedWeights(Protocol):
    def has(self, version: str) -> bool: ...

    def load(self, version: str, path: Path) -> None: ...

    def unload(self, version: str) -> None: ...

    def calls(self, versions: list[str]) -> list[GenerateCall]: ...


class SharedBaseAdapters:
    def __init__(self, model: Any) -> None:
        self.model = model
        self._adapters: set[str] = set()

    def has(self, version: str) -> bool:
        return version == BASE_VERSION or version in self._adapters

    def load(self, version: str, path: Path) -> None:
        from peft import PeftModel

        if version in self._adapters:
            return
        if not self._adapters and not isinstance(self.model, PeftModel):
            self.model = PeftModel.from_pretrained(self.model, str(path), adapter_name=version)
        else:
            self.model.load_adapter(str(path), adapter_name=version)
        self.model.eval()
        self._adapters.add(version)

    def unload(self, version: str) -> None:
        if version in self._adapters and len(self._adapters) > 1:
            self.model.delete_adapter(version)
            self._adapters.discard(version)
        # The last adapter stays in memory: PEFT cannot delete a model's only
        # adapter, and base rows are served with adapters bypassed anyway.

    def calls(self, versions: list[str]) -> list[GenerateCall]:
        kwargs: dict[str, Any] = {}
        if self._adapters:  # the model is a PeftModel: name the adapter of every row
            kwargs["adapter_names"] = [PEFT_BASE if v == BASE_VERSION else v for v in versions]
        return [GenerateCall(self.model, list(range(len(versions))), kwargs)]


class MergedInt8Versions:
    def __init__(self, base: Any) -> None:
        self._base = base  # fp32, kept unquantized so adapters can be merged into copies of it
        self._models: dict[str, Any] = {BASE_VERSION: quantize_int8(copy.deepcopy(base))}

    def has(self, version: str) -> bool:
        return version in self._models

    def load(self, version: str, path: Path) -> None:
        """Merge the adapter into an fp32 copy of base and quantize only the layers
        it changed; the version shares every other tensor (embeddings, norms,
        untouched layers) with the base model, so it costs little memory."""
        from peft import PeftModel
        from peft.tuners.lora import LoraLayer

        if version in self._models:
            return
        tuned = PeftModel.from_pretrained(copy.deepcopy(self._base), str(path))
        changed = [n for n, m in tuned.base_model.model.named_modules() if isinstance(m, LoraLayer)]
        merged = tuned.merge_and_unload()
        base = self._models[BASE_VERSION]
        shared = {id(t): t for t in (*base.parameters(), *base.buffers())}
        model = copy.deepcopy(base, memo=shared)  # its own module tree over base's tensors
        for name in changed:
            parent, _, attribute = name.rpartition(".")
            setattr(model.get_submodule(parent), attribute, Int8WeightLinear(merged.get_submodule(name)))
        self._models[version] = model.eval()

    def unload(self, version: str) -> None:
        if version != BASE_VERSION:
            self._models.pop(version, None)

    def calls(self, versions: list[str]) -> list[GenerateCall]:
        rows_by_version: dict[str, list[int]] = {}
        for row, version in enumerate(versions):
            rows_by_version.setdefault(version, []).append(row)
        return [GenerateCall(self._models[v], rows, {}) for v, rows in rows_by_version.items()]
