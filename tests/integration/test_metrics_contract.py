"""Every metric the Grafana dashboard and the alert rules query is one the
running services export."""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from pathlib import Path

import yaml
from litestar.testing import TestClient

from prefloop.feedback.app import create_app as feedback_app
from prefloop.feedback.settings import FeedbackSettings
from prefloop.inference.app import create_app as inference_app
from prefloop.inference.settings import InferenceSettings
from prefloop.trainer.app import create_app as trainer_app
from prefloop.trainer.settings import TrainerSettings

ROOT = Path(__file__).resolve().parents[2]
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "info": ("_info",),
    "gauge": (),
    "summary": ("_count", "_sum"),
}


def exported_names(exposition: str) -> set[str]:
    names = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", exposition, flags=re.MULTILINE):
        names.add(name)
        names.update(name + suffix for suffix in _SUFFIXES.get(kind, ()))
    return names


def queried_names() -> set[str]:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/prefloop.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [a["expr"] for a in dashboard["annotations"]["list"]]
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules.yml").read_text())
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    return {name for expr in exprs for name in re.findall(r"\bprefloop_[a-z_]+", expr)}


def test_dashboard_and_alerts_query_only_exported_metrics(
    database_url: str, bootstrap: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    apps = [
        feedback_app(FeedbackSettings(database_url=database_url, kafka_bootstrap_servers=bootstrap)),
        trainer_app(
            TrainerSettings(
                database_url=database_url, kafka_bootstrap_servers=bootstrap, adapter_store=tmp_path
            )
        ),
        inference_app(
            InferenceSettings(
                kafka_bootstrap_servers=bootstrap,
                adapter_store=tmp_path,
                base_model=str(tiny_model_dir),
                max_new_tokens=4,
                attempts=1,
            )
        ),
    ]
    exported: set[str] = set()
    with ExitStack() as stack:
        clients = [stack.enter_context(TestClient(app)) for app in apps]
        clients[2].post("/v1/suggestions", json={"idea": "a request so latency metrics exist", "n": 1})
        for client in clients:
            exported |= exported_names(client.get("/metrics").text)
    missing = sorted(queried_names() - exported)
    assert queried_names()
    assert missing == [], f"queried but not exported: {missing}"
