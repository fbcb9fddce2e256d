"""Who a reader is for the frequency cap and for honest clicks, without any cookie.

A reader is a keyed hash of the client address and the browser's user agent, under a random
key made for one day (Asia/Seoul) and kept only in the cache until that day ends:

    reader = HMAC-SHA256(key of the day, address + "\\n" + user agent), first 24 hex digits

Nothing else is stored: not the address, not the agent, no cookie on the reader's browser. The
hash is only ever a part of cache keys that expire the same day or sooner (banners/services.py:
impressions per reader and campaign today, impressions per reader and banner in the last half
hour, a click per reader and banner for 30 seconds). When the day's key expires, no one, us
included, can tell which address a hash came from, and the next day the same reader is a new
hash. docs/ads.md says why this is lawful under 개인정보 보호법.

The key is created once per day with the cache's `add` (every process and server agree on it)
and each process keeps it for `READER_KEY_MEMO_SECONDS`, so a page costs no extra round trip.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from datetime import date, datetime

from django.core.cache import cache
from django.utils import timezone

from newsroom.accounts.clientip import client_ip
from newsroom.readers import is_reader

from .pacing import seconds_to_end_of_day

logger = logging.getLogger(__name__)

READER_KEY_MEMO_SECONDS = 30
_memo: dict[date, tuple[float, bytes]] = {}
_lock = threading.Lock()


def _key_of(day: date, now: datetime) -> bytes:
    hit = _memo.get(day)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    name = f"banners:reader-key:{day.isoformat()}"
    fresh = secrets.token_hex(32)
    try:
        # Kept a little past midnight, for a page that started on the day before.
        if not cache.add(name, fresh, timeout=seconds_to_end_of_day(now) + 300):
            fresh = cache.get(name) or fresh
    except Exception:
        logger.warning("reader key not shared through the cache", exc_info=True)
    key = bytes.fromhex(fresh)
    with _lock:
        if len(_memo) > 3:
            _memo.clear()
        _memo[day] = (time.monotonic() + READER_KEY_MEMO_SECONDS, key)
    return key


def reader_id(request, *, now: datetime | None = None) -> str | None:
    """Today's pseudonymous id of the reader behind `request`, or None for what is not a
    reader (newsroom/readers.py: bots, link previews, prefetches, HEAD)."""
    if not is_reader(request):
        return None
    now = now or timezone.now()
    key = _key_of(timezone.localdate(now), now)
    who = f"{client_ip(request)}\n{request.META.get('HTTP_USER_AGENT', '')}"
    return hmac.new(key, who.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:24]


def forget_keys() -> None:
    """Tests: drop this process's copies of the day keys."""
    _memo.clear()
