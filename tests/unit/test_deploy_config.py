"""Static checks of deploy/: what can be verified without a Docker engine."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prefloop.console.settings import ConsoleSettings
from prefloop.feedback.settings import FeedbackSettings
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.settings import PrefloopSettings
from prefloop.simulator.settings import SimulatorSettings
from prefloop.trainer.settings import TrainerSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SETTINGS: dict[str, type[PrefloopSettings]] = {
    "PREFLOOP_INFERENCE_": InferenceSettings,
    "PREFLOOP_FEEDBACK_": FeedbackSettings,
    "PREFLOOP_TRAINER_": TrainerSettings,
    "PREFLOOP_SIMULATOR_": SimulatorSettings,
    "PREFLOOP_CONSOLE_": ConsoleSettings,
}


def known_variable(name: str) -> bool:
    shared = {
        alias.choices[0]
        for field in PrefloopSettings.model_fields.values()
        if (alias := field.validation_alias) is not None and hasattr(alias, "choices")
    }
    if name in shared:
        return True
    for prefix, settings in SETTINGS.items():
        if name.startswith(prefix):
            field = name.removeprefix(prefix).lower().split("__")[0]
            return field in settings.model_fields
    return False


def compose() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed: `make setup` installs it"
    return found


def test_compose_file_follows_the_compose_specification() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def service_environments() -> dict[str, dict[str, str]]:
    services = compose()["services"]
    assert isinstance(services, dict)
    return {name: dict(spec.get("environment", {})) for name, spec in services.items()}


def test_every_prefloop_variable_in_compose_and_k8s_is_a_setting() -> None:
    names = {n for env in service_environments().values() for n in env if n.startswith("PREFLOOP_")}
    k8s = (ROOT / "deploy/k8s/base/kustomization.yaml").read_text()
    names |= set(re.findall(r"(PREFLOOP_[A-Z_]+)=", k8s))
    unknown = sorted(n for n in names if not known_variable(n))
    assert names
    assert unknown == [], f"variables no settings class reads: {unknown}"


@pytest.mark.parametrize("service", ["feedback", "trainer", "inference", "inference-gpu"])
def test_services_get_what_they_require(service: str) -> None:
    env = service_environments()[service]
    assert env["PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"]
    assert env["PREFLOOP_ADMIN_TOKEN"].startswith("${PREFLOOP_ADMIN_TOKEN:?")  # a missing secret fails loudly
    if service in ("feedback", "trainer"):
        assert "${POSTGRES_PASSWORD:?" in env["PREFLOOP_DATABASE_URL"]


def test_services_wait_for_healthy_dependencies() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    for name in ("inference", "feedback", "trainer"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["kafka"]["condition"] == "service_healthy"
    for name in ("postgres", "kafka", "prometheus"):
        assert "healthcheck" in services[name], name


@pytest.mark.parametrize(
    "dockerfile", sorted((ROOT / "deploy/docker").glob("*.Dockerfile")), ids=lambda p: p.name
)
def test_dockerfiles_copy_files_that_exist_and_run_unprivileged(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    for line in re.findall(r"^COPY (?!--from=)(.+)$", text, flags=re.MULTILINE):  # not from a build stage
        *sources, _target = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"{dockerfile.name} copies {source}, which does not exist"
    assert re.search(r"^USER prefloop$", text, flags=re.MULTILINE)
    assert "HEALTHCHECK" in text


def test_images_named_in_compose_have_their_dockerfile() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    for spec in services.values():
        if "build" in spec:
            assert (ROOT / spec["build"]["dockerfile"]).exists()


def test_prometheus_config_and_rules_are_valid() -> None:
    promtool = tool("promtool")
    for args in (["check", "config"], ["check", "rules"]):
        target = "prometheus.yml" if args[1] == "config" else "rules.yml"
        result = subprocess.run(
            [promtool, *args, str(ROOT / "deploy/prometheus" / target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_dashboard_parses_and_provisioning_points_at_it() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/prefloop.json").read_text())
    assert dashboard["uid"] == "prefloop"
    assert all(panel["targets"] for panel in dashboard["panels"])
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/prefloop.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_kustomize_base_builds() -> None:
    result = subprocess.run(
        [tool("kubectl"), "kustomize", str(ROOT / "deploy/k8s/base")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    kinds = [doc["kind"] for doc in yaml.safe_load_all(result.stdout)]
    assert kinds.count("Deployment") == 3
    assert "PersistentVolumeClaim" in kinds
