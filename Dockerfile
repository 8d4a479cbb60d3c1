# Qingwang gateway: API (`qingwang serve`) and workers (`qingwang worker`) from one image.
# Installs from uv.lock, the same lock scripts/demo and scripts/test install from.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    QINGWANG_DATA_DIR=/var/lib/qingwang \
    UV_PROJECT_ENVIRONMENT=/opt/qingwang UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy UV_NO_CACHE=1

# Chinese fonts for the PDF reports; libgl/glib for OpenCV's headless build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libglib2.0-0 libgomp1 \
 && rm -rf /var/lib/apt/lists/*

# The pinned uv the scripts use, every hash checked.
COPY scripts/uv-requirements.txt /tmp/uv-requirements.txt
RUN pip install --require-hashes --only-binary :all: -r /tmp/uv-requirements.txt

WORKDIR /app
# The locked dependencies first (no extras: neither the test tools nor paddle), so that a code
# change reuses this layer; --frozen installs the lock as committed and never re-resolves.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3
COPY gateway ./gateway
COPY verifiers ./verifiers
COPY workers ./workers
RUN uv sync --frozen --no-dev --no-editable
ENV PATH=/opt/qingwang/bin:$PATH

RUN useradd --system --uid 10001 --home-dir /var/lib/qingwang --create-home qingwang
USER qingwang
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["qingwang", "serve", "--host", "0.0.0.0", "--port", "8000"]
