from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from gateway import web
from gateway.claims.schemas import ClaimListSchema
from gateway.claims.services import current

blp = Blueprint("claims", __name__, url_prefix="/v1/claims",
                description="违规宣传用语列表（动态关键词） / The banned-claim phrase list in force")


@blp.route("")
class Claims(MethodView):
    @blp.response(200, ClaimListSchema)
    def get(self):
        """生效的违规用语列表 / The phrase list listings are screened with now

        Every entry names the article it rests on and explains itself. Staff publish a new
        version with `qingwang claims import FILE`; decisions record the version they used
        (`looked_at.claims_version`).
        """
        return current(web.session())
