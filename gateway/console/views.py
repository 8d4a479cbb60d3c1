"""Sign-in, the review queue, the case page and the actions on it."""
from __future__ import annotations

from flask import Response, flash, redirect, request, session, url_for

from gateway.console import accounts, actions, cases, queue
from gateway.console.sessions import destroy, rotate
from gateway.console.web import back_to, bp, lang, render, runtime, safe_next, staff, staff_required, t
from gateway.errors import NotFound, ServiceError
from gateway.jobs.outbox import dispatch_after_commit
from gateway.storage import StorageError
from verifiers.documents.model import DocumentError
from verifiers.documents.preview import render_page


@bp.get("/")
def index():
    return redirect(url_for("console.queue"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render("console/login.html", next=target)
    email = request.form.get("email", "")
    try:
        user = accounts.sign_in(runtime().db, email, request.form.get("password", ""))
    except (accounts.SignInFailed, accounts.LockedOut) as exc:
        page, status = render("console/login.html", exc.status, next=target, email=email, error=exc.message(lang()))
        return page, status, exc.headers
    session.clear()
    rotate(session)  # a new token at sign-in: a session id planted before it is worthless
    session["user_id"] = user.id
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    destroy(session)
    return redirect(url_for("console.login"), code=303)


@bp.get("/queue", endpoint="queue")
@staff_required
def queue_page():
    flt = queue.QueueFilter.from_args(request.args)
    with runtime().db.read_sessionmaker() as reader:
        page = queue.review_queue(reader, staff(), flt)
    args = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}
    return render("console/queue.html", page=page, flt=flt, args=args, statuses=queue.STATUSES, kinds=queue.KINDS,
                  ages=queue.AGES)


def _kind(kind: str) -> str:
    if kind not in cases.SUBJECTS:
        raise NotFound("案件不存在", "No such case")
    return kind


@bp.get("/cases/<kind>/<subject_id>")
@staff_required
def case(kind, subject_id):
    rt = runtime()
    with rt.db.read_sessionmaker() as reader:
        loaded = cases.load_case(reader, staff(), _kind(kind), subject_id, rt.registry)
    return render("console/case.html", case=loaded, shown=cases.shown, overturn_hint=_second_reviewer(loaded))


def _second_reviewer(loaded: cases.Case) -> bool:
    return actions.second_reviewer_required(loaded.platform) and actions.is_machine_block(
        loaded.kind, loaded.subject, loaded.decision)


def _write(kind: str, subject_id: str, work, done: str):
    """Run ``work(session)`` in one transaction, dispatch its tasks after commit, and go back
    to the case with a message (a refusal is shown there too)."""
    rt = runtime()
    try:
        with rt.db.session() as writer:
            tasks = work(writer) or []
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return back_to("console.case", exc.message(lang()), "error", kind=kind, subject_id=subject_id)
    dispatch_after_commit(rt.dispatcher, tasks)
    return back_to("console.case", t(done), "info", kind=kind, subject_id=subject_id)


@bp.post("/cases/<kind>/<subject_id>/claim")
@staff_required
def claim(kind, subject_id):
    return _write(_kind(kind), subject_id, lambda s: cases.claim_case(s, staff(), kind, subject_id) and [], "claimed")


@bp.post("/cases/<kind>/<subject_id>/release")
@staff_required
def release(kind, subject_id):
    def work(s):
        cases.get_subject(s, staff(), kind, subject_id)
        cases.release_claim(s, staff(), kind, subject_id)
    return _write(_kind(kind), subject_id, work, "released")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()][:50]


def _indexes(values: list[str]) -> list[int]:
    """The ticked deficiencies: one box per reason sends the indexes of all its copies ("0,2");
    anything but a short ASCII number is ignored (``"²".isdigit()`` is true, ``int("²")`` fails)."""
    return [int(i) for v in values for i in v.split(",") if i.isascii() and i.isdigit() and len(i) <= 6]


@bp.post("/cases/<kind>/<subject_id>/actions")
@staff_required
def act(kind, subject_id):
    outcome = {}

    def work(s):
        result = actions.act(s, staff(), kind, subject_id, request.form.get("action", ""),
                             request.form.get("reason", ""),
                             deficiencies=_indexes(request.form.getlist("deficiency")),
                             extra_deficiencies=_lines(request.form.get("extra_deficiencies", "")))
        outcome["value"] = result.outcome
        return result.tasks
    response = _write(_kind(kind), subject_id, work, "done")
    if outcome.get("value") == "proposed":
        session.pop("_flashes", None)
        flash(t("proposed"), "info")
    return response


@bp.post("/cases/<kind>/<subject_id>/overturn/withdraw")
@staff_required
def withdraw(kind, subject_id):
    return _write(_kind(kind), subject_id, lambda s: actions.withdraw_overturn(s, staff(), kind, subject_id),
                  "withdrawn")


@bp.get("/documents/<document_id>/pages/<int:number>.png")
@staff_required
def page_image(document_id, number):
    rt = runtime()
    with rt.db.read_sessionmaker() as reader:
        document = cases.case_document(reader, staff(), document_id)
        rotation = next((p.get("rotation") or 0 for p in (document.ocr or {}).get("pages", [])
                         if p.get("page") == number), 0)
        key, media_type = document.storage_key, document.media_type
    if not key or not media_type:
        raise NotFound("文件尚未上传", "The file has not been uploaded")
    try:
        data = rt.storage.get(key)  # outside any transaction: storage may be a network away
        png = render_page(data, media_type, number, rotation)
    except FileNotFoundError:
        raise NotFound("存储中找不到该文件", "The stored file is missing") from None
    except DocumentError as exc:
        raise NotFound(exc.zh, exc.en) from None
    except StorageError:
        raise
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response

