"""The flask-smorest API: OpenAPI document, interactive docs, problem+json errors."""
from __future__ import annotations

import http

import marshmallow as ma
import swagger_ui_bundle
from flask import Flask, send_from_directory
from flask_smorest import Api as _Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response

from gateway.claims.views import blp as claims
from gateway.documents.views import blp as documents
from gateway.leads.views import blp as leads
from gateway.listings.views import blp as listings
from gateway.merchants.views import blp as merchants
from gateway.problems import CONTENT_TYPE as PROBLEM_TYPE
from gateway.problems import from_http_exception
from gateway.registry.views import blp as registry
from gateway.reports.views import blp as reports
from gateway.reports.views import channels_blp as report_channels
from gateway.reports.views import schedules_blp as report_schedules
from gateway.violations.views import blp as violations
from gateway.webhooks.views import blp as webhook

SWAGGER_STATIC = "/docs/static"


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (extension members such as ``registry_version`` may follow)."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True, metadata={"description": "URI naming the problem type"})
    title = ma.fields.String(required=True, metadata={"description": "问题概述 / short summary"})
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(metadata={"description": "本次请求的具体说明 / what went wrong in this request"})
    instance = ma.fields.String()
    errors = ma.fields.Dict(metadata={"description": "字段错误，按位置和字段名 / field errors by location and name"})
    request_id = ma.fields.String()


class Api(_Api):
    """flask-smorest's Api, answering and documenting errors as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return from_http_exception(error)

    # The two overrides below are of private methods. flask-smorest (pinned below 0.48) calls
    # each once from `_init_spec` and offers no public hook to change the documented content
    # type of error responses or the pagination header's form. They repeat the library's
    # own few lines with our content type; tests/gateway/test_schema_and_spec.py checks the
    # result, so an upgrade that renames or stops calling them fails there, not silently.
    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "错误（problem+json） / Error (problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def _register_pagination_header(self):
        # The header carries JSON; documenting it as `content` says so. flask-smorest's
        # `schema` form would tell clients to parse it as OpenAPI's comma-separated style.
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        self.spec.components.header("PAGINATION", {
            "description": "分页信息（JSON） / pagination metadata as JSON",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}},
        }, lazy=True)


API_CONFIG = {
    "API_TITLE": "Qingwang 清网 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    # Served from the installed swagger-ui-bundle: gateways often run where no CDN is reachable.
    "OPENAPI_SWAGGER_UI_URL": SWAGGER_STATIC + "/",
    "API_SPEC_OPTIONS": {
        "info": {"description": "医疗器械网络销售合规网关：商户入驻核验、商品核验、违规处置与报告。\n\n"
                                "Compliance gateway for online medical-device sales: merchant onboarding, "
                                "listing checks, violations and regulator reports. Errors are RFC 9457 "
                                "problem+json; every /v1 call needs `Authorization: Bearer <API key>`."},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
}


BLUEPRINTS = (documents, merchants, listings, registry, webhook, claims, violations, reports, report_channels,
              report_schedules, leads)


def init_app(app: Flask) -> Api:
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = Api(app)

    @app.get(SWAGGER_STATIC + "/<path:filename>")
    def _swagger_static(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    return api
