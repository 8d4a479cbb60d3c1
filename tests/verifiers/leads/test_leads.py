"""The pure side of leads: the state machine, matching and its confidences, reading a bureau's
sheet, and the answer's content."""
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from verifiers.leads.answer import (AnswerAction, LeadAnswerFacts, LeadStep, MatchedSubject, build_answer, render_json,
                                    render_pdf, render_xlsx)
from verifiers.leads.matching import (ListingCandidate, MerchantCandidate, combine, match_status, match_subject,
                                      normalise_name, normalise_url)
from verifiers.leads.sheet import SheetError, parse_moment, parse_sheet, parse_source
from verifiers.leads.states import STATES, TransitionNotAllowed, check_disposal, check_transition
from verifiers.reports.model import PlatformFacts
from verifiers.reports.periods import CHINA_TZ

MERCHANTS = [
    MerchantCandidate("m1", "shop-1", "深圳示例医疗器械有限公司", "9144030071526726XG", "示例医疗旗舰店",
                      "https://shop.example.com/s/1001"),
    MerchantCandidate("m2", "shop-2", "广州另一器械贸易有限公司", "91440101MA59XXXX0X", "另一器械专营店"),
    MerchantCandidate("m3", "shop-3", "深圳示例医疗用品有限公司", "91440300000000000X", "示例医疗用品店"),
]
LISTINGS = [
    ListingCandidate("l1", "m1", "sku-77", "一次性使用无菌注射器 5ml", "一次性使用无菌注射器", "https://item.example.com/p/77",
                     "国械注准20203140456"),
    ListingCandidate("l2", "m2", "sku-88", "医用口罩", "医用外科口罩", None, "粤械注准20202140001"),
    ListingCandidate("l3", "m2", "sku-99", "注射器", "一次性使用无菌注射器", None, "国械注准20203140456"),
]


def test_the_loop_moves_one_step_at_a_time():
    path = ["received", "assigned", "verifying", "disposed", "answered", "closed"]
    assert list(STATES) == path
    for current, target in zip(path, path[1:]):
        check_transition(current, target)
    check_transition("verifying", "assigned")  # handed to another reviewer
    for current, target in (("received", "verifying"), ("disposed", "verifying"), ("closed", "received"),
                            ("answered", "disposed"), ("received", "closed")):
        with pytest.raises(TransitionNotAllowed) as info:
            check_transition(current, target)
        assert info.value.current == current
    assert check_disposal(["no_violation"]) is None
    assert check_disposal(["rectification_ordered", "listing_removed"]) is None
    assert "combined" in check_disposal(["no_violation", "listing_removed"])
    assert "at least one" in check_disposal([])
    assert "unknown" in check_disposal(["fined"])


def test_normalisation():
    assert normalise_name("（深圳） 示例·医疗 旗舰店") == "深圳示例医疗旗舰店"
    assert normalise_name("ＡＢＣ 医疗") == "abc医疗"
    assert normalise_url("HTTPS://www.Shop.Example.com/s/1001/#top") == "shop.example.com/s/1001"
    assert normalise_url("shop.example.com/s/1001") == "shop.example.com/s/1001"
    assert combine([0.7, 0.6]) == pytest.approx(0.88)
    assert combine([]) == 0.0


def test_identifiers_make_certain_matches():
    matches = match_subject({"uscc": "9144030071526726xg"}, MERCHANTS, LISTINGS)
    assert [(m.kind, m.merchant_id, m.confidence) for m in matches] == [("merchant", "m1", 1.0)]
    assert match_status(matches) == "matched"
    matches = match_subject({"listing_url": "http://item.example.com/p/77/"}, MERCHANTS, LISTINGS)
    assert matches[0].listing_id == "l1" and matches[0].confidence == pytest.approx(0.98)
    matches = match_subject({"shop_url": "shop.example.com/s/1001"}, MERCHANTS, [])
    assert matches[0].merchant_id == "m1" and matches[0].evidence[0].field == "shop_url"


