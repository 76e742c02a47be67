# syntax=docker/dockerfile:1
# Build from the repository root: docker build -f deploy/docker/simulator.Dockerfile .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 prefloop
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements/constraints.txt deploy/docker/deps.py build/
COPY shared/pyproject.toml build/shared/
COPY services/simulator/pyproject.toml build/simulator/
RUN python build/deps.py build/shared/pyproject.toml build/simulator/pyproject.toml > build/requirements.txt \
 && pip install -c build/constraints.txt -r build/requirements.txt
COPY shared shared
COPY services/simulator services/simulator
RUN pip install --no-deps ./shared ./services/simulator
USER prefloop
# A traffic generator has no port: healthy while its process runs.
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import prefloop.simulator"
ENTRYPOINT ["python", "-m", "prefloop.simulator"]
CMD ["--minutes", "60"]
