"""``POST /v1/listings`` answered without Flask's request dispatch when the request is plainly
well formed: the API's hot path, a WSGI layer in front of the Flask app.

Why: a decision itself (two reads, the rules, one write) costs about two thirds of the CPU a
request took; the other third was the framework around it: the request and response objects,
URL matching, the before- and after-request hooks, webargs and flask-smorest's wrappers, marshmallow both
ways. Issue 14 asks for 1,000 decisions a second on two shared vCPUs; this layer keeps what
the answer needs (authentication, the input guard's limits, validation, the request id,
metrics, the access log line) and drops the rest.

Only ever a yes, never a no. It answers a request itself only when the Flask app would accept
it unchanged: a POST to exactly ``/v1/listings`` without a query string or an
``Idempotency-Key``; an ``application/json`` body of a declared length within
``MAX_JSON_BYTES``, UTF-8, without the escapes or nesting the input guard looks into; a bearer
key the key cache accepts; and a JSON object that ``ListingCreateSchema`` would load as it is
(only its fields, each of the right type and length). Anything else, and so every refusal of
the request itself (401, 413, 415, 422 …) or anything unusual, goes to the Flask app as
before, the body handed on unread. An error raised while deciding (an unknown merchant, a
database outage) is answered by the app's own error handlers and after-request hooks in a
request context made then, as the app would have answered it.

The answer is the app's: ``ListingSchema``'s dump as Flask's JSON, ``X-Request-ID``, the
same request metrics and access log line. ``tests/gateway/listings/test_listing_fast_path.py``
sends requests both ways and compares.
"""
from __future__ import annotations

import collections
import io
import json
import threading
import time

from flask import Flask, g

from gateway.input_guard import MAX_JSON_DEPTH, json_depth, may_hold_unstorable
from gateway.listings.services import submit_listing
from gateway.observability import request_id_from

PATH = "/v1/listings"
#: The endpoint label the app's metrics give this route.
ENDPOINT = "/v1/listings"

#: ListingCreateSchema's string fields: name -> (required, may be null, shortest, longest).
#: Checked against the schema itself by the fast path's tests, so that a change there
#: cannot leave this behind unnoticed.
STRINGS = {
    "merchant_id": (True, False, 0, None),
    "external_id": (True, False, 1, 128),
    "title": (True, False, 1, 500),
    "description": (False, False, 0, 20000),
    "registration_number": (False, True, 0, 120),
    "product_name": (False, True, 0, 500),
    "manufacturer": (False, True, 0, 500),
    "model": (False, True, 0, 500),
    "url": (False, True, 0, 1000),
}
DEVICE_CLASSES = (1, 2, 3)
#: document_ids: at most this many, each this long.
DOCUMENT_IDS, DOCUMENT_ID_LENGTH = 100, (1, 40)
FIELDS = frozenset(STRINGS) | {"device_class", "document_ids"}


def loadable(body) -> dict | None:
    """``body`` as ListingCreateSchema loads it, when it loads without a question; None when
    anything about it is for the schema to judge (and perhaps refuse)."""
    if type(body) is not dict or not body.keys() <= FIELDS:
        return None
    for name, (required, nullable, shortest, longest) in STRINGS.items():
        value = body.get(name, _ABSENT)
        if value is _ABSENT:
            if required:
                return None
        elif value is None:
            if not nullable:
                return None
        elif type(value) is not str or len(value) < shortest or (longest is not None and len(value) > longest):
            return None
    device_class = body.get("device_class")
    if device_class is not None and (type(device_class) is not int or device_class not in DEVICE_CLASSES):
        return None
    if "document_ids" in body:
        ids = body["document_ids"]
        if type(ids) is not list or len(ids) > DOCUMENT_IDS or not all(
                type(i) is str and DOCUMENT_ID_LENGTH[0] <= len(i) <= DOCUMENT_ID_LENGTH[1] for i in ids):
            return None
    if "description" not in body:
        body["description"] = ""  # the schema's load_default
    return body


_ABSENT = object()

#: The listing's own fields in ListingSchema's order (``decision`` and the rest follow).
_LISTING_FIELDS = ("id", "merchant_id", "external_id", "title", "description", "registration_number",
                   "product_name", "manufacturer", "model", "device_class", "url", "outcome")
_REASON_FIELDS = ("code", "severity", "message", "message_en", "field", "evidence")


def listing_json(listing, decision, document_ids: list[str]) -> dict:
    """What ``ListingSchema().dump(present(listing, decision, document_ids))`` gives, written out:
    marshmallow's dump was a tenth of the request's CPU. The fields, their order and their
    values are the schema's (the tests compare the two on every kind of decision)."""
    out = {name: getattr(listing, name) for name in _LISTING_FIELDS}
    out["decision"] = {"id": decision.id, "outcome": decision.outcome,
                       "reasons": [{k: (dict(r[k]) if k == "evidence" else r[k]) for k in _REASON_FIELDS if k in r}
                                   for r in decision.reasons],
                       "registry_version": decision.registry_version, "decided_at": _iso(decision.decided_at),
                       "decided_by": decision.decided_by, "trigger": decision.trigger}
    out["document_ids"] = list(document_ids)
    out["created_at"], out["updated_at"] = _iso(listing.created_at), _iso(listing.updated_at)
    return out


def _iso(moment):
    return None if moment is None else moment.isoformat()


#: How long a decision waits for its process's turn on SQLite (:class:`DecisionGate`) before it
#: goes ahead without one: the gate only orders the work, SQLite's write gate still serialises
#: the writes and answers "database is locked" (503) after its own deadline.
GATE_WAIT_S = 5.0


