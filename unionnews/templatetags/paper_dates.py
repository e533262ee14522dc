"""Dates on readers' pages, as the paper writes them (``unionnews/dates.py``).

``{% load paper_dates %}`` then ``{% time_element value %}``.
"""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from unionnews.dates import date_label

register = template.Library()


@register.simple_tag
def time_element(value) -> str:
    """``<time datetime="2023-07-15">2023年7月15日</time>`` for ``value``: a date, or an aware
    datetime, whose day is taken in the current time zone (the paper's, Asia/Shanghai), as
    Django's ``date`` filter takes it. ``""`` for ``None``.

    The same element as ``|date:'Y-m-d'`` and ``|date:"DATE_FORMAT"`` wrote, at a tenth of
    their cost: the two filters took 36 µs a date, 4.7 ms of the home page's 65 stories
    (issue 11).
    """
    if value is None or value == "":
        return ""
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    return format_html('<time datetime="{}">{}</time>', day.isoformat(), date_label(day))