def test_a_registration_number_alone_gives_candidates_and_a_shop_name_settles_it():
    matches = match_subject({"registration_number": "国械注准20203140456"}, MERCHANTS, LISTINGS,
                            registration_key="国械注准20203140456")
    assert {m.listing_id for m in matches} == {"l1", "l3"}
    assert match_status(matches) == "candidates" and all(m.confidence < 0.9 for m in matches)
    both = match_subject({"registration_number": "国械注准20203140456", "shop_name": "示例医疗旗舰店"}, MERCHANTS, LISTINGS,
                         registration_key="国械注准20203140456")
    assert both[0].listing_id == "l1" and both[0].confidence > 0.98 and match_status(both) == "matched"
    assert {a.field for a in both[0].evidence} == {"registration_number", "shop_name"}


def test_similar_names_are_weaker_and_product_names_never_match_alone():
    matches = match_subject({"enterprise_name": "深圳示例医疗器械公司"}, MERCHANTS, [])
    assert matches[0].merchant_id == "m1" and matches[0].evidence[0].method == "fuzzy"
    assert 0.4 < matches[0].confidence < 0.9
    assert all(m.merchant_id != "m2" for m in matches)
    assert match_subject({"product_name": "一次性使用无菌注射器"}, MERCHANTS, LISTINGS) == []
    assert match_subject({"shop_name": "毫不相干"}, MERCHANTS, LISTINGS) == []


def test_source_and_dates_as_bureaus_write_them():
    assert parse_source("国家药监局移送线索") == "nmpa_transfer"
    assert parse_source("省局网络监测") == "provincial_monitoring"
    assert parse_source("外省移送") == "other_province"
    assert parse_source("投诉举报") == "complaint"
    assert parse_source("complaint") == "complaint"
    assert parse_source("") is None
    with pytest.raises(ValueError):
        parse_source("报纸")
    midnight = datetime(2026, 11, 30, tzinfo=CHINA_TZ)
    for text in ("2026-11-30", "2026/11/30", "2026年11月30日", "20261130", "2026.11.30", date(2026, 11, 30), 46356):
        assert parse_moment(text) == midnight, text
    assert parse_moment("2026-11-30 09:30") == midnight + timedelta(hours=9, minutes=30)
    assert parse_moment(None) is None
    with pytest.raises(ValueError):
        parse_moment("下周一")


def test_parse_sheet_finds_the_header_and_names_bad_rows():
    rows = [(1, ["某某省药品监督管理局线索移交表"]),
            (3, ["线索编号", "线索来源", "地区代码", "移送日期", "店铺名称", "问题描述", "无关列"]),
            (4, ["A-1", "国家局移送", "440305", "2026-11-30", "示例店", "描述一"]),
            (5, ["A-2", "", "440305", "2026-11-30", "示例店", "描述二"]),
            (6, ["A-3", "省局监测", "440305.0", "2026-11-31", "", ""]),
            (7, ["A-4", "外省移送", "广东省 深圳市", "2026-11-30", "某店", "描述四"]),
            (8, ["A-5", "外省移送", "市辖区", "2026-11-30", "某店", "描述五"])]
    parsed = parse_sheet(rows)
    assert parsed.columns["description"] == "问题描述" and parsed.ignored_headers == ["无关列"]
    assert [(row, body["reference"], body["source"], body["region"]) for row, body in parsed.leads] == [
        (4, "A-1", "nmpa_transfer", "440305"), (7, "A-4", "other_province", "440300")]  # a place name read as its code
    assert [e.row for e in parsed.errors] == [5, 6, 8]
    assert "市辖区" in parsed.errors[2].zh  # names no one place
    assert "缺少线索来源" in parsed.errors[0].zh
    assert "不是日期" in parsed.errors[1].zh and "no subject" in parsed.errors[1].en
    assert str(parsed.errors[0]).startswith("第5行")
    defaulted = parse_sheet(rows[:2] + [rows[3]], default_source="complaint")
    assert defaulted.leads[0][1]["source"] == "complaint"
    with pytest.raises(SheetError):
        parse_sheet([(1, ["a", "b"]), (2, [1, 2])])


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
