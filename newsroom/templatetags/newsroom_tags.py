from datetime import datetime

from django import template
from django.utils import timezone

from newsroom import pagecache

register = template.Library()

KOREAN_WEEKDAYS = "월화수목금토일"


def date_bar_text(now: datetime | None = None) -> str:
    """Today's date in Korea as the date bar shows it: `2025.08.26 (화)`."""
    local = timezone.localtime(now or timezone.now())
    return f"{local:%Y.%m.%d} ({KOREAN_WEEKDAYS[local.weekday()]})"


def render_date_bar(request, argument: str = "") -> str:
    """The page cache's live part "date": the day turns at midnight, not when a page is saved."""
    return date_bar_text()


@register.simple_tag(takes_context=True)
def korean_date_bar(context) -> str:
    return pagecache.live_part(context.get("request"), "date")


@register.simple_tag(takes_context=True)
def breaking_news(context) -> str:
    """The 속보 banner (newsroom.site.breaking), filled per request on cached pages too."""
    return pagecache.live_part(context.get("request"), "breaking")


@register.filter
def korean_datetime(value: datetime | None) -> str:
    """`2025.08.26 14:05` in Korea's time, as bylines show 입력/수정 times."""
    if not value:
        return ""
    return f"{timezone.localtime(value):%Y.%m.%d %H:%M}"
