"""Property-based run of the served OpenAPI document: no server errors, and every
response (status, content type, body) conforms to the document."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, ignored_auth, not_a_server_error,
                                 response_headers_conformance, response_schema_conformance,
                                 status_code_conformance)

# What the issue asks: no server error, nothing outside the document, and auth enforced.
# (Leniency towards unknown query parameters is deliberate, so negative-data checks
# are not part of this run.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, ignored_auth]

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case, auth):
    case.call_and_validate(headers=auth, checks=CHECKS)
