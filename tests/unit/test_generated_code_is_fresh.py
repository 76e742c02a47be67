"""The checked-in protobuf code must match proto/: regenerate and compare."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "shared/src/prefloop/shared/events"


def test_generated_event_code_matches_proto(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{ROOT / 'proto'}",
            f"--python_out={tmp_path}",
            f"--mypy_out={tmp_path}",
            str(ROOT / "proto/events.proto"),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    for name in ("events_pb2.py", "events_pb2.pyi"):
        fresh = (tmp_path / name).read_text()
        assert fresh == (GENERATED / name).read_text(), f"{name} is stale: run `make proto`"
