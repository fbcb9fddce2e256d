"""The 속보 banner over every page: a live part of the page cache.

The banners that are on or due (switched on, not yet expired) are read once into the shared cache
and kept by each process for PAGE_CACHE_LOCAL_SECONDS; the one to show is picked per request from
those rows, so a banner appears at its start and goes away at its expiry by itself, on cached
pages too, with no query while the cache is warm. A save or delete forgets the rows at once
(signals.py), so the desk's new banner is on every page within PAGE_CACHE_LOCAL_SECONDS.
"""

from datetime import datetime

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from newsroom.pagecache.generation import local_memo

from .models import BREAKING_CACHE_KEY, BreakingNews

# Re-read at least this often even without a save: a safety net, not the way changes arrive.
ROWS_SECONDS = 300
FIELDS = ("id", "headline", "link", "starts_at", "expires_at")

_rows = local_memo()


def _read_rows() -> list[dict]:
    rows = cache.get(BREAKING_CACHE_KEY)
    if rows is None:
        rows = list(
            BreakingNews.objects.not_over(timezone.now())
            .order_by("-starts_at", "-id")
            .values(*FIELDS)
        )
        cache.set(BREAKING_CACHE_KEY, rows, ROWS_SECONDS)
    return rows


def current(now: datetime | None = None) -> dict | None:
    """The 속보 showing at `now`: the latest started of those on, or None."""
    now = now or timezone.now()
    for row in _rows.get(BREAKING_CACHE_KEY, _read_rows):
        if row["starts_at"] <= now < row["expires_at"]:
            return row
    return None


def forget() -> None:
    cache.delete(BREAKING_CACHE_KEY)
    _rows.clear()


def render_breaking(request=None, argument: str = "") -> str:
    """The page cache's live part "breaking": the banner's markup, or nothing."""
    row = current()
    return render_to_string("includes/_breaking.html", {"breaking": row}) if row else ""
