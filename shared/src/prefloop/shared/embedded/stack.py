"""The local stack: embedded Postgres and broker (unless configured elsewhere),
topics, and the services as processes, each waited for on /readyz.

Used by `make up` / `make demo` and by the end-to-end tests.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from prefloop.shared.embedded.broker import EmbeddedBroker, listening
from prefloop.shared.embedded.postgres import start_postgres
from prefloop.shared.kafka import ensure_topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def default_services(base_port: int = 8001) -> list[ServiceSpec]:
    return [
        ServiceSpec("inference", "prefloop.inference", base_port),
        ServiceSpec("feedback", "prefloop.feedback", base_port + 1),
        ServiceSpec("trainer", "prefloop.trainer", base_port + 2),
        ServiceSpec("console", "prefloop.console", base_port + 3),
    ]


class LocalStack:
    def __init__(
        self,
        state_dir: Path,
        services: list[ServiceSpec] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.services = services or default_services()
        self._extra_env = env or {}
        self._broker: EmbeddedBroker | None = None
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env: dict[str, str] = {}

    def url(self, name: str) -> str:
        return next(s.url for s in self.services if s.name == name)

    def start_infrastructure(self) -> dict[str, str]:
        env = {**os.environ, **self._extra_env}
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        if not env.get("PREFLOOP_DATABASE_URL"):
            env["PREFLOOP_DATABASE_URL"] = start_postgres(self.state_dir / "pgdata")
            log.info("embedded Postgres at %s", env["PREFLOOP_DATABASE_URL"])
        if not env.get("PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"):
            self._broker = EmbeddedBroker(log_path=self.state_dir / "logs" / "broker.log")
            env["PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"] = self._broker.start()
            log.info("embedded broker at %s", env["PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"])
        ensure_topics(env["PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"])
        if not env.get("PREFLOOP_ADAPTER_STORE"):
            env["PREFLOOP_ADAPTER_STORE"] = str(self.state_dir / "adapters")
        env.setdefault("PREFLOOP_MODEL_CACHE", str(Path(".prefloop/models").resolve()))
        # Inference and trainer share this machine: split the cores between
        # them instead of letting both oversubscribe every core.
        share = str(max(1, (os.cpu_count() or 2) // 2))
        env.setdefault("PREFLOOP_INFERENCE_TORCH_THREADS", share)
        env.setdefault("PREFLOOP_TRAINER_TORCH_THREADS", share)
        self.env = env
        return env

    def start_services(self, timeout_s: float = 300.0) -> None:
        for spec in self.services:
            self._spawn(spec)
        for spec in self.services:
            self._wait_ready(spec, timeout_s)

    def _spawn(self, spec: ServiceSpec) -> None:
        prefix = f"PREFLOOP_{spec.name.upper()}_"
        # The console is a client of the other services' APIs, and the trainer
        # of the feedback (canary win rates) and inference (served sets) ones,
        # wherever they listen.
        clients = {f"PREFLOOP_CONSOLE_{s.name.upper()}_URL": s.url for s in self.services}
        clients |= {
            f"PREFLOOP_TRAINER_{s.name.upper()}_URL": s.url
            for s in self.services
            if s.name in ("feedback", "inference")
        }
        env = {**clients, **self.env, f"{prefix}PORT": str(spec.port)}
        log_file = open(self.state_dir / "logs" / f"{spec.name}.log", "ab")  # noqa: SIM115
        self._processes[spec.name] = subprocess.Popen(
            [sys.executable, "-m", spec.module],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the runner, which stops services in order
        )

    def kill(self, name: str) -> None:
        """SIGKILL one service: no shutdown hooks run, as in a crash."""
        process = self._processes[name]
        process.kill()
        process.wait(10)

    def restart(self, name: str, timeout_s: float = 300.0) -> None:
        spec = next(s for s in self.services if s.name == name)
        self._spawn(spec)
        self._wait_ready(spec, timeout_s)

    def stop_broker(self) -> None:
        if self._broker is None:
            raise RuntimeError("the broker is not embedded here")
        self._broker.stop()

    def start_broker(self) -> None:
        """Start the embedded broker again on its port. It kept nothing (memory
        storage): the topics are created again."""
        if self._broker is None:
            raise RuntimeError("the broker is not embedded here")
        self._broker.start()
        ensure_topics(self._broker.bootstrap_servers)

    def _wait_ready(self, spec: ServiceSpec, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        process = self._processes[spec.name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{spec.name} exited with code {process.returncode}; "
                    f"see {self.state_dir / 'logs' / (spec.name + '.log')}"
                )
            try:
                if httpx.get(f"{spec.url}/readyz", timeout=2).status_code == 200:
                    log.info("%s ready at %s", spec.name, spec.url)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{spec.name} was not ready within {timeout_s:.0f} s")

    def start(self) -> None:
        self.check_ports_free()
        self.start_infrastructure()
        self.start_services()

    def check_ports_free(self) -> None:
        """Refuse to start on ports something already listens on: another
        stack there would answer our readiness checks and be taken for ours."""
        taken = [f"{s.name} on {s.port}" for s in self.services if listening(s.port)]
        if taken:
            raise RuntimeError(
                f"ports already in use ({', '.join(taken)}): is another prefloop stack running? Stop it first"
            )

    def stop(self) -> None:
        """Services first (each drains and closes its consumers and producer),
        then the broker; embedded Postgres stops when this process exits."""
        for process in self._processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in self._processes.items():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", name)
                process.kill()
        self._processes.clear()
        if self._broker:
            self._broker.stop()
