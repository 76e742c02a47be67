"""The local stack refuses ports that something already listens on."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from prefloop.shared.embedded import LocalStack, ServiceSpec
from prefloop.shared.embedded.broker import free_port


def test_a_stack_refuses_to_start_where_another_one_listens(tmp_path: Path) -> None:
    free, taken = free_port(), socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        stack = LocalStack(
            tmp_path,
            services=[
                ServiceSpec("inference", "prefloop.inference", free),
                ServiceSpec("trainer", "x", port),
            ],
        )
        with pytest.raises(RuntimeError, match=f"trainer on {port}") as refused:
            stack.start()
        assert "inference" not in str(refused.value)
        assert not (tmp_path / "logs").exists(), "nothing was started"
    finally:
        taken.close()
