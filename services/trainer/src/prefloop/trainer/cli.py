"""`prefloop`: the operator's command line over the trainer's ops API.

    prefloop adapters list | show VERSION | activate VERSION | rollback
    prefloop train now | pause | resume | runs

The URL and admin token come from --url / --admin-token or
PREFLOOP_TRAINER_URL / PREFLOOP_ADMIN_TOKEN.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer

app = typer.Typer(help="Operate prefloop: adapter versions and training rounds.", no_args_is_help=True)
adapters = typer.Typer(help="Adapter versions: list, inspect, activate, roll back.", no_args_is_help=True)
train = typer.Typer(help="Training rounds: start one now, pause, resume, list.", no_args_is_help=True)
app.add_typer(adapters, name="adapters")
app.add_typer(train, name="train")

Url = Annotated[str, typer.Option(envvar="PREFLOOP_TRAINER_URL", help="trainer base URL")]
Token = Annotated[str | None, typer.Option(envvar="PREFLOOP_ADMIN_TOKEN", help="admin token")]
Reason = Annotated[str, typer.Option(help="why, recorded with the change")]
DEFAULT_URL = "http://127.0.0.1:8003"


def _call(method: str, url: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"X-Admin-Token": token} if token else {}
    try:
        response = httpx.request(method, url.rstrip("/") + path, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach the trainer at {url}: {exc}", err=True)
        raise typer.Exit(2) from exc
    payload = response.json() if response.content else None
    if response.is_error:
        detail = payload.get("detail") if isinstance(payload, dict) else response.text
        typer.echo(f"error {response.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    return payload


def _print(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


@adapters.command("list")
def list_adapters(url: Url = DEFAULT_URL) -> None:
    """Every registered version, newest first."""
    for a in _call("GET", url, "/v1/adapters"):
        typer.echo(
            f"{a['version']:28s} {a['status']:12s} parent={a['parent'] or 'base'}  {a['reason'] or ''}"
        )


@adapters.command("show")
def show_adapter(version: str, url: Url = DEFAULT_URL) -> None:
    """One version with its manifest and metrics."""
    _print(_call("GET", url, f"/v1/adapters/{version}"))


@adapters.command("activate")
def activate(
    version: str, url: Url = DEFAULT_URL, admin_token: Token = None, reason: Reason = "operator"
) -> None:
    """Serve VERSION (or "base") from now on."""
    _print(_call("POST", url, f"/v1/adapters/{version}/activate", admin_token, {"reason": reason}))


@adapters.command("rollback")
def rollback(url: Url = DEFAULT_URL, admin_token: Token = None, reason: Reason = "operator rollback") -> None:
    """Return to the version that was active before the current one."""
    _print(_call("POST", url, "/v1/adapters/rollback", admin_token, {"reason": reason}))


@train.command("now")
def train_now(url: Url = DEFAULT_URL, admin_token: Token = None) -> None:
    """Start a round on the waiting pairs without waiting for the trigger."""
    _print(_call("POST", url, "/v1/training/runs", admin_token))


@train.command("pause")
def pause(url: Url = DEFAULT_URL, admin_token: Token = None) -> None:
    """Stop starting new rounds (a running one finishes)."""
    _print(_call("POST", url, "/v1/training/pause", admin_token))


@train.command("resume")
def resume(url: Url = DEFAULT_URL, admin_token: Token = None) -> None:
    """Start rounds again when they are due."""
    _print(_call("POST", url, "/v1/training/resume", admin_token))


@train.command("runs")
def runs(url: Url = DEFAULT_URL) -> None:
    """Recent rounds with their outcome and metrics."""
    for r in _call("GET", url, "/v1/training/runs"):
        accuracy = r["metrics"].get("eval_rewards/accuracies", "-")
        pairs = f"{r['train_pairs'] or 0}+{r['eval_pairs'] or 0}"
        typer.echo(
            f"#{r['id']:<4d} {r['status']:10s} {r['version'] or '-':28s} pairs {pairs}  reward acc {accuracy}"
        )


def main() -> None:
    app()
