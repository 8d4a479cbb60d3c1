"""The answer to a bureau: what it says and its three formats."""
import io
import json
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from verifiers.leads.answer import (AnswerAction, LeadAnswerFacts, LeadStep, MatchedSubject, build_answer, render_json,
                                    render_pdf, render_xlsx)
from verifiers.reports.model import PlatformFacts
from verifiers.reports.periods import CHINA_TZ


def facts(**overrides):
    values = dict(
        lead_id="lead_1", reference="GJ-1", source="nmpa_transfer", region="440305", region_name="广东省深圳市南山区",
        received_at=datetime(2026, 11, 2, 9, tzinfo=CHINA_TZ), due_at=datetime(2026, 11, 17, 9, tzinfo=CHINA_TZ),
        description="注册证信息不一致", subject={"shop_name": "示例医疗旗舰店", "registration_number": "国械注准20203140456"},
        state="answered", reviewer="张三", finding="核查属实", answered_at=datetime(2026, 11, 10, tzinfo=timezone.utc),
        actions=(AnswerAction("listing_removed", datetime(2026, 11, 5, tzinfo=timezone.utc)),
                 AnswerAction("rectification_ordered", datetime(2026, 11, 5, tzinfo=timezone.utc),
                              datetime(2026, 11, 12, tzinfo=timezone.utc), "限期整改")),
        matches=(MatchedSubject("listing", 0.99, ("listing_external_id", "shop_name"), "深圳示例医疗器械有限公司",
                                "9144030071526726XG", "shop-1", "示例医疗旗舰店", "sku-77", "注射器", "国械注准20203140456"),),
        violation_ids=("vio_1",), document_sha256s=("ab" * 32,),
        steps=(LeadStep(datetime(2026, 11, 2, 1, tzinfo=timezone.utc), "transition", "api", None, "received", "api"),
               LeadStep(datetime(2026, 11, 3, tzinfo=timezone.utc), "transition", "api", "received", "assigned", "分办")))
    values.update(overrides)
    return LeadAnswerFacts(**values)


PLATFORM = PlatformFacts("示例商城", "91110000000000000X", "（京）网械平台备字（2020）第00001号", "110000", "王五")

def test_the_answer_says_what_a_bureau_reads():
    answer = build_answer(PLATFORM, facts())
    assert answer.in_time
    assert answer.field("reference").value == "GJ-1" and answer.field("source").value == "国家药监局移送线索"
    assert "9144030071526726XG" in answer.field("matches").value and "商品编号" in answer.field("matches").value
    assert "商品下架" in answer.field("actions").value and "限期整改" in answer.field("actions").value
    assert answer.field("violations").value == "vio_1" and answer.field("in_time").value == "按期反馈"
    assert "已接收→已分办" in answer.field("steps").value
    late = build_answer(PLATFORM, facts(answered_at=datetime(2026, 11, 20, tzinfo=timezone.utc), matches=()))
    assert not late.in_time and late.field("in_time").value == "逾期反馈"
    assert late.field("matches").value.startswith("未能比对")
    with pytest.raises(ValueError):
        facts(received_at=datetime(2026, 11, 2))


def test_the_answer_renders_in_three_formats():
    answer = build_answer(PLATFORM, facts())
    data = json.loads(render_json(answer))
    assert data["schema"] == "qingwang.lead-answer/1" and data["in_time"] is True
    assert data["actions"][1]["deadline"].startswith("2026-11-12")
    sheet = load_workbook(io.BytesIO(render_xlsx(answer))).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert values[0] == "线索核查处置情况反馈" and "二、线索情况" in values and "GJ-1" in values
    hostile = load_workbook(io.BytesIO(render_xlsx(build_answer(PLATFORM, facts(description="=HYPERLINK(\"x\")\x07")))))
    cell = next(c for row in hostile.active.iter_rows() for c in row if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x")'  # text, not a formula; BEL dropped
    pdf = render_pdf(answer)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
