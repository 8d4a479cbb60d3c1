# Qingwang gateway: API (`qingwang serve`) and workers (`qingwang worker`) from one image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    QINGWANG_DATA_DIR=/var/lib/qingwang

# Chinese fonts for the PDF reports; libgl/glib for OpenCV's headless build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libglib2.0-0 libgomp1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY verifiers ./verifiers
COPY workers ./workers
RUN pip install .

RUN useradd --system --uid 10001 --home-dir /var/lib/qingwang --create-home qingwang
USER qingwang
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["qingwang", "serve", "--host", "0.0.0.0", "--port", "8000"]
