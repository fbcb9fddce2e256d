"""Viewable impressions (IAB/MRC: at least half of the banner's pixels in view for at least one
continuous second), measured by our own script in the reader's browser and counted here.

Every impression a slot serves to a reader carries a **view token** in its markup
(`data-view` on the banner, written per request: the slot is a live part of cached pages):

    <banner id>.<slot id>.<page view id>.<serial>.<time, base 36>.<signature>

The signature is the first 16 bytes of HMAC-SHA256 over everything before it, under a key
derived from SECRET_KEY for this purpose only (`_key`). The page view id is random per request
and the serial numbers the request's impressions, so `<page view id>.<serial>` names one served
impression: the token's id.

`static/banners/viewability.js` watches each `[data-view]` with an IntersectionObserver
(threshold 0.5) and a one-second timer that starts again when the banner leaves the view or the
tab is hidden; tokens of banners seen for a second are sent in batches with
`navigator.sendBeacon` to `POST /banners/v/` (views.viewed), which trusts nothing:

- a token whose signature does not match is ignored (nothing in it can be chosen by the sender);
- a token older than `TOKEN_SECONDS` (or from the future) is ignored;
- a token is counted once: its id is marked in Redis (SET NX) for the token's lifetime, so a
  replayed beacon counts zero;
- bots, link previews and prefetches are never counted (newsroom/readers.py's one rule), and
  impressions served to them carry no token at all;
- bodies over `MAX_BODY_BYTES`, more than `MAX_TOKENS` tokens, anything but a JSON list of
  strings (or {"v": [...]}) are refused with a 4xx; every client address may send
  `BANNER_BEACONS_PER_MINUTE` beacons a minute (a cache counter), then 429.

The endpoint has no session and no CSRF token by design (`csrf_exempt`): it only adds to
counters, and every count is proven by a signature the server made for that impression; a
forged cross-site POST can only send tokens the attacker already had, once. It never touches
PostgreSQL: the marks, the rate counter and the counters go to Redis in one round trip (a Lua
script, `newsroom.pagecache.redis_cache.CacheClient.count_once`), and `flush_stats` moves
`banners:view:<day>:<banner>:<slot>` into `BannerStat.viewable_impressions` with the served
impressions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from newsroom.accounts.clientip import client_ip
from newsroom.pagecache import counters

logger = logging.getLogger(__name__)

TOKEN_SECONDS = 30 * 60
FUTURE_SECONDS = 60  # clocks of two servers may differ a little
MAX_BODY_BYTES = 8 * 1024
MAX_TOKENS = 50
MAX_TOKEN_LENGTH = 120
RATE_WINDOW_SECONDS = 60
PAGE_VIEW_ATTRIBUTE = "_banner_page_view"


def _key() -> bytes:
    return _key_of(settings.SECRET_KEY)


@lru_cache(maxsize=2)  # every token of every page is signed with it
def _key_of(secret: str) -> bytes:
    return hashlib.sha256(b"newsroom.banners.view-token\n" + secret.encode()).digest()


def _sign(payload: str) -> str:
    digest = hmac.new(_key(), payload.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class PageView:
    """One request's page view: a random id, and a serial for each impression it serves."""

    def __init__(self) -> None:
        self.id = secrets.token_hex(6)
        self.serial = 0

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial


def page_view(request) -> PageView:
    view = getattr(request, PAGE_VIEW_ATTRIBUTE, None) if request is not None else None
    if view is None:
        view = PageView()
        if request is not None:
            setattr(request, PAGE_VIEW_ATTRIBUTE, view)
    return view


def make_token(*, banner_id: int, slot_id: int, view: PageView, now: datetime) -> str:
    payload = (
        f"{banner_id}.{slot_id}.{view.id}.{view.next_serial()}.{_base36(int(now.timestamp()))}"
    )
    return f"{payload}.{_sign(payload)}"


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


@dataclass(frozen=True)
class View:
    """A verified token: which impression was seen."""

    banner_id: int
    slot_id: int
    token_id: str
    served_at: datetime


