"""`{% weather_ticker %}`: the weather ticker of the top bar.

Each shown station's latest reading as the reference page shows it (`구름많음 동두천 29.3℃`), with
the observation time and `기상청 제공`. At most one query per page, none while the cache is warm.
Renders nothing when there is no reading at all, so the bar stays tidy.
"""

from django import template
from django.utils import timezone

from weather.ticker import current_ticker, item_time_label

register = template.Library()


@register.inclusion_tag("weather/_ticker.html")
def weather_ticker():
    ticker = current_ticker(now=timezone.now())
    items = [
        {"item": item, "own_time": item_time_label(item.observed_at, as_of=ticker.as_of)}
        for item in ticker.items
    ]
    return {"ticker": ticker, "items": items}


@register.filter
def html_datetime(value) -> str:
    """`2025-08-26T15:00:00+09:00` for `<time datetime>`: Korea's time in whole seconds (HTML
    allows at most three decimals, Django's `date:'c'` writes six)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""
