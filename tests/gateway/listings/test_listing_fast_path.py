"""POST /v1/listings' fast path (gateway.fast_path) answers exactly as the Flask app does,
and hands everything it is not sure of to the app."""
import json
import logging
import sqlite3

import marshmallow as ma
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import fast_path
from gateway.fast_path import STRINGS, ListingFastPath, loadable
from gateway.listings.schemas import ListingCreateSchema
from tests.gateway.listings.test_listing_writes import merchant  # noqa: F401 (fixture)
from tests.gateway.merchants.test_merchants_listings_api import LISTING, registry  # noqa: F401 (fixture)
from tests.gateway.test_errors_and_auth import assert_problem

#: Bodies whose decisions differ in outcome, reasons, fields and evidence.
VARIANTS = {
    "allow": {},
    "all-fields": {"device_class": 2, "url": "https://shop.example.com/p/1", "document_ids": []},
    "nulls": {"manufacturer": None, "model": None, "url": None, "device_class": None},
    "no-description": {"description": None},  # replaced below: the key left out
    "unknown-number": {"registration_number": "国械注准20993149999"},
    "no-number": {"registration_number": None},
    "banned-claim": {"description": LISTING["description"] + "本品可根治糖尿病，无效退款。"},
    "class-mismatch": {"device_class": 1},
    "other-maker": {"manufacturer": "另一家制造企业有限公司"},
}


def _body(merchant_id: str, variant: str, external_id: str) -> dict:
    body = dict(LISTING, merchant_id=merchant_id, external_id=external_id, **VARIANTS[variant])
    if variant == "no-description":
        del body["description"]
    return body


def _via_app(app, client, *args, **kwargs):
    """The request as the Flask app alone answers it (the fast path taken out for it)."""
    layer = app.wsgi_app
    app.wsgi_app = getattr(layer.inner, "original", layer.inner)  # not counted as handed over
    try:
        return client.post(*args, **kwargs)
    finally:
        app.wsgi_app = layer


