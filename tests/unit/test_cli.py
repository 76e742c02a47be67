"""The `prefloop` CLI speaks the trainer's ops API (HTTP faked here)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from prefloop.trainer import cli


class FakeTrainer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []

    def __call__(
        self,
        method: str,
        url: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 0,
    ) -> httpx.Response:
        self.calls.append((method, url, headers or {}, json))
        if url.endswith("/v1/adapters"):
            return httpx.Response(
                200,
                json=[{"version": "v0002-x", "status": "active", "parent": "v0001-x", "reason": "round 2"}],
            )
        if url.endswith("/rollback"):
            if (headers or {}).get("X-Admin-Token") != "tok":
                return httpx.Response(401, json={"error": "unauthorized", "detail": "missing admin token"})
            return httpx.Response(200, json={"rolled_back": "v0002-x", "active": "v0001-x"})
        return httpx.Response(200, json={"ok": True})


@pytest.fixture
def trainer(monkeypatch: pytest.MonkeyPatch) -> FakeTrainer:
    fake = FakeTrainer()
    monkeypatch.setattr(httpx, "request", fake)
    return fake


def test_list_shows_versions_and_status(trainer: FakeTrainer) -> None:
    result = CliRunner().invoke(cli.app, ["adapters", "list", "--url", "http://t:1"])
    assert result.exit_code == 0
    assert "v0002-x" in result.output
    assert "active" in result.output
    assert trainer.calls[0][:2] == ("GET", "http://t:1/v1/adapters")


def test_rollback_sends_the_admin_token_from_the_environment(trainer: FakeTrainer) -> None:
    result = CliRunner().invoke(cli.app, ["adapters", "rollback"], env={"PREFLOOP_ADMIN_TOKEN": "tok"})
    assert result.exit_code == 0, result.output
    assert '"active": "v0001-x"' in result.output
    method, url, headers, body = trainer.calls[0]
    assert (method, url) == ("POST", "http://127.0.0.1:8003/v1/adapters/rollback")
    assert headers == {"X-Admin-Token": "tok"}
    assert body == {"reason": "operator rollback"}


def test_api_errors_exit_non_zero_with_the_detail(trainer: FakeTrainer) -> None:
    result = CliRunner().invoke(cli.app, ["adapters", "rollback"], env={"PREFLOOP_ADMIN_TOKEN": ""})
    assert result.exit_code == 1
    assert "error 401: missing admin token" in result.output


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (["train", "now"], "/v1/training/runs"),
        (["train", "pause"], "/v1/training/pause"),
        (["train", "resume"], "/v1/training/resume"),
        (["adapters", "activate", "v0001-x"], "/v1/adapters/v0001-x/activate"),
    ],
)
def test_commands_map_to_endpoints(trainer: FakeTrainer, args: list[str], path: str) -> None:
    result = CliRunner().invoke(cli.app, [*args, "--admin-token", "tok"])
    assert result.exit_code == 0, result.output
    assert trainer.calls[0][1] == "http://127.0.0.1:8003" + path
