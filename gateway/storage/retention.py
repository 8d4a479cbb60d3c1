"""The one guard every storage deletion passes: nothing retained is deleted before its time.

Evidence of a violation keeps the documents it refers to (domain.md §1.5: at least three
years, or the device's validity plus two years; implantables for ever), recorded as
``documents.retain_until``. :class:`RetainingStorage` wraps whichever backend the settings
chose and asks, before each ``delete``, until when the key is held; a held key raises
:class:`RetentionHeld` and stays. The question is asked of a callable the runtime supplies,
so storage knows nothing of documents.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gateway.db import utcnow
from gateway.errors import Conflict
from gateway.storage.interface import FileStorage


class RetentionHeld(Conflict):
    """A deletion of something that must be kept longer."""

    code = "retention-held"

    def __init__(self, key: str, until: datetime):
        super().__init__(f"该文件是违法违规证据，须保存至 {until.date().isoformat()}，不能删除",
                         f"The file is evidence of a violation and must be kept until {until.date().isoformat()}",
                         retain_until=until.isoformat())
        self.key = key
        self.until = until


class RetainingStorage:
    """A :class:`FileStorage` whose ``delete`` refuses keys held for retention; everything else
    passes straight to the backend."""

    def __init__(self, inner: FileStorage, held_until: Callable[[str], datetime | None]):
        self._inner = inner
        self._held_until = held_until

    def delete(self, key: str) -> None:
        """Remove ``key`` unless it is held; :class:`RetentionHeld` when it is."""
        until = self._held_until(key)
        if until is not None and until > utcnow():
            raise RetentionHeld(key, until)
        self._inner.delete(key)

    def __getattr__(self, name):
        return getattr(self._inner, name)
