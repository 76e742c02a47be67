# syntax=docker/dockerfile:1
# Build from the repository root: docker build -f deploy/docker/feedback.Dockerfile .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10001 prefloop
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements/constraints.txt deploy/docker/deps.py build/
COPY shared/pyproject.toml build/shared/
COPY services/feedback/pyproject.toml build/feedback/
RUN python build/deps.py build/shared/pyproject.toml build/feedback/pyproject.toml > build/requirements.txt \
 && pip install -c build/constraints.txt -r build/requirements.txt
COPY shared shared
COPY services/feedback services/feedback
RUN pip install --no-deps ./shared ./services/feedback
USER prefloop
ENV PREFLOOP_FEEDBACK_HOST=0.0.0.0
EXPOSE 8002
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8002/healthz', timeout=2)"
CMD ["python", "-m", "prefloop.feedback"]
