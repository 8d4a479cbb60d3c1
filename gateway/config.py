"""Settings, read once from the environment and coerced (the warehouse habit).

Every setting has an embedded default so that ``qingwang serve`` and ``qingwang demo``
run with nothing configured: a SQLite file and local files under ``QINGWANG_DATA_DIR``,
and an in-process job queue.
"""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

log = logging.getLogger(__name__)


#: Keys published in examples and tutorials (compose.yaml once shipped the first).
KNOWN_SECRET_KEYS = frozenset({"change-me-in-production", "change-me", "changeme", "secret", "secret-key",
                               "your-secret-key", "dev", "development", "test", "qingwang"})
MIN_SECRET_KEY_LENGTH = 32


def _env(name: str, default=None, cast=str):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if cast is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return cast(raw)


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env("QINGWANG_DATA_DIR", "qingwang-data")).resolve())
    database_url: str | None = field(default_factory=lambda: _env("DATABASE_URL"))
    redis_url: str | None = field(default_factory=lambda: _env("REDIS_URL"))
    storage_url: str | None = field(default_factory=lambda: _env("STORAGE_URL"))
    #: Endpoint for S3-compatible services (MinIO, Aliyun OSS, Tencent COS); None means AWS.
    s3_endpoint_url: str | None = field(default_factory=lambda: _env("S3_ENDPOINT_URL"))
    s3_region: str | None = field(default_factory=lambda: _env("S3_REGION"))
    secret_key: str | None = field(default_factory=lambda: _env("SECRET_KEY"))
    max_upload_bytes: int = field(default_factory=lambda: _env("MAX_UPLOAD_BYTES", 20 * 1024 * 1024, int))
    #: Bytes a request body other than a file upload may have (JSON); larger answers 413.
    max_json_bytes: int = field(default_factory=lambda: _env("MAX_JSON_BYTES", 1024 * 1024, int))
    max_pdf_pages: int = field(default_factory=lambda: _env("MAX_PDF_PAGES", 20, int))
    max_image_pixels: int = field(default_factory=lambda: _env("MAX_IMAGE_PIXELS", 60_000_000, int))
    #: Pixels all the pages of one document may have together (decoded or rendered).
    max_document_pixels: int = field(default_factory=lambda: _env("MAX_DOCUMENT_PIXELS", 100_000_000, int))
    #: Seconds a job may run before rq's soft timeout; the worker kills it after a grace.
    job_timeout: int = field(default_factory=lambda: _env("JOB_TIMEOUT", 120, int))
    job_kill_grace: int = field(default_factory=lambda: _env("JOB_KILL_GRACE", 15, int))
    #: Attempts a task gets when its kind names none (webhooks keep their own schedule).
    job_max_attempts: int = field(default_factory=lambda: _env("JOB_MAX_ATTEMPTS", 5, int))
    #: Extra modules registering task handlers (deployment plug-ins, test handlers).
    task_modules: tuple[str, ...] = field(default_factory=lambda: tuple(
        m.strip() for m in _env("QINGWANG_TASK_MODULES", "").split(",") if m.strip()))
    #: OCR engine (``rapidocr``: PP-OCR on onnxruntime; ``paddle``: the paddle extra) and its threads.
    ocr_engine: str = field(default_factory=lambda: _env("OCR_ENGINE", "rapidocr"))
    ocr_threads: int = field(default_factory=lambda: _env("OCR_THREADS", 2, int))
    worker_max_jobs: int = field(default_factory=lambda: _env("WORKER_MAX_JOBS", 200, int))
    worker_max_rss_mb: int = field(default_factory=lambda: _env("WORKER_MAX_RSS_MB", 1500, int))
    #: Seconds between the worker's checks that today's monitoring sweep has run (rq's
    #: CronScheduler in ``qingwang worker``; the first check at start); 0: no schedule.
    monitor_interval_s: int = field(default_factory=lambda: _env("MONITOR_INTERVAL_S", 3600, int))
    inprocess_threads: int = field(default_factory=lambda: _env("INPROCESS_JOB_THREADS", 2, int))
    #: Seconds an in-process task's lease lasts unless renewed (renewed every third of it
    #: while the task runs): the tasks of a server that died are taken over after this.
    inprocess_lease_seconds: float = field(default_factory=lambda: _env("INPROCESS_LEASE_SECONDS", 30.0, float))
    web_workers: int = field(default_factory=lambda: _env("WEB_WORKERS", 2, int))
    web_threads: int = field(default_factory=lambda: _env("WEB_THREADS", 4, int))
    #: Seconds gunicorn lets one request run before it restarts the worker.
    web_timeout: int = field(default_factory=lambda: _env("WEB_TIMEOUT", 60, int))
    #: Milliseconds a gunicorn worker leaves a new connection to a less loaded worker before it
    #: takes it itself (gateway.gunicorn_worker).
    web_accept_yield_ms: float = field(default_factory=lambda: _env("WEB_ACCEPT_YIELD_MS", 5.0, float))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO"))
    log_format: str = field(default_factory=lambda: _env("LOG_FORMAT", "json"))
    idempotency_ttl_hours: int = field(default_factory=lambda: _env("IDEMPOTENCY_TTL_HOURS", 24, int))
    #: Seconds an Idempotency-Key stays held by the request using it; a key its process left
    #: behind (crashed, killed) is taken over by a retry after this.
    idempotency_lease_seconds: int = field(default_factory=lambda: _env("IDEMPOTENCY_LEASE_SECONDS", 120, int))
    presign_ttl_seconds: int = field(default_factory=lambda: _env("PRESIGN_TTL_SECONDS", 900, int))
    #: Let webhooks and report deliveries reach loopback and private addresses (on-premise
    #: receivers, tests); cloud metadata addresses stay refused.
    webhook_allow_private_networks: bool = field(
        default_factory=lambda: _env("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False, bool))
    #: Seconds one webhook delivery may take in all (connect, send, every byte of the answer).
    webhook_timeout_seconds: float = field(default_factory=lambda: _env("WEBHOOK_TIMEOUT_SECONDS", 10.0, float))
    #: Public base URL used in presigned local-upload links; defaults to the request host.
    public_base_url: str | None = field(default_factory=lambda: _env("PUBLIC_BASE_URL"))

    def __post_init__(self):
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'qingwang.sqlite3'}"
        if not self.storage_url:
            self.storage_url = (self.data_dir / "files").as_uri()
        # Whether SECRET_KEY was set, or generated into the data directory (see secret_key_problem).
        self.secret_key_generated = not self.secret_key
        if not self.secret_key:
            self.secret_key = self._embedded_secret()

    def secret_key_problem(self) -> tuple[str, str] | None:
        """Why SECRET_KEY is unfit for a server others can reach (Chinese, English), or
        None. It signs upload URLs and encrypts webhook secrets: a key anyone can guess
        (the example in a compose file) or a per-host generated one will not do."""
        key = self.secret_key or ""
        if self.secret_key_generated:
            return ("未设置 SECRET_KEY：对外提供服务时必须设置（各实例相同，至少 32 个字符的随机值）",
                    "SECRET_KEY is not set: a server others can reach needs one (the same on every instance, "
                    f"{MIN_SECRET_KEY_LENGTH}+ random characters)")
        if key.strip().lower() in KNOWN_SECRET_KEYS:
            return ("SECRET_KEY 是公开的示例值，请换成随机值", "SECRET_KEY is a published example value; use a random one")
        if len(key) < MIN_SECRET_KEY_LENGTH:
            return (f"SECRET_KEY 过短（{len(key)} 个字符，至少 {MIN_SECRET_KEY_LENGTH} 个）",
                    f"SECRET_KEY is too short ({len(key)} characters; at least {MIN_SECRET_KEY_LENGTH})")
        return None

    @property
    def embedded(self) -> bool:
        return self.database_url.startswith("sqlite")

    def _embedded_secret(self) -> str:
        # Embedded installs get a random key kept beside the data, so API-issued
        # signatures survive restarts; production sets SECRET_KEY.
        path = self.data_dir / "secret_key"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            path.write_text(key)
            path.chmod(0o600)
            log.warning("SECRET_KEY not set; generated one in %s (set SECRET_KEY in production)", path)
            return key

    @classmethod
    def from_mapping(cls, values: dict | None = None) -> "Settings":
        """Settings from the environment, with ``values`` (any case: ``DATABASE_URL``)
        taking precedence; derived defaults are computed after the overrides."""
        known = {f.name for f in fields(cls)}
        chosen = {k.lower(): v for k, v in (values or {}).items() if k.lower() in known}
        if "data_dir" in chosen:
            chosen["data_dir"] = Path(chosen["data_dir"]).resolve()
        return cls(**chosen)
