# syntax=docker/dockerfile:1
# Build from the repository root: docker build -f deploy/docker/console.Dockerfile .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 prefloop
# Dependencies first, in their own layer: a code change does not reinstall them.
# The simulator distribution ships the default queue of ideas to label.
COPY requirements/constraints.txt deploy/docker/deps.py build/
COPY shared/pyproject.toml build/shared/
COPY services/simulator/pyproject.toml build/simulator/
COPY services/console/pyproject.toml build/console/
RUN python build/deps.py build/shared/pyproject.toml build/simulator/pyproject.toml build/console/pyproject.toml \
      > build/requirements.txt \
 && pip install -c build/constraints.txt -r build/requirements.txt
COPY shared shared
COPY services/simulator services/simulator
COPY services/console services/console
RUN pip install --no-deps ./shared ./services/simulator ./services/console
USER prefloop
ENV PREFLOOP_CONSOLE_HOST=0.0.0.0
EXPOSE 8004
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8004/healthz', timeout=2)"
CMD ["python", "-m", "prefloop.console"]
