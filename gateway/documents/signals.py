"""What the documents area tells the areas above it, without knowing them.

Merchants and listings wait on documents being read; documents must not import them
(imports run one way). They connect to :data:`document_read`, a blinker signal (the
library Flask itself uses for its signals).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent inside the transaction that records a document as read (or failed), with
#: ``sender`` the document id and ``session`` that transaction. Each receiver returns the
#: tasks it enqueued there, so follow-up work commits with the state change or not at all.
document_read = _signals.signal("document-read")
