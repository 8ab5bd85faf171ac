# syntax=docker/dockerfile:1
# ScalpLab image: the SPA is built in a Node stage, the Python app installed in a
# builder stage, and both copied into a slim runtime that runs as a non-root user.

FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY src/ src/
# Editable: the app finds web/dist and data/samples beside src/ under /app.
RUN pip install -e .

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8000
RUN groupadd --system scalplab && useradd --system --gid scalplab --home-dir /app scalplab \
    && mkdir -p /data && chown scalplab:scalplab /data
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
COPY --from=web /web/dist /app/web/dist
COPY data/samples/ /app/data/samples/
USER scalplab
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/status/health', timeout=4)"
CMD ["scalplab", "serve"]
