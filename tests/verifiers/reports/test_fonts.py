"""The report font: found where Debian's fonts-noto-cjk puts it (or where the setting says), its
CFF outlines converted to a cached TrueType subset; a missing font names the package."""
from __future__ import annotations

import pytest

from verifiers.reports.fonts import FontNotFound, base_charset, locate_font, prepare, report_fonts, truetype_subset


def test_conversion_and_cache(tmp_path):
    """CFF outlines become TrueType ones, in a file that is reused, not rebuilt."""
    from fontTools.ttLib import TTFont

    path = truetype_subset(locate_font(), "医疗器械清网ABC123", tmp_path)
    font = TTFont(str(path))
    assert "glyf" in font and "CFF " not in font
    assert {ord(c) for c in "医疗器械清网ABC123"} <= set(font.getBestCmap())
    modified = path.stat().st_mtime_ns
    assert truetype_subset(locate_font(), "清网医疗器械ABC123", tmp_path) == path  # same set, any order
    assert path.stat().st_mtime_ns == modified
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial files left behind


def test_font_location(tmp_path):
    assert locate_font().path.is_file()
    with pytest.raises(FontNotFound, match="does not exist"):
        locate_font(str(tmp_path / "missing.ttc"))
    chosen = locate_font(f"{locate_font().path}#1")
    assert chosen.index == 1


def test_no_font_names_the_package(monkeypatch):
    monkeypatch.setattr("verifiers.reports.fonts.KNOWN_FONTS", (("/nonexistent/a.ttc", 0),))
    with pytest.raises(FontNotFound) as caught:
        locate_font()
    assert "fonts-noto-cjk" in str(caught.value) and "QINGWANG_REPORT_FONT" in str(caught.value)


def test_the_base_set_is_ascii_gb2312_and_form_typography():
    chars = base_charset()
    assert len(chars) == 7620
    assert {chr(c) for c in range(0x20, 0x7F)} <= chars
    assert set("医疗器械经营许可证（）：、。℃±Ⅲ①") <= chars
    # rare name characters are outside it: they go into the supplementary font
    assert not set("赟旻琇镕禛") & chars
    assert "\n" not in chars


def test_report_fonts_add_a_supplement_only_for_rare_characters():
    # the default cache, as test_render_pdf uses it: the base font is converted once per machine
    plain = report_fonts("深圳示例医疗器械有限公司 2026-11")
    assert plain.base.is_file() and plain.extra is None
    assert prepare() == plain.base  # the deployment step builds the same file
    rare = report_fonts("法定代表人：李赟\n")
    assert rare.base == plain.base and rare.extra is not None and rare.extra.is_file()
    assert report_fonts("王旻").extra != rare.extra  # one supplement per set of rare characters
