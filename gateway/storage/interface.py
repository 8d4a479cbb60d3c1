"""The storage interface every backend implements, and its one error type."""
from __future__ import annotations

from typing import Protocol

from gateway.errors import Unavailable


class StorageError(Unavailable):
    """The storage backend failed (unreachable, denied, misconfigured).

    Callers see a 503 that says only that storage is unavailable; ``detail`` (the
    backend's own words) goes to the log, never to a client.
    """

    code = "storage-unavailable"

    def __init__(self, detail: str):
        super().__init__("文件存储暂不可用，请稍后重试", "File storage is unavailable; retry later")
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


class FileStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`FileNotFoundError` when there are none."""

    def exists(self, key: str) -> bool:
        """Whether anything is stored under ``key``."""

    def size(self, key: str) -> int:
        """The size in bytes of what is under ``key``, without reading it;
        :class:`FileNotFoundError` when there is nothing."""

    def delete(self, key: str) -> None:
        """Remove ``key``; removing what is not there is not an error."""

    def presigned_upload(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict | None:
        """Where the client can upload directly, at most ``max_bytes``, as ``{url, method,
        headers, fields}`` (``fields``: form fields to send before the file, for a POST);
        None when the backend cannot sign (the gateway then signs its own upload URL)."""

    def check(self) -> None:
        """Raise :class:`StorageError` unless the backend is reachable and writable."""


