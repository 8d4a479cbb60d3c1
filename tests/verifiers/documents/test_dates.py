"""Dates as printed on certificates, to ISO dates."""
from datetime import date

import pytest

from verifiers.documents.dates import LONG_TERM, all_dates, parse_date


@pytest.mark.parametrize("text", ["2023年01月10日", "2023年1月10日", "2023-1-10", "2023.01.10", "2023/01/10",
                                  "发证日期：2023 年 1 月 10 日", "有效期至2023年01月10日止"])
def test_the_ways_a_date_is_printed(text):
    assert parse_date(text) == date(2023, 1, 10)


@pytest.mark.parametrize("text", ["", None, "长期", "2023年13月01日", "2023年02月30日", "1899年01月01日", "23-01-10"])
def test_no_date_or_an_impossible_one_is_none(text):
    assert parse_date(text) is None


def test_all_dates_skips_the_impossible_ones():
    text = "有效期：2020年06月27日至2025年06月26日；2024年02月30日变更"
    assert all_dates(text) == [date(2020, 6, 27), date(2025, 6, 26)]
    assert all_dates("") == [] and all_dates(None) == []


def test_long_term_validity():
    for text in ("长期", "有效期：永久", "无固定期限"):
        assert LONG_TERM.search(text)
    assert not LONG_TERM.search("2025年06月26日")
