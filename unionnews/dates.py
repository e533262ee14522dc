"""Dates as the paper reckons them: in its own time zone (Asia/Shanghai, ``TIME_ZONE``) and
written the Chinese way (2023年7月15日 08:00)."""

from datetime import date, datetime, timedelta

from django.utils import timezone


def month_span(year: int, month: int) -> tuple[datetime, datetime]:
    """The calendar month as ``(start, end)``: aware datetimes in the paper's time zone, from
    the 1st at 00:00 to the next month's 1st, exclusive. Raises ``ValueError`` for a month that
    does not exist (month 13, year 0) and ``OverflowError`` past year 9999."""
    paper_tz = timezone.get_default_timezone()
    start = datetime(year, month, 1, tzinfo=paper_tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=paper_tz)
    return start, end


def next_midnight(moment: datetime) -> datetime:
    """The first midnight in the paper's time zone after ``moment`` (aware)."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return datetime(local.year, local.month, local.day, tzinfo=local.tzinfo) + timedelta(days=1)


def datetime_label(moment: datetime | None) -> str:
    """``2023年7月15日 08:00`` in the paper's time zone; ``""`` for ``None``."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def date_label(day: date | None) -> str:
    """``2023年7月15日``; ``""`` for ``None``."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def month_label(month: date | datetime | None) -> str:
    """``2023年7月``; ``全部月份`` for ``None`` (every month)."""
    return "全部月份" if month is None else f"{month.year}年{month.month}月"


def short_datetime_label(moment: datetime | None) -> str:
    """A compact time for lists: ``7月15日 08:00`` this year, ``2023年7月15日`` before."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    if local.year == timezone.localtime(timezone.now(), local.tzinfo).year:
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local.year}年{local.month}月{local.day}日"
