"""File storage behind one small interface: local disk or S3-compatible object storage.

Chosen by one setting, ``STORAGE_URL``: ``file:///path`` or ``s3://bucket/prefix``
(with ``S3_ENDPOINT_URL`` for MinIO, Aliyun OSS or Tencent COS). Callers only ever see
:class:`FileNotFoundError` and :class:`StorageError`, never a backend's own errors.
"""
from __future__ import annotations

from typing import Protocol
from urllib.parse import urlparse


class StorageError(RuntimeError):
    """The storage backend failed (unreachable, denied, misconfigured)."""


class FileStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`FileNotFoundError` when there are none."""

    def exists(self, key: str) -> bool:
        """Whether anything is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove ``key``; removing what is not there is not an error."""

    def presigned_put(self, key: str, content_type: str, expires_in: int) -> dict | None:
        """A URL the client can PUT to directly, as ``{url, method, headers}``; None when
        the backend cannot sign (the gateway then signs its own upload URL)."""

    def check(self) -> None:
        """Raise :class:`StorageError` unless the backend is reachable and writable."""


def storage_from_url(url: str, endpoint_url: str | None = None, region: str | None = None) -> FileStorage:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        from gateway.storage.local import LocalFileStorage

        return LocalFileStorage(parsed.path)
    if parsed.scheme == "s3":
        from gateway.storage.s3 import S3FileStorage

        return S3FileStorage(bucket=parsed.netloc, prefix=parsed.path.lstrip("/"), endpoint_url=endpoint_url,
                             region=region)
    raise StorageError(f"unsupported STORAGE_URL scheme {parsed.scheme!r}; use file:// or s3://")