def verify(token: object, *, now: datetime) -> View | None:
    """The impression a token names, or None: not a string of our shape, a wrong signature,
    older than TOKEN_SECONDS or from the future."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    payload, _, signature = token.rpartition(".")
    if not payload or not hmac.compare_digest(_sign(payload).encode(), signature.encode()):
        return None
    try:
        banner, slot, view_id, serial, stamp = payload.split(".")
        served = int(stamp, 36)
        banner_id, slot_id, serial_no = int(banner), int(slot), int(serial)
    except ValueError:
        return None
    age = now.timestamp() - served
    if age > TOKEN_SECONDS or age < -FUTURE_SECONDS:
        return None
    return View(
        banner_id=banner_id,
        slot_id=slot_id,
        token_id=f"{view_id}.{serial_no}",
        served_at=datetime.fromtimestamp(served, tz=now.tzinfo),
    )


class BadBeacon(ValueError):
    """The body is not a beacon: too big, not JSON, not a list of strings, too many tokens."""


def parse_body(body: bytes) -> list[str]:
    if len(body) > MAX_BODY_BYTES:
        raise BadBeacon("too big")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadBeacon("not JSON") from None
    if isinstance(data, dict):
        data = data.get("v")
    if not isinstance(data, list) or not all(isinstance(t, str) for t in data):
        raise BadBeacon("not a list of tokens")
    if len(data) > MAX_TOKENS:
        raise BadBeacon("too many tokens")
    return data


def view_counter_key(day, banner_id: int, slot_id: int) -> str:
    return f"banners:view:{day.isoformat()}:{banner_id}:{slot_id}"


def _mark_key(token_id: str) -> str:
    return f"banners:vt:{token_id}"


class Beacon:
    COUNTED = "counted"
    LIMITED = "limited"


def record_views(request, tokens: list[str], *, now: datetime | None = None) -> int | str:
    """Count the verified, not yet counted impressions among `tokens` as viewable; return how
    many were new, or Beacon.LIMITED when the client address has sent too many beacons this
    minute. One round trip to the cache (Redis: one Lua script); never touches the database."""
    now = now or timezone.now()
    views: dict[str, View] = {}
    for token in tokens:
        view = verify(token, now=now)
        if view is not None:
            views.setdefault(view.token_id, view)
    limit = int(getattr(settings, "BANNER_BEACONS_PER_MINUTE", 120))
    bucket = int(now.timestamp()) // RATE_WINDOW_SECONDS
    rate_key = f"banners:beacons:{bucket}:{client_ip(request)}"
    timeout = int(getattr(settings, "BANNER_COUNTER_TIMEOUT", 7 * 24 * 3600))
    marks = {
        _mark_key(view.token_id): view_counter_key(
            timezone.localdate(view.served_at), view.banner_id, view.slot_id
        )
        for view in views.values()
    }
    count_once = getattr(getattr(cache, "client", None), "count_once", None)
    try:
        if count_once is not None:
            counted = count_once(
                marks,
                rate_key=rate_key,
                limit=limit,
                rate_timeout=RATE_WINDOW_SECONDS + 5,
                mark_timeout=TOKEN_SECONDS + FUTURE_SECONDS,
                counter_timeout=timeout,
            )
        else:
            counted = _count_once_plainly(
                marks, rate_key=rate_key, limit=limit, counter_timeout=timeout
            )
    except Exception:
        logger.warning("viewable impressions not counted", exc_info=True)
        return 0
    if counted < 0:
        return Beacon.LIMITED
    if counted:
        from . import services

        services._pending.set()  # the after-request flush has something to move
    return counted


def _count_once_plainly(marks: dict[str, str], *, rate_key, limit, counter_timeout) -> int:
    """`count_once` on a cache without Lua (the local memory cache of development and tests)."""
    if cache.add(rate_key, 1, timeout=RATE_WINDOW_SECONDS + 5):
        used = 1
    else:
        try:
            used = cache.incr(rate_key)
        except ValueError:
            used = 1
    if used > limit:
        return -1
    counted = 0
    for mark, counter in marks.items():
        if cache.add(mark, 1, timeout=TOKEN_SECONDS + FUTURE_SECONDS):
            counters.add(counter, timeout=counter_timeout)
            counted += 1
    return counted
