"""The database schema and the committed OpenAPI document never drift from the code."""
import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gateway.models import Base

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_match_the_models(runtime):
    with runtime.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


def test_committed_openapi_document_is_current(app):
    served = app.test_client().get("/openapi.json").get_json()
    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert committed == served, "regenerate it: qingwang openapi write --format json openapi/openapi.json"


def test_spec_documents_problem_json_errors_and_bearer_auth(app):
    spec = app.test_client().get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == ["application/problem+json"]
    assert "/v1/documents" in spec["paths"]