@pytest.fixture
def delegated(app):
    """The requests the fast path handed to the app (it answered every other itself)."""
    layer = app.wsgi_app
    assert isinstance(layer, ListingFastPath)
    seen = []
    inner = layer.inner

    def counting(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    counting.original = inner
    layer.inner = counting
    return seen


def _comparable(document: dict) -> dict:
    """A listing response without what differs between two listings made alike (ids, times)."""
    out = json.loads(json.dumps(document))
    for key in ("id", "external_id", "created_at", "updated_at"):
        out.pop(key)
    out["decision"].pop("id")
    out["decision"].pop("decided_at")
    return out


def test_the_fast_path_answers_as_the_app_does(app, client, auth, merchant, delegated):  # noqa: F811
    outcomes = set()
    for variant in VARIANTS:
        for round_ in ("new", "again"):  # a new listing, then the same external_id updated
            fast = client.post("/v1/listings", headers=auth, json=_body(merchant, variant, f"fast-{variant}"))
            slow = _via_app(app, client, "/v1/listings", headers=auth, json=_body(merchant, variant, f"app-{variant}"))
            assert fast.status_code == slow.status_code == 200, (variant, round_, fast.get_json())
            assert fast.data.endswith(b"\n") and fast.data.count(b"\n") == 1  # Flask's compact JSON
            assert list(fast.headers.keys()) == list(slow.headers.keys())
            assert fast.headers["Content-Type"] == slow.headers["Content-Type"] == "application/json"
            assert int(fast.headers["Content-Length"]) == len(fast.data)
            assert len(fast.headers["X-Request-ID"]) == 32
            assert _comparable(fast.get_json()) == _comparable(slow.get_json())
            # Field order too: what a client sees byte for byte, ids and times aside.
            assert list(fast.get_json()) == list(slow.get_json())
            assert list(fast.get_json()["decision"]) == list(slow.get_json()["decision"])
            outcomes.add(fast.get_json()["outcome"])
    assert outcomes == {"allow", "block", "review"}
    assert delegated == []  # every one of them answered by the fast path


def test_what_the_fast_path_answered_is_what_the_api_reads_back(client, auth, merchant, delegated):  # noqa: F811
    made = client.post("/v1/listings", headers=auth, json=_body(merchant, "all-fields", "sku-read-back")).get_json()
    assert delegated == []
    read = client.get(f"/v1/listings/{made['id']}", headers=auth).get_json()
    assert read == made


def test_the_callers_request_id_and_the_access_log(client, auth, merchant, caplog, delegated):  # noqa: F811
    with caplog.at_level(logging.INFO, logger="qingwang.access"):
        caplog.clear()
        response = client.post("/v1/listings", headers=dict(auth, **{"X-Request-ID": "shop-42.retry:1"}),
                               json=_body(merchant, "allow", "sku-logged"))
    assert delegated == []
    assert response.headers["X-Request-ID"] == "shop-42.retry:1"
    [line] = [r for r in caplog.records if r.name == "qingwang.access"]
    assert (line.method, line.path, line.status, line.request_id) == ("POST", "/v1/listings", 200, "shop-42.retry:1")
    assert line.platform_id and line.ms > 0
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'qingwang_http_requests_total{endpoint="/v1/listings",method="POST",status="200"}' in metrics


@pytest.mark.parametrize("language,text", [("zh-CN", "商户不存在"), ("en", "Unknown merchant")])
def test_an_error_while_deciding_is_the_apps_problem_document(app, client, auth, registry, language,  # noqa: F811
                                                              text, delegated):
    headers = dict(auth, **{"Accept-Language": language, "X-Request-ID": "req-1"})
    body = dict(LISTING, merchant_id="mer_does_not_exist")
    fast = client.post("/v1/listings", headers=headers, json=body)
    slow = _via_app(app, client, "/v1/listings", headers=headers, json=body)
    assert delegated == []  # well formed: the fast path took it, the service refused it
    problem = assert_problem(fast, 422)
    assert problem == slow.get_json() and text in problem["detail"]
    assert fast.headers["X-Request-ID"] == "req-1"


def test_a_database_outage_while_deciding_answers_503(backend, client, auth, merchant, runtime,  # noqa: F811
                                                      monkeypatch, caplog, delegated):
    """The real lock on SQLite (another connection holds the write lock past the wait);
    on PostgreSQL the service is made to fail as the driver does when the server goes away."""
    import gateway.db

    client.get("/v1/documents", headers=auth)  # the key resolved and cached first
    delegated.clear()
    if backend == "sqlite":
        monkeypatch.setattr(gateway.db, "WRITE_LOCK_TIMEOUT_S", 0.3)
        holder = sqlite3.connect(runtime.settings.database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        from sqlalchemy.exc import OperationalError

        def gone(*_args, **_kwargs):
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        monkeypatch.setattr(fast_path, "submit_listing", gone)
    try:
        with caplog.at_level(logging.INFO, logger="qingwang.access"):
            caplog.clear()
            response = client.post("/v1/listings", headers=auth, json=_body(merchant, "allow", "sku-outage"))
    finally:
        if backend == "sqlite":
            holder.execute("ROLLBACK")
            holder.close()
    assert delegated == []
    problem = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "2" and problem["type"].endswith("/problems/database-unavailable")
    assert problem["request_id"] == response.headers["X-Request-ID"]
    [line] = [r for r in caplog.records if r.name == "qingwang.access"]
    assert (line.path, line.status) == ("/v1/listings", 503)
    monkeypatch.undo()
    # Nothing half-written: the same listing goes through once the database answers.
    assert client.post("/v1/listings", headers=auth,
                       json=_body(merchant, "allow", "sku-outage")).get_json()["outcome"] == "allow"


def _raw(client, body: bytes, headers: dict, content_type="application/json", path="/v1/listings"):
    return client.post(path, headers=headers, data=body, content_type=content_type)


@pytest.mark.parametrize("case", [
    "no-key", "bad-key", "idempotency-key", "query", "form", "json-suffix", "latin-1", "bom", "malformed",
    "array", "missing-title", "empty-title", "long-title", "null-title", "class-as-text", "class-as-bool",
    "class-4", "unknown-field", "nul-escape", "surrogate-escape", "deep", "trailing-slash", "long-document-id",
])
def test_what_the_fast_path_is_not_sure_of_goes_to_the_app(client, auth, merchant, delegated, case):  # noqa: F811
    body = _body(merchant, "allow", f"sku-{case}")
    headers = dict(auth)
    raw, content_type, path = None, "application/json", "/v1/listings"
    expected = 200
    if case == "no-key":
        headers, expected = {}, 401
    elif case == "bad-key":
        headers, expected = {"Authorization": "Bearer qw_not_a_key"}, 401
    elif case == "idempotency-key":
        headers["Idempotency-Key"] = "k-1"
    elif case == "query":
        path = "/v1/listings?source=bulk"
    elif case == "form":
        raw, content_type, expected = b"title=x", "application/x-www-form-urlencoded", 422
    elif case == "json-suffix":
        content_type = "application/merge-patch+json"
    elif case == "latin-1":
        raw = json.dumps(dict(body, title="@")).replace('"@"', '"Caf\u00e9"').encode("latin-1")
        content_type, expected = "application/json; charset=latin-1", None
    elif case == "bom":
        raw, expected = b"\xef\xbb\xbf" + json.dumps(body).encode(), None  # the app's call, whatever it is
    elif case == "malformed":
        raw, expected = b'{"title": ', 400
    elif case == "array":
        raw, expected = json.dumps([body]).encode(), 422
    elif case == "missing-title":
        del body["title"]
        expected = 422
    elif case == "empty-title":
        body["title"], expected = "", 422
    elif case == "long-title":
        body["title"], expected = "长" * 501, 422
    elif case == "null-title":
        body["title"], expected = None, 422
    elif case == "class-as-text":
        body["device_class"] = "3"  # the schema takes it; the fast path leaves it to the schema
    elif case == "class-as-bool":
        body["device_class"], expected = True, 422
    elif case == "class-4":
        body["device_class"], expected = 4, 422
    elif case == "unknown-field":
        body["colour"] = "red"  # excluded by the schema
    elif case == "nul-escape":
        raw, expected = json.dumps(dict(body, title="a\u0000b")).encode(), 422
    elif case == "surrogate-escape":
        raw, expected = json.dumps(body)[:-1].encode() + b', "model": "\\ud800"}', 422
    elif case == "deep":
        raw, expected = json.dumps(dict(body, url=None, description=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
                                        )).encode(), 400
    elif case == "trailing-slash":
        path, expected = "/v1/listings/", None
    elif case == "long-document-id":
        body["document_ids"], expected = ["d" * 41], 422
    response = _raw(client, raw if raw is not None else json.dumps(body).encode(), headers, content_type, path)
    assert delegated == [path.split("?")[0]]
    assert response.status_code < 500
    if expected is not None:
        assert response.status_code == expected, response.get_json()
    if expected == 200:
        assert response.get_json()["outcome"] == "allow"
    elif expected:
        assert_problem(response, expected)


def test_debug_mode_is_the_apps(app, client, auth, merchant, delegated):  # noqa: F811
    app.debug = True  # indented JSON: the app's to write
    try:
        response = client.post("/v1/listings", headers=auth, json=_body(merchant, "allow", "sku-debug"))
    finally:
        app.debug = False
    assert delegated == ["/v1/listings"] and response.status_code == 200


def test_its_field_rules_are_the_schemas():
    """STRINGS and the rest of loadable() restate ListingCreateSchema; a change there must show here."""
    schema = ListingCreateSchema()
    strings = {n: f for n, f in schema.fields.items() if isinstance(f, ma.fields.String)}
    assert set(strings) == set(STRINGS)
    assert set(schema.fields) == fast_path.FIELDS
    for name, field in strings.items():
        lengths = [v for v in field.validators if isinstance(v, ma.validate.Length)]
        shortest = lengths[0].min if lengths and lengths[0].min is not None else 0
        longest = lengths[0].max if lengths else None
        assert STRINGS[name] == (field.required, field.allow_none, shortest, longest), name
    assert schema.fields["device_class"].validators[0].choices == list(fast_path.DEVICE_CLASSES)


_TEXT = st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=3),
                  st.text(min_size=119, max_size=130), st.text(min_size=499, max_size=502))
