from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gateway.storage.interface import StorageError


class LocalFileStorage:
    """Files under a directory on local disk: the embedded default, for one machine.

    Writes go to a temporary file renamed into place, so a crash never leaves half a
    document under a key.
    """

    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise StorageError(f"key escapes the storage root: {key!r}")
        return path

    def put(self, key, data, content_type="application/octet-stream"):
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key):
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise FileNotFoundError(key) from None

    def exists(self, key):
        return self._path(key).is_file()

    def size(self, key):
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path.stat().st_size

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)

    def presigned_upload(self, key, content_type, max_bytes, expires_in):
        return None

    def check(self):
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            probe = self.root / ".readyz"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StorageError(f"local storage not writable: {exc}") from exc
