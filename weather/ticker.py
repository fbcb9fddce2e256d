"""What the top bar's weather ticker shows, read through the cache.

The cache holds plain data (the newest reading of every shown station); whether a reading is
still current is decided at render time, so a cached entry never turns stale data into
"current" data. `refresh_ticker()` runs whenever readings are stored, `forget_ticker()` when a
station changes; the timeout only bounds how long another process's local-memory cache may lag
(with Redis every process sees the refresh at once). Both also clear this process's memo of the
rendered ticker (weather_tags, PAGE_CACHE_LOCAL_SECONDS); other processes' memos expire within
that many seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from newsroom.pagecache.generation import clear_local_memos

from .kma import CREDIT, FUTURE_TOLERANCE
from .models import WeatherReading

log = logging.getLogger(__name__)

TICKER_CACHE_KEY = "weather:ticker:v1"
TICKER_CACHE_SECONDS = 300


@dataclass(frozen=True)
class TickerItem:
    station: str
    sky: str
    temperature: str  # `29.3℃`
    observed_at: datetime

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.sky, self.station, self.temperature) if part)


@dataclass(frozen=True)
class Ticker:
    items: list[TickerItem]
    as_of: datetime | None  # newest observation shown
    is_stale: bool  # nothing current: the items are the last known readings
    credit: str = CREDIT

    @property
    def as_of_label(self) -> str:
        return time_label(self.as_of, now=timezone.now()) if self.as_of else ""


def _load() -> list[dict]:
    rows = []
    for reading in WeatherReading.objects.latest_per_station():
        if reading.temperature is None:
            continue  # nothing worth a ticker item: `동두천 ℃` would only puzzle a reader
        rows.append(
            {
                "station": reading.station.name,
                "sky": reading.sky,
                "temperature": reading.temperature_text,
                "observed_at": reading.observed_at,
            }
        )
    return rows


def refresh_ticker() -> None:
    """Re-read the ticker's data and put it in the cache (after new readings were stored)."""
    rows = _load()
    clear_local_memos()
    try:
        cache.set(TICKER_CACHE_KEY, rows, TICKER_CACHE_SECONDS)
    except Exception:  # a cache outage must not fail the fetch that just stored readings
        log.warning("weather ticker cache could not be refreshed", exc_info=True)


def forget_ticker() -> None:
    clear_local_memos()
    try:
        cache.delete(TICKER_CACHE_KEY)
    except Exception:
        log.warning("weather ticker cache could not be cleared", exc_info=True)


def _cached_rows() -> list[dict]:
    try:
        rows = cache.get(TICKER_CACHE_KEY)
    except Exception:
        log.warning("weather ticker cache unavailable; reading the database", exc_info=True)
        return _load()
    if rows is None:
        rows = _load()
        try:
            cache.set(TICKER_CACHE_KEY, rows, TICKER_CACHE_SECONDS)
        except Exception:
            log.warning("weather ticker cache could not be filled", exc_info=True)
    return rows


def stale_after() -> timedelta:
    return timedelta(minutes=settings.WEATHER_STALE_AFTER_MINUTES)


def current_ticker(now: datetime | None = None) -> Ticker:
    """The ticker at `now`: at most one query, none when the cache is warm.

    When some stations have a current reading (newer than WEATHER_STALE_AFTER_MINUTES), only
    those are shown and a station whose data stopped coming is left out rather than passed off
    as current. When no station is current (the feed has stopped, or demo data), the last known
    readings are shown, marked as such, with their date and time in the label.
    """
    now = now or timezone.now()
    # A reading stamped in the future is never shown, even one cached before the clock moved.
    latest_allowed = now + FUTURE_TOLERANCE
    items = [TickerItem(**row) for row in _cached_rows() if row["observed_at"] <= latest_allowed]
    if not items:
        return Ticker(items=[], as_of=None, is_stale=False)
    threshold = now - stale_after()
    current = [item for item in items if item.observed_at >= threshold]
    shown, is_stale = (current, False) if current else (items, True)
    return Ticker(items=shown, as_of=max(item.observed_at for item in shown), is_stale=is_stale)


def time_label(moment: datetime, *, now: datetime) -> str:
    """`15:00 기준` today, `8월 26일 15:00 기준` another day, with the year in another year."""
    local, today = timezone.localtime(moment), timezone.localtime(now)
    clock = f"{local:%H:%M}"
    if local.date() == today.date():
        return f"{clock} 기준"
    if local.year == today.year:
        return f"{local.month}월 {local.day}일 {clock} 기준"
    return f"{local.year}년 {local.month}월 {local.day}일 {clock} 기준"


def item_time_label(moment: datetime, *, as_of: datetime) -> str:
    """An item's own time, only when it differs from the ticker's time (`14:00`)."""
    if moment == as_of:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(as_of).date():
        return f"{local:%H:%M}"
    return f"{local.month}월 {local.day}일 {local:%H:%M}"
