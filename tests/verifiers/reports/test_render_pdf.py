"""The PDFs, read back with pdfplumber: Chinese headers, every number, the font embedded."""
from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont

from samples.report_world import make_report_world
from verifiers.reports import render_pdf
from verifiers.reports.fonts import base_charset, report_fonts
from verifiers.reports.forms import CASE_INDEX, build_immediate_report, build_periodic_report
from verifiers.reports.periods import parse_period
from verifiers.reports.render_pdf import render_immediate_report, render_periodic_report
from verifiers.reports.routing import default_directory

from .support import GENERATED_AT, LEADS, PLATFORM, V1, VIOLATIONS, bj


@pytest.fixture(scope="module")
def font_cache():
    # The default cache, as in production: the base font is converted once (~7 s) per machine,
    # not once per test run. test_conversion_and_cache covers converting into a fresh cache.
    return None


@pytest.fixture(scope="module")
def report():
    return build_periodic_report(platform=PLATFORM, region="440000", period=parse_period("2026-11"),
                                 violations=VIOLATIONS, leads=LEADS, merchants_checked=57, generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def pdf_bytes(report, font_cache):
    return render_periodic_report(report, font_cache=font_cache)


@pytest.fixture(scope="module")
def pages(pdf_bytes):
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return [(page.extract_text(), page.extract_tables()) for page in pdf.pages]


def test_cover(pages, report):
    text = pages[0][0]
    assert "医疗器械网络交易监测处置情况报告" in text
    assert "报送机关：广东省药品监督管理局" in text
    assert "平台备案编号：（浙）网械平台备字[2019]第00099号" in text
    assert "统计期间：2026年11月（2026年11月1日至2026年11月30日）" in text
    assert "案件数：3" in text and report.case_digest in text


def test_form1(pages):
    text, tables = pages[1]
    assert "附件1" in text and "医疗器械“清网”行动监督检查情况表" in text
    assert "单位名称（公章）：示例健康商城（杭州）网络科技有限公司" in text and "日期：2026年12月1日" in text
    (table,) = tables
    assert table[0] == ["", "监督检查企\n业数", "责令整改企\n业数", "约谈企\n业数", "查处违法违\n规案件数", "行政处罚情况",
                        None, None, None, None, None, "移送公安机\n关案件数", "移送网信、通信\n主管部门网站数", "公开曝光企\n业数"]
    assert [re.sub(r"\s", "", c) for c in table[1][5:11]] == ["警告", "罚款（万元）", "没收违法所得（万元）", "没收非法财物", "责令停业",
                                                             "吊销许可证（张）"]
    assert table[2] == ["医疗器械网络销售企业", "57", "2", "1", "3", "", "", "", "", "", "", "1", "1", "1"]
    assert table[3] == ["医疗器械网络交易服务第三方平台"] + [""] * 13  # blank, never 0


def test_form2(pages):
    text, tables = pages[2]
    assert "附件2" in text and "网络监测处置情况表" in text and "填报单位：" in text
    (table,) = tables
    assert table[0][0] == "" and table[0][5] == "行政处罚情况" and table[0][-1] == "重点案件情况"
    rows = {row[0]: row[1:] for row in table[2:]}
    assert rows == {
        "国家药监局移送线索": ["2", "1", "1", "2", "", "", "", "", "", "", "1", "1", "1件：L-1"],
        "省局网络监测线索": ["2", "2", "1", "1", "", "", "", "", "", "", "1", "0", "无"],
        "外省移送线索": ["0", "0", "0", "0", "", "", "", "", "", "", "0", "0", "无"],
    }
    assert "平台自行监测线索1条、投诉举报线索1条" in text


def test_summary_and_case_list(pages):
    text, tables = pages[3]
    assert tables[0][0] == ["违法违规类型", "立即停止并报告", "责令改正，未改\n正的报告", "合计"]
    assert tables[0][-1] == ["合计", "2", "1", "3"]
    assert "共3件。" in text
    lines = text.splitlines()
    assert "序号 案件编号 发现时间 企业名称 统一社会信用代码 产品名称（注册证/备案编号） 违法违规类型 处置分级 已采取措施" in lines
    assert any(line.startswith("1 V-0001 2026-11-03 10:00 深圳康宁医疗器械有限公司 91440300MA5F000001 医用外科口罩（粤械注准20192140001）")
               for line in lines)
    assert any(line.startswith("3 V-0003 2026-11-30 23:30 广州仁和医疗用品有限公司") for line in lines)
    assert "第4页／共4页" in text


def test_the_font_is_embedded_as_a_truetype_subset(pdf_bytes):
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        fonts = {}
        for page in pdf.pages:
            for name, font in page.page_obj.resources["Font"].items():
                fonts[name] = font.resolve() if hasattr(font, "resolve") else font
    assert fonts
    for font in fonts.values():
        descendant = font["DescendantFonts"][0].resolve()
        descriptor = descendant["FontDescriptor"].resolve()
        assert descendant["Subtype"].name == "CIDFontType2"  # TrueType outlines: readable by every extractor
        assert "FontFile2" in descriptor  # embedded, not referenced
        assert re.match(r"^[A-Z]{6}\+", font["BaseFont"].name)  # a subset
    assert len(pdf_bytes) < 200_000  # the subset, not the 16 MB collection


def test_bilingual(report, font_cache):
    with pdfplumber.open(io.BytesIO(render_periodic_report(report, lang="bilingual", font_cache=font_cache))) as pdf:
        text = pdf.pages[1].extract_text()
    assert "Medical device 'Clean Web' action: supervision and inspection" in text
    assert "Attachment 1" in text


def test_long_case_lists_are_cut_with_a_pointer_to_the_full_list(font_cache):
    world = make_report_world(300, seed=5)
    report = build_periodic_report(platform=world.platform, region=world.region, period=parse_period(world.period),
                                   violations=world.violations, leads=world.leads,
                                   merchants_checked=world.merchants_checked, generated_at=GENERATED_AT)
    data = render_periodic_report(report, case_limit=40, font_cache=font_cache)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    total = len(report.cases)
    assert f"共{total}件，本PDF列出其中40件" in text and f"其余{total - 40}件" in text
    assert report.case_digest in text
    listed = re.findall(r"^\d+ (V-\d{7}) ", text, flags=re.MULTILINE)
    assert len(listed) == 40
    urgent = {row[1] for row in report.cases if row[CASE_INDEX["tier"]] == "stop_and_report"}
    assert set(listed) <= urgent  # stop-and-report cases come first


def test_rare_characters_use_the_fallback_font(font_cache):
    rare = dataclasses.replace(PLATFORM, contact_person="王赟旻")
    assert "赟" not in base_charset()
    report = build_immediate_report(platform=rare, violation=V1, bureaus=(default_directory().municipal_bureau("440305"),),
                                    reported_at=bj(3, 11))
    with pdfplumber.open(io.BytesIO(render_immediate_report(report, font_cache=font_cache))) as pdf:
        assert "王赟旻" in pdf.pages[0].extract_text()
    # ...and in the periodic report's case list, which is drawn line by line.
    seller = dataclasses.replace(V1.merchant, name="旻琇镕医疗器械有限公司")
    periodic = build_periodic_report(platform=rare, region="440000", period=parse_period("2026-11"),
                                     violations=(dataclasses.replace(V1, merchant=seller),), generated_at=GENERATED_AT)
    with pdfplumber.open(io.BytesIO(render_periodic_report(periodic, font_cache=font_cache))) as pdf:
        assert "1 V-0001 2026-11-03 10:00 旻琇镕医疗器械有限公司" in pdf.pages[3].extract_text()
    fonts = report_fonts("王赟旻", cache_dir=font_cache)
    assert fonts.extra is not None and fonts.extra.stat().st_size < fonts.base.stat().st_size / 50


def test_fixed_labels_need_no_fallback_font():
    """Every character the report code itself writes is in the base font, so only data can need the
    fallback (render_pdf collects only the data's characters)."""
    import ast

    import verifiers.reports

    folder = Path(verifiers.reports.__file__).parent
    strings = []
    for name in ("model.py", "periods.py", "routing.py", "forms.py", "render_pdf.py"):  # what reaches a PDF
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        strings += [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                    and isinstance(node.value, str) and id(node) not in docstrings]
    assert len(strings) > 300
    assert {c for text in strings for c in text if ord(c) > 0x7F and c not in base_charset()} == set()


def test_immediate_report(font_cache):
    bureaus = default_directory().route(seller_region="440305", platform_region="330106", rule="both")
    report = build_immediate_report(platform=PLATFORM, violation=V1, bureaus=bureaus, reported_at=bj(3, 11))
    with pdfplumber.open(io.BytesIO(render_immediate_report(report, font_cache=font_cache))) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    for expected in ("医疗器械网络交易违法行为报告", "报告时间：2026-11-03 11:00", "一、报告单位", "平台备案编号",
                     "深圳市市场监督管理局（名称依命名规则生成，待核实）", "浙江省药品监督管理局", "三、涉事企业（入驻企业档案）",
                     "平台内唯一标识 shop-1001", "店铺链接 https://shop.example.com/1001", "标称注册证/备案编号 粤械注准20192140001",
                     "与国家药监局/UDI数据比对 否", "违法违规类型 销售未经注册或者备案的医疗器械", "处置分级 立即停止并报告",
                     "2026-11-03 10:05:00+08:00 商品下架", "a" * 64, "八、整改情况"):
        assert expected in text, expected


def _fpdf2_add_font(pdf, family, path):
    pdf.add_font(family, fname=str(path))


def _embedded_fonts(data: bytes) -> dict[str, TTFont]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        fonts = {}
        for page in pdf.pages:
            for name, font in page.page_obj.resources["Font"].items():  # by resource: both are MPDFAA+Noto…
                font = font.resolve()
                descriptor = font["DescendantFonts"][0].resolve()["FontDescriptor"].resolve()
                fonts[name] = TTFont(io.BytesIO(descriptor["FontFile2"].resolve().get_data()))
    return fonts


def _text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() for page in pdf.pages)


