"""Report periods (统计期间): ``2026-11``, ``2026-Q4`` or ``2026``.

A period is a half-open range of calendar dates ``[start, end)`` in Beijing time: the bureaus
count by the local calendar, so an event at 2026-11-30 23:30+08:00 (15:30 UTC) belongs to
November. China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact
and needs no time-zone database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

#: Beijing time (北京时间), the clock every report date and count is kept in.
CHINA_TZ = timezone(timedelta(hours=8), "UTC+08:00")

_QUARTERS_ZH = ("第一季度", "第二季度", "第三季度", "第四季度")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_FORMS = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{1,2})|[Qq](?P<quarter>\d)))?$")
#: Reports cover the gateway's working life; a year outside this is a typo, not a period.
MIN_YEAR, MAX_YEAR = 2000, 2099


class PeriodError(ValueError):
    """Text that is not a period. ``reason`` is a stable ASCII code; ``message`` is "中文 / English"."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Period:
    key: str  # canonical text: 2026-11, 2026-Q4, 2026
    kind: str  # month | quarter | year
    start: date  # first day, inclusive
    end: date  # first day after the period, exclusive
    label_zh: str  # 2026年11月, 2026年第四季度, 2026年度
    label_en: str  # November 2026, Q4 2026, 2026

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        """The first instant of the period, Beijing time."""
        return datetime.combine(self.start, time(), CHINA_TZ)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period, Beijing time (exclusive)."""
        return datetime.combine(self.end, time(), CHINA_TZ)

    def contains(self, moment: datetime) -> bool:
        """Whether an aware datetime falls in the period (naive ones are refused: their zone is a guess)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"时间缺少时区：{moment.isoformat()} / a datetime without a time zone: {moment.isoformat()}")
        return self.start_at <= moment < self.end_at

    @property
    def range_zh(self) -> str:
        """``2026年11月1日至2026年11月30日``: the dates written out, for the report header."""
        return f"{date_zh(self.start)}至{date_zh(self.last_day)}"


def date_zh(day: date) -> str:
    """``2026年11月1日``: how an official form writes a date."""
    return f"{day.year}年{day.month}月{day.day}日"


def parse_period(text: str) -> Period:
    """The period named by ``2026-11`` (a month), ``2026-Q4`` (a quarter) or ``2026`` (a year).

    Surrounding spaces and a lower-case ``q`` are accepted; anything else raises
    :class:`PeriodError` with a bilingual message saying what was expected.
    """
    if not isinstance(text, str) or not text.strip():
        raise PeriodError("empty", "统计期间为空，应为 2026-11、2026-Q4 或 2026 / "
                                   "the period is empty; expected 2026-11, 2026-Q4 or 2026")
    cleaned = text.strip()
    match = _FORMS.match(cleaned)
    if not match:
        raise PeriodError("format", f"无法识别的统计期间“{cleaned}”，应为 2026-11（月）、2026-Q4（季度）或 2026（年度） / "
                                    f"unrecognised period {cleaned!r}; expected 2026-11 (month), 2026-Q4 (quarter) "
                                    f"or 2026 (year)")
    year = int(match["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError("year", f"年份{year}超出范围（{MIN_YEAR}–{MAX_YEAR}） / "
                                  f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise PeriodError("month", f"月份应为1至12：“{cleaned}” / the month must be 1 to 12: {cleaned!r}")
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period(f"{year}-{month:02d}", "month", start, end, f"{year}年{month}月",
                      f"{_MONTHS_EN[month - 1]} {year}")
    if match["quarter"] is not None:
        quarter = int(match["quarter"])
        if not 1 <= quarter <= 4:
            raise PeriodError("quarter", f"季度应为Q1至Q4：“{cleaned}” / the quarter must be Q1 to Q4: {cleaned!r}")
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Period(f"{year}-Q{quarter}", "quarter", start, end, f"{year}年{_QUARTERS_ZH[quarter - 1]}",
                      f"Q{quarter} {year}")
    return Period(str(year), "year", date(year, 1, 1), date(year + 1, 1, 1), f"{year}年度", str(year))


_KIND_OF_CADENCE = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}


def period_containing(kind: str, day: date) -> Period:
    """The ``month``, ``quarter`` or ``year`` (or cadence: ``monthly`` …) that ``day`` falls in."""
    kind = _KIND_OF_CADENCE.get(kind, kind)
    if kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "year":
        return parse_period(str(day.year))
    raise ValueError(f"unknown period kind {kind!r}")


def last_complete_period(kind: str, day: date) -> Period:
    """The latest period of ``kind`` that ended before ``day`` (Beijing date): on 2026-12-03 the
    month is 2026-11, the quarter 2026-Q3, the year 2025."""
    current = period_containing(kind, day)
    return period_containing(current.kind, current.start - timedelta(days=1))


def following_period(period: Period) -> Period:
    """The period of the same kind right after ``period``."""
    return period_containing(period.kind, period.end)
