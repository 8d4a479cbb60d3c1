"""Report periods: parsing, ranges in Beijing time, labels, and clear refusals."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from verifiers.reports.periods import CHINA_TZ, PeriodError, parse_period


@pytest.mark.parametrize("text, key, kind, start, end, label_zh, label_en", [
    ("2026-11", "2026-11", "month", date(2026, 11, 1), date(2026, 12, 1), "2026年11月", "November 2026"),
    ("2026-12", "2026-12", "month", date(2026, 12, 1), date(2027, 1, 1), "2026年12月", "December 2026"),
    ("2026-2", "2026-02", "month", date(2026, 2, 1), date(2026, 3, 1), "2026年2月", "February 2026"),
    ("2026-Q4", "2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1), "2026年第四季度", "Q4 2026"),
    ("2026-q1", "2026-Q1", "quarter", date(2026, 1, 1), date(2026, 4, 1), "2026年第一季度", "Q1 2026"),
    ("2026-Q2", "2026-Q2", "quarter", date(2026, 4, 1), date(2026, 7, 1), "2026年第二季度", "Q2 2026"),
    ("2026", "2026", "year", date(2026, 1, 1), date(2027, 1, 1), "2026年度", "2026"),
    (" 2028-02 ", "2028-02", "month", date(2028, 2, 1), date(2028, 3, 1), "2028年2月", "February 2028"),
])
def test_periods(text, key, kind, start, end, label_zh, label_en):
    period = parse_period(text)
    assert (period.key, period.kind, period.start, period.end) == (key, kind, start, end)
    assert (period.label_zh, period.label_en) == (label_zh, label_en)
    assert period.last_day == end - timedelta(days=1)


def test_range_written_out_for_the_header():
    assert parse_period("2026-11").range_zh == "2026年11月1日至2026年11月30日"
    assert parse_period("2028-02").range_zh == "2028年2月1日至2028年2月29日"  # a leap year


def test_boundaries_are_beijing_midnight():
    november = parse_period("2026-11")
    assert november.start_at == datetime(2026, 11, 1, tzinfo=CHINA_TZ)
    # 2026-11-30 23:30 in Beijing is 15:30 UTC: still November.
    assert november.contains(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    # 16:00 UTC on the 30th is midnight on 1 December in Beijing: the next period (half-open).
    assert not november.contains(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert november.contains(datetime(2026, 10, 31, 16, 0, tzinfo=UTC))
    assert not november.contains(datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        parse_period("2026-11").contains(datetime(2026, 11, 3))


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("   ", "empty"), (None, "empty"),
    ("2026-13", "month"), ("2026-00", "month"), ("2026-Q5", "quarter"), ("2026-Q0", "quarter"),
    ("1999", "year"), ("2100-01", "year"),
    ("26-11", "format"), ("2026/11", "format"), ("2026-11-01", "format"), ("Nov 2026", "format"),
    ("2026-H2", "format"), ("2026年11月", "format"), ("2026-Q4-1", "format"),
])
def test_nonsense_is_refused_in_both_languages(text, reason):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert caught.value.reason == reason
    zh, sep, en = caught.value.message.partition(" / ")
    assert sep and any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert en.replace(str(text).strip(), "").isascii()  # English, apart from the echoed input
