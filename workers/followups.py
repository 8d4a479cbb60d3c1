"""What happens after a document is read: the merchants and listings waiting on it
are (re-)verified. Kept apart so the document job stays about documents."""
from __future__ import annotations

from gateway.runtime import Runtime


def after_document(runtime: Runtime, document_id: str) -> None:
    """Enqueue verification of whatever references the document (see issue 5)."""
    return None