_BODIES = st.fixed_dictionaries(
    {"merchant_id": st.text(max_size=5), "external_id": _TEXT, "title": _TEXT},
    optional={"description": _TEXT, "registration_number": _TEXT, "product_name": _TEXT, "manufacturer": _TEXT,
              "model": _TEXT, "url": _TEXT,
              "device_class": st.one_of(st.none(), st.integers(-1, 5), st.booleans(), st.just("2"), st.just(2.0)),
              "document_ids": st.one_of(st.none(), st.lists(st.text(max_size=42), max_size=3)),
              "extra": st.integers()})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(_BODIES, st.lists(st.integers()), st.text()))
def test_whatever_it_loads_the_schema_loads_the_same(body):
    loaded = loadable(json.loads(json.dumps(body)))
    if loaded is None:
        return  # the app's to judge
    assert loaded == ListingCreateSchema().load(json.loads(json.dumps(body)))


def test_the_decision_gate_hands_over_in_arrival_order_and_lets_a_late_waiter_go():
    """gateway.fast_path.DecisionGate: the thread that leaves hands the gate to the longest
    waiter (not to whoever asks next); a waiter whose wait runs out goes without it, and the
    queue forgets it."""
    import threading
    import time

    from gateway.fast_path import DecisionGate

    gate, order = DecisionGate(), []
    assert gate.enter(1.0)

    def wait_then_record(n):
        assert gate.enter(10.0)
        order.append(n)
        gate.leave()

    waiters = []
    for n in range(5):  # queued one after another, in this order
        waiters.append(threading.Thread(target=wait_then_record, args=(n,)))
        waiters[-1].start()
        while len(gate._waiting) < n + 1:
            time.sleep(0.001)
    assert gate.enter(0.05) is False and len(gate._waiting) == 5  # timed out: not queued any more
    def barge():  # would take it ahead of the waiters with a plain lock
        if gate.enter(0.01):
            order.append("late")
            gate.leave()

    late = [threading.Thread(target=barge) for _ in range(3)]
    for thread in late:
        thread.start()
    gate.leave()
    for thread in waiters + late:
        thread.join(10)
    assert order[:5] == [0, 1, 2, 3, 4]
    assert gate.enter(0.01) and not gate._waiting
    gate.leave()