class DecisionGate:
    """One listing decision at a time in a worker process, handed on in arrival order; on SQLite.

    Why: SQLite has one write lock for every process. With four threads deciding at once in a
    process, the thread holding the lock kept waiting for the GIL behind the other three (their
    rules, hashing and JSON), so the lock was held longer and every other writer waited for it:
    at 8 connections the lock's wait averaged 4.5-5.0 ms against 0.4-0.6 ms held. Deciding one
    at a time per process, the wait fell to ~0.2 ms and decisions per second rose 13-17 %
    (docs/benchmarks.md). PostgreSQL has no such lock and gained nothing: no gate there.

    Not ``threading.Lock`` or ``Semaphore``: a thread that has just let one go can take it again
    ahead of those waiting, and the waiting requests' latency then grows a tail; here the one
    letting go hands it to the longest waiter. The gate only orders work: a decision that has
    not had its turn after ``wait`` seconds goes ahead (:meth:`enter` is False)."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: collections.deque[threading.Lock] = collections.deque()

    def enter(self, wait: float) -> bool:
        """Whether this thread now holds the gate (then :meth:`leave` it)."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=wait):  # released by the holder leaving: the gate is ours
            return True
        with self._mutex:
            try:
                self._waiting.remove(turn)
            except ValueError:  # handed over as the wait ran out: ours after all
                return True
            return False

    def leave(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()  # still held: now by the longest waiter
            else:
                self._held = False


class ListingFastPath:
    """The WSGI layer: the Flask app's ``wsgi_app`` wrapped (see the module's docstring)."""

    def __init__(self, app: Flask):
        self.app = app
        self.inner = app.wsgi_app
        self.runtime = app.extensions["qingwang"]
        self.keys = app.extensions["qingwang.keys"]
        self.record = app.extensions["qingwang.requests"]
        self.max_bytes = self.runtime.settings.max_json_bytes
        self.dumps = app.json.dumps
        self.gate = DecisionGate() if self.runtime.settings.database_url.startswith("sqlite") else None

    def __call__(self, environ, start_response):
        if (environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST"
                or environ.get("QUERY_STRING") or "HTTP_IDEMPOTENCY_KEY" in environ or self.app.debug):
            return self.inner(environ, start_response)
        started = time.perf_counter()
        raw = self._body(environ)
        platform_id = self._platform(environ) if raw is not None else None
        body = _parse(raw) if platform_id is not None else None
        if body is None:
            if raw is not None:  # read: the app reads it again from here
                environ["wsgi.input"] = io.BytesIO(raw)
            return self.inner(environ, start_response)
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        gate = self.gate
        entered = gate is not None and gate.enter(GATE_WAIT_S)
        try:
            try:
                done = submit_listing(self.runtime, platform_id, body)
            finally:
                if entered:
                    gate.leave()
            payload = self.dumps(listing_json(done.listing, done.decision, done.document_ids), separators=(",", ":"))
        except Exception as exc:  # noqa: BLE001 - answered by the app's own error handlers
            environ["wsgi.input"] = io.BytesIO(raw)
            return self._error(environ, start_response, exc, started, request_id, platform_id)
        data = f"{payload}\n".encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                                  ("X-Request-ID", request_id)])
        self.record.finished("POST", ENDPOINT, PATH, 200, time.perf_counter() - started, request_id, platform_id)
        return [data]

    def _body(self, environ) -> bytes | None:
        """The body, when it is JSON of a declared, acceptable length (None: not read)."""
        content_type = environ.get("CONTENT_TYPE", "")
        mimetype, _, params = content_type.partition(";")
        if mimetype.strip().lower() != "application/json" or (params.strip() and params.strip().lower()
                                                                not in ("charset=utf-8", 'charset="utf-8"')):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if not 0 < length <= self.max_bytes or environ.get("HTTP_TRANSFER_ENCODING"):
            return None
        raw = environ["wsgi.input"].read(length)
        if len(raw) != length:  # the client stopped short: the app answers that
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
            return None
        return raw

    def _platform(self, environ) -> str | None:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return self.keys.platform_id_for(self.runtime.db.engine, token)
        except Exception:  # noqa: BLE001 - a database that cannot answer: the app's hook meets it again, and answers 503
            return None

    def _error(self, environ, start_response, exc: Exception, started: float, request_id: str, platform_id: str):
        """``exc`` (raised while deciding) answered as the app answers it: its error handler,
        then its after-request hooks (the X-Request-ID, metrics and the access log)."""
        app = self.app
        with app.request_context(environ):
            g.request_id, g.started, g.platform_id = request_id, started, platform_id
            response = app.make_response(app.handle_user_exception(exc))
            response = app.process_response(response)
        return response(environ, start_response)


def _parse(raw: bytes) -> dict | None:
    # The input guard's own questions, asked of the bytes: what might hold NUL or a lone
    # surrogate, or nest too deep, goes to the app (which may refuse it).
    if may_hold_unstorable(raw) or json_depth(raw) > MAX_JSON_DEPTH:
        return None
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:  # malformed, or not UTF-8 (UnicodeDecodeError is a ValueError)
        return None
    return loadable(body)


def install(app: Flask) -> None:
    """Put the fast path in front of ``app``. (In debug mode, whose JSON is indented, and which
    may be switched on after the app is made, every request goes to the app.)"""
    app.wsgi_app = ListingFastPath(app)