def test_the_embedded_subset_keeps_the_whole_fonts_bounds_and_nothing_else_differs(monkeypatch, font_cache):
    """Each PDF embeds what fpdf2's own add_font gives, glyph for glyph and byte for byte, except
    the summary bounds, left at the whole font's (see render_pdf._add_font); and it embeds only
    its own glyphs, whatever the process rendered before."""
    bureaus = default_directory().route(seller_region="440305", platform_region="330106", rule="both")
    plain = build_immediate_report(platform=PLATFORM, violation=V1, bureaus=bureaus, reported_at=bj(3, 11))
    other = dataclasses.replace(PLATFORM, name="鑫淼垚医疗科技有限公司", contact_person="王赟旻")  # 垚赟旻: the fallback
    rare = build_immediate_report(platform=other, violation=V1, bureaus=bureaus, reported_at=bj(3, 11))
    first = render_immediate_report(plain, font_cache=font_cache)
    ours = [render_immediate_report(r, font_cache=font_cache) for r in (rare, plain, rare)]
    assert first == ours[1] and ours[0] == ours[2]  # byte for byte, after a PDF with other glyphs
    monkeypatch.setattr(render_pdf, "_add_font", _fpdf2_add_font)
    theirs = [render_immediate_report(r, font_cache=font_cache) for r in (rare, plain)]
    whole = TTFont(report_fonts("", cache_dir=font_cache).base)["head"]
    for our_pdf, their_pdf in zip(ours, theirs):
        assert abs(len(our_pdf) - len(their_pdf)) < 50
        assert _text(our_pdf) == _text(their_pdf)
        our_fonts, their_fonts = _embedded_fonts(our_pdf), _embedded_fonts(their_pdf)
        assert our_fonts.keys() == their_fonts.keys() and len(our_fonts) == (2 if our_pdf is ours[0] else 1)
        for name, font in our_fonts.items():
            exact = their_fonts[name]
            assert font.getGlyphOrder() == exact.getGlyphOrder()
            assert sorted(font.reader.tables) == sorted(exact.reader.tables)
            for tag in font.reader.tables:
                if tag not in ("head", "hhea", "maxp"):
                    assert font.reader[tag] == exact.reader[tag], tag
            head = font["head"]
            assert head.xMin <= exact["head"].xMin and head.yMin <= exact["head"].yMin
            assert head.xMax >= exact["head"].xMax and head.yMax >= exact["head"].yMax
            assert font["maxp"].maxPoints >= exact["maxp"].maxPoints
            assert font["hhea"].advanceWidthMax >= exact["hhea"].advanceWidthMax
        # F1 is the base font ("cjk", added first). Its bounds were not recalculated: if a later
        # fpdf2 reopens the font before saving, this fails and 30-45% of the CPU is back (_add_font).
        base = our_fonts["F1"]["head"]
        assert (base.xMin, base.yMin, base.xMax, base.yMax) == (whole.xMin, whole.yMin, whole.xMax, whole.yMax)
