"""The report font: found where Debian's fonts-noto-cjk puts it (or where the setting says), its
CFF outlines converted to a cached TrueType subset; a missing font names the package."""
from __future__ import annotations

import pytest

from verifiers.reports.fonts import FontNotFound, locate_font, truetype_subset


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
