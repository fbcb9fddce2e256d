"""Banner delivery and counting: what a slot shows now, and impressions and clicks per day.

Delivery reads the placements of every slot with one query and keeps them in the cache for
`BANNER_CACHE_SECONDS`; the cached set covers the whole caching window, and the exact moment is
applied on every page, so a banner still starts and ends on the second.

Impressions never write to the database on a page view: they are counters in the cache (atomic
`incr`; Redis when REDIS_URL is set), flushed into `BannerStat` with `F()` updates by
`flush_banner_stats`, by the report page, and periodically after a request. Clicks are rare and
go to the database directly, also with `F()`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from newsroom.pagecache import counters
from newsroom.pagecache.generation import clear_local_memos, local_memo

from .models import Banner, BannerStat, Placement

logger = logging.getLogger(__name__)

LIVE_CACHE_KEY = "banners:live:v1"
# The live set is stored under a key that includes this generation token. A change replaces the
# token, so a page that loaded the old placements during the save and stores them afterwards
# stores them under a key no one reads again (a plain delete would let it re-store stale data).
LIVE_GENERATION_KEY = "banners:live-generation"
FLUSH_LOCK_KEY = "banners:flush-lock"
LOCK_RETRIES = 20

T = TypeVar("T")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- Delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotBanner:
    """What a slot needs to show one placement, cached without model instances."""

    placement_id: int
    banner_id: int
    slot_id: int
    kind: str
    weight: int
    sort_order: int
    starts_at: datetime | None
    ends_at: datetime | None
    image_url: str = ""
    width: int = 0
    height: int = 0
    alt_text: str = ""
    opens_new_window: bool = True
    ad_tag: str = ""

    def live_at(self, moment: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= moment) and (
            self.ends_at is None or self.ends_at > moment
        )

    @property
    def is_ad_tag(self) -> bool:
        return self.kind == Banner.Kind.AD_TAG


@dataclass
class SlotDelivery:
    code: str
    slot_id: int
    max_banners: int
    rotation: str
    width: int
    height: int
    banners: list[SlotBanner] = field(default_factory=list)


def load_deliveries(now: datetime, window_seconds: int) -> dict[str, SlotDelivery]:
    """Every slot's placements live at some moment of [now, now + window), in one query."""
    window_end = now + timedelta(seconds=max(window_seconds, 0) + 1)
    placements = (
        Placement.objects.overlapping(now, window_end)
        .select_related("banner", "slot")
        .order_by("slot__sort_order", "sort_order", "pk")
    )
    deliveries: dict[str, SlotDelivery] = {}
    for placement in placements:
        slot, banner = placement.slot, placement.banner
        try:
            if banner.is_ad_tag:
                extra = {"ad_tag": banner.ad_tag, "width": slot.width, "height": slot.height}
            else:
                if not banner.image:
                    continue
                extra = {
                    "image_url": banner.image.url,
                    "width": banner.image_width or slot.width,
                    "height": banner.image_height or slot.height,
                    "opens_new_window": banner.opens_new_window,
                }
        except Exception:  # a broken banner is left out, never breaks the page
            logger.exception("banner %s cannot be delivered", banner.pk)
            continue
        delivery = deliveries.setdefault(
            slot.code,
            SlotDelivery(
                code=slot.code,
                slot_id=slot.pk,
                max_banners=slot.max_banners,
                rotation=slot.rotation,
                width=slot.width,
                height=slot.height,
            ),
        )
        delivery.banners.append(
            SlotBanner(
                placement_id=placement.pk,
                banner_id=banner.pk,
                slot_id=slot.pk,
                kind=banner.kind,
                weight=placement.weight,
                sort_order=placement.sort_order,
                starts_at=placement.period_start,
                ends_at=placement.period_end,
                alt_text=banner.alt_text,
                **extra,
            )
        )
    return deliveries


_live_memo = local_memo()


def live_deliveries(now: datetime | None = None) -> dict[str, SlotDelivery]:
    """The slots' deliveries from this process's memo, the cache, or one query."""
    now = now or timezone.now()
    return _live_memo.get(LIVE_CACHE_KEY, lambda: _shared_deliveries(now))


def _shared_deliveries(now: datetime) -> dict[str, SlotDelivery]:
    seconds = _setting("BANNER_CACHE_SECONDS", 60)
    key = None
    cached = None
    if seconds > 0:
        try:
            key = f"{LIVE_CACHE_KEY}:{_live_generation()}"
            cached = cache.get(key)
        except Exception:  # a failing cache degrades to the database
            logger.warning("banner cache unavailable", exc_info=True)
            key = None
    if cached is not None:
        loaded_at, deliveries = cached
        if loaded_at <= now < loaded_at + timedelta(seconds=seconds):
            return deliveries
    deliveries = load_deliveries(now, seconds)
    if key is not None:
        try:
            cache.set(key, (now, deliveries), timeout=seconds)
        except Exception:
            logger.warning("banner cache unavailable", exc_info=True)
    return deliveries


def live_ad_tag(banner_id: int, *, now: datetime) -> str | None:
    """The HTML of a tag banner placed in some slot at `now`, or None."""
    for delivery in live_deliveries(now).values():
        for banner in delivery.banners:
            if banner.banner_id == banner_id and banner.is_ad_tag and banner.live_at(now):
                return banner.ad_tag
    return None


