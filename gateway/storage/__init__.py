"""File storage behind one small interface: local disk or S3-compatible object storage.

Chosen by one setting, ``STORAGE_URL``: ``file:///path`` or ``s3://bucket/prefix``
(with ``S3_ENDPOINT_URL`` for MinIO, Aliyun OSS or Tencent COS). Callers only ever see
:class:`FileNotFoundError` and :class:`StorageError`, never a backend's own errors.
"""
from __future__ import annotations

from urllib.parse import urlparse

from gateway.storage.interface import FileStorage, StorageError
from gateway.storage.local import LocalFileStorage

__all__ = ["FileStorage", "StorageError", "storage_from_url"]


def storage_from_url(url: str, endpoint_url: str | None = None, region: str | None = None) -> FileStorage:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalFileStorage(parsed.path)
    if parsed.scheme == "s3":
        # Imported here: boto3 takes a noticeable moment to import, and the embedded
        # default never needs it.
        from gateway.storage.s3 import S3FileStorage

        return S3FileStorage(bucket=parsed.netloc, prefix=parsed.path.lstrip("/"), endpoint_url=endpoint_url,
                             region=region)
    raise StorageError(f"unsupported STORAGE_URL scheme {parsed.scheme!r}; use file:// or s3://")
