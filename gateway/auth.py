"""Bearer API-key authentication for everything under /v1."""
from __future__ import annotations

from flask import Flask, g, request

from gateway import web
from gateway.errors import Unauthorized
from gateway.tenancy.services import KeyCache

PUBLIC_PREFIX = "/v1/"


def init_app(app: Flask) -> None:
    cache = KeyCache()
    app.extensions["qingwang.keys"] = cache

    @app.before_request
    def _authenticate():
        # Runs for every /v1 path, matched or not, so an unknown path without a key
        # answers 401 rather than revealing which paths exist.
        if not request.path.startswith(PUBLIC_PREFIX) or request.method == "OPTIONS":
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="qingwang"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("请在 Authorization 头中提供 Bearer API 密钥",
                               "Send the platform API key as 'Authorization: Bearer <key>'", headers=challenge)
        platform_id = cache.platform_id_for(web.runtime().db.engine, token.strip())
        if platform_id is None:
            raise Unauthorized("API 密钥无效或已吊销", "The API key is invalid or revoked", headers=challenge)
        g.platform_id = platform_id
        return None
