"""`{% weather_ticker %}`: the weather ticker of the top bar.

Each shown station's latest reading as the reference page shows it (`구름많음 동두천 29.3℃`), with
the observation time and `기상청 제공`. At most one query per page, none while the cache is warm.
Renders nothing when there is no reading at all, so the bar stays tidy.

The ticker is a live part of the page cache (newsroom.pagecache.pages): a cached page gets the
ticker of the moment it is served, so a new reading shows on every page at once and "current" turns
"stale" with time, not with the next save of an article.
"""

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

from newsroom import pagecache
from newsroom.pagecache.generation import local_memo
from weather.ticker import current_ticker, item_time_label

register = template.Library()

# The rendered ticker, kept by this process for PAGE_CACHE_LOCAL_SECONDS (cleared when readings
# or stations change here; see weather.ticker).
_rendered = local_memo()


def ticker_context(now=None) -> dict:
    ticker = current_ticker(now=now or timezone.now())
    items = [
        {"item": item, "own_time": item_time_label(item.observed_at, as_of=ticker.as_of)}
        for item in ticker.items
    ]
    return {"ticker": ticker, "items": items}


def render_ticker(request=None, argument: str = "") -> str:
    """The page cache's live part "weather"."""
    return _rendered.get(
        "ticker", lambda: render_to_string("weather/_ticker.html", ticker_context())
    )


@register.simple_tag(takes_context=True)
def weather_ticker(context) -> str:
    return pagecache.live_part(context.get("request"), "weather")


@register.filter
def html_datetime(value) -> str:
    """`2025-08-26T15:00:00+09:00` for `<time datetime>`: Korea's time in whole seconds (HTML
    allows at most three decimals, Django's `date:'c'` writes six)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""