def forget_deliveries() -> None:
    """Called when a banner, placement or slot changes, so the pages show it at once."""
    clear_local_memos()
    try:
        cache.set(LIVE_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("banner cache unavailable", exc_info=True)


def _live_generation() -> str:
    generation = cache.get(LIVE_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        # add(): two first requests agree on one token instead of overwriting each other's.
        if not cache.add(LIVE_GENERATION_KEY, generation, timeout=None):
            generation = cache.get(LIVE_GENERATION_KEY) or generation
    return generation


def pick_weighted(
    candidates: Sequence[T], *, count: int, rng: random.Random, weight: Callable[[T], int]
) -> list[T]:
    """Up to `count` distinct candidates, each draw in proportion to its weight."""
    pool = [c for c in candidates if weight(c) > 0]
    chosen: list[T] = []
    while pool and len(chosen) < count:
        point = rng.random() * sum(weight(c) for c in pool)
        index = len(pool) - 1
        for i, candidate in enumerate(pool):
            point -= weight(candidate)
            if point < 0:
                index = i
                break
        chosen.append(pool.pop(index))
    return chosen


_rng = random.Random()  # noqa: S311 -- rotation, not security


def choose_banners(
    delivery: SlotDelivery, *, now: datetime, rng: random.Random | None = None
) -> list[SlotBanner]:
    """The banners a slot shows at `now`: by weight, or all of them in order."""
    live = [b for b in delivery.banners if b.live_at(now)]
    if delivery.rotation == "ordered":
        return sorted(live, key=lambda b: (b.sort_order, b.placement_id))[: delivery.max_banners]
    return pick_weighted(
        live, count=delivery.max_banners, rng=rng or _rng, weight=lambda b: b.weight
    )


# --- Counting ---------------------------------------------------------------------------------


def _counter_key(kind: str, day: date, banner_id: int, slot_id: int) -> str:
    return f"banners:{kind}:{day.isoformat()}:{banner_id}:{slot_id}"


_pending = threading.Event()  # this process has counted impressions not yet flushed
_next_flush = [0.0]


def count_impressions(pairs: Iterable[tuple[int, int]], *, now: datetime | None = None) -> None:
    """Count one impression per (banner id, slot id) in the cache; never raises. Inside a
    request the counts go to Redis together when it ends (newsroom.pagecache.counters)."""
    day = timezone.localdate(now or timezone.now())
    timeout = _setting("BANNER_COUNTER_TIMEOUT", 7 * 24 * 3600)
    for banner_id, slot_id in pairs:
        counters.add(_counter_key("imp", day, banner_id, slot_id), timeout=timeout)
        _pending.set()


def add_to_stat(
    *, banner_id: int, slot_id: int, day: date, impressions: int = 0, clicks: int = 0
) -> None:
    """Add to a day's row atomically, retrying briefly while SQLite reports a lock."""
    for attempt in range(LOCK_RETRIES):
        try:
            return _add_to_stat(
                banner_id=banner_id,
                slot_id=slot_id,
                day=day,
                impressions=impressions,
                clicks=clicks,
            )
        except OperationalError as error:
            if "locked" not in str(error) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1) + _rng.random() * 0.01)


def _add_to_stat(*, banner_id: int, slot_id: int, day: date, impressions: int, clicks: int):
    """An F() update of the day's row, or a new row when there is none yet."""
    rows = BannerStat.objects.filter(banner_id=banner_id, slot_id=slot_id, day=day)
    changes = {"impressions": F("impressions") + impressions, "clicks": F("clicks") + clicks}
    if rows.update(**changes):
        return
    try:
        with transaction.atomic():
            BannerStat.objects.create(
                banner_id=banner_id,
                slot_id=slot_id,
                day=day,
                impressions=impressions,
                clicks=clicks,
            )
    except IntegrityError:  # another request created it in the meantime
        rows.update(**changes)


def record_click(*, placement: Placement, now: datetime | None = None) -> None:
    add_to_stat(
        banner_id=placement.banner_id,
        slot_id=placement.slot_id,
        day=timezone.localdate(now or timezone.now()),
        clicks=1,
    )


def flush_stats(*, now: datetime | None = None) -> int:
    """Move the cached impression counters into BannerStat; return how many were moved.

    Each counter is read, then decreased by exactly what was read (an atomic decr), so views
    counted meanwhile stay for the next flush; if the database write fails the amount is given
    back. A cache lock keeps two flushes (two workers, a cron job) from running at once.
    """
    days_back = _setting("BANNER_FLUSH_DAYS", 3)
    today = timezone.localdate(now or timezone.now())
    if not cache.add(FLUSH_LOCK_KEY, 1, timeout=300):
        return 0
    moved = 0
    try:
        _pending.clear()
        pairs = list(Placement.objects.order_by().values_list("banner_id", "slot_id").distinct())
        keys = {
            _counter_key("imp", today - timedelta(days=offset), banner_id, slot_id): (
                today - timedelta(days=offset),
                banner_id,
                slot_id,
            )
            for offset in range(days_back)
            for banner_id, slot_id in pairs
        }
        names = list(keys)
        for start in range(0, len(names), 500):
            for key, value in cache.get_many(names[start : start + 500]).items():
                amount = int(value or 0)
                if amount <= 0:
                    continue
                day, banner_id, slot_id = keys[key]
                cache.decr(key, amount)
                try:
                    add_to_stat(banner_id=banner_id, slot_id=slot_id, day=day, impressions=amount)
                except Exception:
                    cache.incr(key, amount)
                    raise
                moved += amount
    finally:
        cache.delete(FLUSH_LOCK_KEY)
    return moved


def flush_if_due(**kwargs) -> None:
    """After a request: flush when this process has counted and the interval has passed."""
    interval = _setting("BANNER_FLUSH_SECONDS", 60)
    if interval <= 0 or not _pending.is_set() or time.monotonic() < _next_flush[0]:
        return
    _next_flush[0] = time.monotonic() + interval
    try:
        flush_stats()
    except Exception:
        logger.warning("banner statistics not flushed", exc_info=True)
