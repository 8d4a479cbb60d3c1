"""The audit log (审计日志): append-only and hash-chained, so that an edit, a deletion or a
reordering of any entry is evident (GSP-NET Art 36: an audit trail for creating, changing and
deleting original data; design §7)."""
