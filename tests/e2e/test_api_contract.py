"""Each service's OpenAPI document tells the truth: schemathesis generates
requests from it (bounded examples, API key and admin token set) against the
real services and model, and checks every answer: no 5xx, every status,
content type, header and body as documented, invalid input refused.

Left out: schemathesis' positive_data_acceptance, which expects every request
the schema admits to succeed; the APIs have rules no JSON Schema states
(accept needs a suggestion of the set, a version must be registered), and
those answers are documented 4xx."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from prefloop.shared.embedded import LocalStack
from prefloop.simulator.client import SUGGESTION_TIMEOUT_S
from tests.e2e.support import ADMIN, running_stack

pytestmark = pytest.mark.e2e

API_KEY = "contract-key"
EXAMPLES = 10


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {"PREFLOOP_API_KEYS": API_KEY}
    with running_stack(tmp_path_factory.mktemp("contract"), env) as local:
        yield local


@pytest.mark.parametrize("service", ["feedback", "trainer", "inference"])
def test_the_openapi_document_tells_the_truth(stack: LocalStack, service: str, tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{stack.url(service)}/schema/openapi.json",
        "--header",
        f"X-API-Key: {API_KEY}",
        "--header",
        f"X-Admin-Token: {ADMIN['X-Admin-Token']}",
        "--max-examples",
        str(EXAMPLES),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--exclude-checks",
        "positive_data_acceptance",
        "--seed",
        "1",
        "--request-timeout",
        str(SUGGESTION_TIMEOUT_S),  # as long as the service's clients wait
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=900, check=False)
    summary = re.search(r"(\d+) generated, .*", result.stdout)
    print(f"{service}: {summary.group(0) if summary else result.stdout[-2000:]}")
    assert result.returncode == 0, result.stdout[-6000:]