def test_sqlite_decisions_take_turns_in_a_process_and_postgresql_ones_do_not(backend, app, client, auth,
                                                                             merchant, monkeypatch,  # noqa: F811
                                                                             delegated):
    """On SQLite the fast path decides one listing at a time per process (DecisionGate); a
    decision that waited GATE_WAIT_S for its turn goes ahead anyway. PostgreSQL has no gate."""
    import threading

    layer = app.wsgi_app
    if backend != "sqlite":
        assert layer.gate is None
        return
    real, inside, most = fast_path.submit_listing, [], []

    def counted(*args, **kwargs):
        inside.append(1)
        most.append(len(inside))
        try:
            return real(*args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(fast_path, "submit_listing", counted)
    answers = []

    def post(n):
        answers.append(client.post("/v1/listings", headers=auth, json=_body(merchant, "allow", f"sku-turn-{n}")))

    threads = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [a.status_code for a in answers] == [200] * 6 and max(most) == 1 and delegated == []

    monkeypatch.setattr(fast_path, "GATE_WAIT_S", 0.05)
    assert layer.gate.enter(1.0)  # held elsewhere (a stuck decision): this one waits, then goes
    try:
        response = client.post("/v1/listings", headers=auth, json=_body(merchant, "allow", "sku-turn-late"))
    finally:
        layer.gate.leave()
    assert response.status_code == 200 and response.get_json()["outcome"] == "allow"
