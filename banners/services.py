"""Banner delivery and counting: what a slot shows now, and impressions and clicks per day.

Delivery reads the placements of every slot with one query and keeps them in the cache for
`BANNER_CACHE_SECONDS`; the cached set covers the whole caching window, and the exact moment is
applied on every page, so a banner still starts and ends on the second.

`choose_banners` is the one place that decides what a slot shows: campaigns by priority
(보장형, then 일반, then 하우스), a campaign over its reader's daily cap or past its goal left out,
paced campaigns weighted by how far ahead or behind they are (banners/pacing.py). What it needs
to know of this request (the reader, campaigns' delivered counts, the reader's counts today) is
a `Visit`, read once per request from the cache's counters, in one round trip and only when
some live campaign has a goal or a cap; on a page-cache hit that read is the page's own lookup
when both caches are one Redis server (`counter_keys`, newsroom.pagecache.pages).

Impressions and clicks never write to the database on a request: they are counters in the cache
(atomic `incr`; Redis when REDIS_URL is set), flushed into `BannerStat` with `F()` updates by
`flush_banner_stats`, by the report page, and periodically after a request. A click is counted
only when honest (`record_click`), and its redirect reads the banner's address from the cached
live set (`click_target`), so a click on a live banner costs no query at all.

Counters in the cache, all sent in the request's one batch (newsroom.pagecache.counters):
- `banners:imp:<day>:<banner>:<slot>` impressions not yet in BannerStat (the flush takes them);
- `banners:cimp:<day>:<campaign>` a campaign's impressions of the day (campaigns with a goal),
  never taken by the flush: what pacing reads as delivered;
- `banners:cap:<day>:<reader>:<campaign>` a reader's impressions of a capped campaign today,
  expiring at midnight;
- `banners:seen:<5-minute bucket>:<reader>:<banner>` the banner was served to the reader then,
  for honest clicks (35 minutes);
- `banners:view:<day>:<banner>:<slot>` viewable impressions (banners/viewability.py), flushed
  with the served ones into `BannerStat.viewable_impressions`;
- `banners:clk:<day>:<banner>:<slot>` and `banners:flg:<day>:<banner>:<slot>` honest and
  flagged clicks, flushed into `BannerStat.clicks` and `BannerStat.flagged_clicks`;
- `banners:click:<reader>:<banner>` the reader's click on the banner, for 30 seconds (a repeat
  is the same click).
Readers are today's pseudonymous hashes of banners/audience.py.
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
from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from newsroom.pagecache import counters
from newsroom.pagecache.generation import clear_local_memos, local_memo

from .models import Banner, BannerStat, Campaign, Placement
from .pacing import CampaignPlan, seconds_to_end_of_day

logger = logging.getLogger(__name__)

LIVE_CACHE_KEY = "banners:live:v2"  # v2: image banners carry their address
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
    target_url: str = ""  # image banners: where a click goes (banners.views.click checks it)
    opens_new_window: bool = True
    ad_tag: str = ""
    campaign: CampaignPlan | None = None

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


def _delivered_before(day: date):
    """A subquery: the impressions BannerStat holds for the placement's campaign before `day`
    (only for campaigns with a total goal; others need no history)."""
    stats = (
        BannerStat.objects.filter(banner__campaign=OuterRef("banner__campaign"), day__lt=day)
        .order_by()
        .values("banner__campaign")
        .annotate(total=Sum("impressions"))
        .values("total")
    )
    return Case(
        When(
            banner__campaign__goal_impressions__isnull=False,
            banner__campaign__goal_period=Campaign.GoalPeriod.TOTAL,
            then=Coalesce(Subquery(stats), 0),
        ),
        default=0,
        output_field=IntegerField(),
    )


def load_deliveries(now: datetime, window_seconds: int) -> dict[str, SlotDelivery]:
    """Every slot's placements live at some moment of [now, now + window), with their
    campaigns, in one query."""
    window_end = now + timedelta(seconds=max(window_seconds, 0) + 1)
    today = timezone.localdate(now)
    placements = (
        Placement.objects.overlapping(now, window_end)
        .select_related("banner__campaign", "slot")
        .annotate(campaign_delivered_before=_delivered_before(today))
        .order_by("slot__sort_order", "sort_order", "pk")
    )
    deliveries: dict[str, SlotDelivery] = {}
    plans: dict[int, CampaignPlan] = {}
    for placement in placements:
        slot, banner = placement.slot, placement.banner
        plan = plans.get(banner.campaign_id)
        if plan is None:
            plan = plans[banner.campaign_id] = CampaignPlan.of(
                banner.campaign,
                delivered_before=placement.campaign_delivered_before,
                counted_from=today,
            )
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
                    "target_url": banner.target_url,
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
                campaign=plan,
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


NOT_WORKED_OUT = object()


@dataclass
class Visit:
    """One request's view of the counters that delivery needs (see `start_visit`).

    `delivered`: each paced campaign's impressions in its pacing period (today for per-day
    goals, the whole campaign for total goals); `seen`: this reader's impressions today of each
    capped campaign. Both grow as this request's slots are served, so two slots of one page
    respect a cap too."""

    reader: str | None = None
    # The reader's day (Asia/Seoul) of the request's moment, worked out once for all its slots.
    today: date | None = None
    delivered: dict[int, int] = field(default_factory=dict)
    seen: dict[int, int] = field(default_factory=dict)
    # Reads the counters on the first slot that needs them (`lazy_visit`), then is dropped.
    pending: Callable[[Visit], None] | None = field(default=None, repr=False, compare=False)
    # Which counters the page's choices need (`_counter_read`), worked out once per page.
    counter_read: object = field(  # a _CounterRead, None (nothing to read) or NOT_WORKED_OUT
        default=NOT_WORKED_OUT, repr=False, compare=False
    )
    # What each paced campaign should have delivered by a moment: worked out once per page.
    expected: dict[tuple[int, datetime], float] = field(
        default_factory=dict, repr=False, compare=False
    )

    def ready_for(self, delivery: SlotDelivery) -> None:
        """Read the counters now if this slot has a campaign with a goal or a cap and they
        have not been read yet: a page whose slots have none costs no round trip."""
        if self.pending is None:
            return
        if any(b.campaign is not None and b.campaign.counted for b in delivery.banners):
            load, self.pending = self.pending, None
            load(self)

    def capped(self, plan: CampaignPlan) -> bool:
        return bool(
            plan.daily_cap and self.reader and self.seen.get(plan.campaign_id, 0) >= plan.daily_cap
        )

    def factor(self, plan: CampaignPlan, now: datetime) -> float:
        if not plan.paced:
            return 1.0
        expected = self.expected.get((plan.campaign_id, now))
        if expected is None:
            expected = self.expected[plan.campaign_id, now] = plan.expected_by(now)
        return plan.factor(self.delivered.get(plan.campaign_id, 0), now, expected=expected)

    def served(self, plan: CampaignPlan | None) -> None:
        if plan is None:
            return
        self.delivered[plan.campaign_id] = self.delivered.get(plan.campaign_id, 0) + 1
        if plan.daily_cap and self.reader:
            self.seen[plan.campaign_id] = self.seen.get(plan.campaign_id, 0) + 1


def _campaign_day_key(day: date, campaign_id: int) -> str:
    return f"banners:cimp:{day.isoformat()}:{campaign_id}"


def _cap_key(day: date, reader: str, campaign_id: int) -> str:
    return f"banners:cap:{day.isoformat()}:{reader}:{campaign_id}"


def _pacing_keys(plan: CampaignPlan, today: date) -> list[str]:
    """The day counters that add up to what the campaign delivered in its pacing period."""
    if plan.per_day or plan.counted_from is None:
        return [_campaign_day_key(today, plan.campaign_id)]
    day, keys = plan.counted_from, []
    while day <= today and len(keys) < 3:  # the live set is reloaded within a minute
        keys.append(_campaign_day_key(day, plan.campaign_id))
        day += timedelta(days=1)
    return keys


_pacing_memo = local_memo()


def lazy_visit(
    deliveries: dict[str, SlotDelivery],
    *,
    reader: str | None,
    now: datetime,
    known: Callable[[], dict] | None = None,
) -> Visit:
    """A request's visit whose counters are read when the first slot needing them is chosen
    (`Visit.ready_for`), for every slot of the page at once. `known()` gives counters already
    fetched for this request (the page cache's lookup: newsroom.pagecache.pages.prefetched)."""
    return Visit(
        reader=reader,
        today=timezone.localdate(now),
        pending=lambda visit: _read_counters(
            visit, deliveries, now, known=known() if known is not None else None
        ),
    )


def start_visit(deliveries: dict[str, SlotDelivery], *, reader: str | None, now: datetime) -> Visit:
    """A request's visit with its counters read now (see `_read_counters`)."""
    visit = Visit(reader=reader, today=timezone.localdate(now))
    _read_counters(visit, deliveries, now)
    return visit


@dataclass
class _CounterRead:
    """Which counters a request's choices need: campaigns with a goal or a cap in the live set,
    the day counters of paced ones (unless this process read them a moment ago) and the
    reader's counts of capped ones."""

    plans: dict[int, CampaignPlan]
    paced: dict[int, list[str]]
    capped: dict[int, str]
    memo_key: tuple
    delivered: dict[int, int] | None  # this process's recent read of the paced ones

    @property
    def wanted(self) -> list[str]:
        keys = list(self.capped.values())
        if self.delivered is None:
            keys += [key for keys in self.paced.values() for key in keys]
        return keys


def _counter_read(
    deliveries: dict[str, SlotDelivery],
    *,
    reader: str | None,
    now: datetime,
    today: date | None = None,
) -> _CounterRead | None:
    plans = {
        b.campaign.campaign_id: b.campaign
        for delivery in deliveries.values()
        for b in delivery.banners
        if b.campaign is not None and b.campaign.counted
    }
    if not plans:
        return None
    today = today or timezone.localdate(now)
    paced = {cid: _pacing_keys(plan, today) for cid, plan in plans.items() if plan.paced}
    capped = (
        {cid: _cap_key(today, reader, cid) for cid, plan in plans.items() if plan.daily_cap}
        if reader
        else {}
    )
    memo_key = ("pacing", today, tuple(sorted(paced)))
    delivered = _pacing_memo.peek(memo_key) if paced else {}
    return _CounterRead(plans, paced, capped, memo_key, delivered)


def counter_keys(deliveries: dict[str, SlotDelivery], *, visit: Visit, now: datetime) -> list[str]:
    """The cache keys the request of `visit` will read to choose its banners (none when no
    live campaign has a goal or a cap), for the page cache to fetch with its own lookup."""
    read = _visit_counter_read(visit, deliveries, now)
    return read.wanted if read is not None else []


def _visit_counter_read(
    visit: Visit, deliveries: dict[str, SlotDelivery], now: datetime
) -> _CounterRead | None:
    if visit.counter_read is NOT_WORKED_OUT:
        visit.counter_read = _counter_read(
            deliveries, reader=visit.reader, now=now, today=visit.today
        )
    return visit.counter_read


def _read_counters(
    visit: Visit, deliveries: dict[str, SlotDelivery], now: datetime, *, known=None
) -> None:
    """The counters the page's choices need, read in one round trip (none when no live
    campaign has a goal or a cap, or when `known` already holds them all). Delivered counts are
    shared by the requests of a process for PAGE_CACHE_LOCAL_SECONDS (pacing needs no
    per-request precision); a reader's own counts are read for each request."""
    read = _visit_counter_read(visit, deliveries, now)
    if read is None:
        return
    known = known or {}
    wanted = read.wanted
    values = {key: known[key] for key in wanted if key in known}
    missing = [key for key in wanted if key not in known]
    try:
        values.update(cache.get_many(missing) if missing else {})
    except Exception:
        logger.warning("banner counters unavailable", exc_info=True)
    delivered = read.delivered
    if delivered is None:
        delivered = {
            cid: read.plans[cid].delivered_before + sum(int(values.get(k) or 0) for k in keys)
            for cid, keys in read.paced.items()
        }
        _pacing_memo.put(read.memo_key, delivered)
    # Add to what this request has already served (an earlier slot without the campaign's
    # banners cannot have served it, but the visit is the one record of the page).
    for cid, count in delivered.items():
        visit.delivered[cid] = visit.delivered.get(cid, 0) + count
    for cid, key in read.capped.items():
        visit.seen[cid] = visit.seen.get(cid, 0) + int(values.get(key) or 0)


def choose_banners(
    delivery: SlotDelivery,
    *,
    now: datetime,
    rng: random.Random | None = None,
    visit: Visit | None = None,
) -> list[SlotBanner]:
    """The banners a slot shows at `now`, for this `visit`.

    Left out: banners not live at `now`, campaigns over this reader's daily cap, campaigns past
    their goal. The rest go by priority, highest first: in a weighted slot each draw is in
    proportion to the placement's weight times the campaign's pacing factor, and a campaign
    ahead of schedule (factor below 1) keeps the impression only with that probability,
    otherwise the draw goes on (same priority, then lower ones); if nothing else is left it is
    shown after all. An ordered slot shows its banners by priority, then order.
    """
    rng = rng or _rng
    visit = visit or Visit()
    visit.ready_for(delivery)
    candidates: list[tuple[SlotBanner, float]] = []
    for banner in delivery.banners:
        if not banner.live_at(now):
            continue
        plan = banner.campaign
        if plan is None:
            candidates.append((banner, 1.0))
            continue
        if visit.capped(plan):
            continue
        factor = visit.factor(plan, now)
        if factor > 0:
            candidates.append((banner, factor))
    if delivery.rotation == "ordered":
        candidates.sort(key=lambda c: (-_priority(c[0]), c[0].sort_order, c[0].placement_id))
        chosen = [banner for banner, _ in candidates[: delivery.max_banners]]
    else:
        chosen = _draw(candidates, count=delivery.max_banners, rng=rng)
    for banner in chosen:
        visit.served(banner.campaign)
    return chosen


def _priority(banner: SlotBanner) -> int:
    return banner.campaign.priority if banner.campaign is not None else 0


def _draw(
    candidates: list[tuple[SlotBanner, float]], *, count: int, rng: random.Random
) -> list[SlotBanner]:
    chosen: list[SlotBanner] = []
    held_back: list[SlotBanner] = []
    for level in sorted({_priority(b) for b, _ in candidates}, reverse=True):
        pool = [c for c in candidates if _priority(c[0]) == level]
        while pool and len(chosen) < count:
            [pick] = pick_weighted(pool, count=1, rng=rng, weight=lambda c: c[0].weight * c[1])
            pool.remove(pick)
            banner, factor = pick
            if factor < 1 and rng.random() >= factor:
                held_back.append(banner)
            else:
                chosen.append(banner)
        if len(chosen) >= count:
            break
    return chosen + held_back[: count - len(chosen)]


# --- Counting ---------------------------------------------------------------------------------


def _counter_key(kind: str, day: date, banner_id: int, slot_id: int) -> str:
    return f"banners:{kind}:{day.isoformat()}:{banner_id}:{slot_id}"


_pending = threading.Event()  # this process has counted impressions not yet flushed
_next_flush = [0.0]


def count_impressions(
    pairs: Iterable[tuple[int, int]], *, now: datetime | None = None, day: date | None = None
) -> None:
    """Count one impression per (banner id, slot id) in the cache, on `day` (the local day of
    `now`); never raises. Inside a request the counts go to Redis together when it ends
    (newsroom.pagecache.counters)."""
    day = day or timezone.localdate(now or timezone.now())
    timeout = _setting("BANNER_COUNTER_TIMEOUT", 7 * 24 * 3600)
    for banner_id, slot_id in pairs:
        counters.add(_counter_key("imp", day, banner_id, slot_id), timeout=timeout)
    if not _pending.is_set():  # setting an Event takes its lock: only the first time
        _pending.set()


SEEN_BUCKET_SECONDS = 300
SEEN_SECONDS = 30 * 60  # a click counts when the banner was served to the reader this recently
CLICK_REPEAT_SECONDS = 30  # the same reader's clicks on one banner within this count once


def _seen_bucket(moment: datetime) -> int:
    return int(moment.timestamp()) // SEEN_BUCKET_SECONDS


def _seen_key(bucket: int, reader: str, banner_id: int) -> str:
    return f"banners:seen:{bucket}:{reader}:{banner_id}"


def count_served(
    banners: Sequence[SlotBanner], *, now: datetime, reader: str | None, day: date | None = None
) -> None:
    """Count what a slot showed to a reader on `day` (the local day of `now`): its
    impressions, its campaigns' day counters, the reader's counts of capped campaigns and the
    marks honest clicks look for. All of it joins the request's one batch of counters; never
    raises."""
    if not banners:
        return
    day = day or timezone.localdate(now)
    count_impressions([(b.banner_id, b.slot_id) for b in banners], day=day)
    timeout = _setting("BANNER_COUNTER_TIMEOUT", 7 * 24 * 3600)
    bucket = _seen_bucket(now)
    cap_timeout = 0
    for banner in banners:
        plan = banner.campaign
        if plan is not None and plan.paced:
            counters.add(_campaign_day_key(day, plan.campaign_id), timeout=timeout)
        if reader is None:
            continue
        if plan is not None and plan.daily_cap:
            cap_timeout = cap_timeout or seconds_to_end_of_day(now)
            counters.add(_cap_key(day, reader, plan.campaign_id), timeout=cap_timeout)
        counters.add(
            _seen_key(bucket, reader, banner.banner_id),
            timeout=SEEN_SECONDS + SEEN_BUCKET_SECONDS,
        )


def add_to_stat(
    *,
    banner_id: int,
    slot_id: int,
    day: date,
    impressions: int = 0,
    clicks: int = 0,
    flagged_clicks: int = 0,
    viewable_impressions: int = 0,
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
                flagged_clicks=flagged_clicks,
                viewable_impressions=viewable_impressions,
            )
        except OperationalError as error:
            if "locked" not in str(error) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1) + _rng.random() * 0.01)


def _add_to_stat(
    *,
    banner_id: int,
    slot_id: int,
    day: date,
    impressions: int,
    clicks: int,
    flagged_clicks: int,
    viewable_impressions: int = 0,
):
    """An F() update of the day's row, or a new row when there is none yet."""
    rows = BannerStat.objects.filter(banner_id=banner_id, slot_id=slot_id, day=day)
    changes = {"impressions": F("impressions") + impressions, "clicks": F("clicks") + clicks}
    if flagged_clicks:
        changes["flagged_clicks"] = F("flagged_clicks") + flagged_clicks
    if viewable_impressions:
        changes["viewable_impressions"] = F("viewable_impressions") + viewable_impressions
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
                flagged_clicks=flagged_clicks,
                viewable_impressions=viewable_impressions,
            )
    except IntegrityError:  # another request created it in the meantime
        rows.update(**changes)


class Click:
    """What became of a click (every one is redirected all the same)."""

    COUNTED = "counted"
    NOT_READER = "not_reader"  # a bot, a link preview, a prefetch (newsroom/readers.py)
    NOT_LIVE = "not_live"  # the placement is not running at this moment
    REPEAT = "repeat"  # the same reader clicked the same banner within 30 seconds
    FLAGGED = "flagged"  # no impression of the banner served to this reader recently


@dataclass(frozen=True)
class ClickTarget:
    """Where a click on a placement goes, and whether the placement runs at that moment."""

    target_url: str
    banner_id: int
    slot_id: int
    live: bool


def click_target(placement_id: int, *, now: datetime) -> ClickTarget | None:
    """The image placement `placement_id`'s address and whether it is live at `now`; None when
    there is no such image placement.

    A live placement comes from the slots' cached live set, as the page that showed it did (no
    query). Only one not in the set (ended, switched off, not started within the caching
    window, or saved a moment ago in another process) is read from the database, as before:
    it is still redirected, and counted only if it is live after all."""
    for delivery in live_deliveries(now).values():
        for banner in delivery.banners:
            if banner.placement_id == placement_id and not banner.is_ad_tag:
                if banner.live_at(now):
                    return ClickTarget(
                        banner.target_url, banner.banner_id, banner.slot_id, live=True
                    )
                break  # in the set for a later moment of the window: ask the database
    placement = (
        Placement.objects.select_related("banner__campaign", "slot")
        .filter(pk=placement_id, banner__kind=Banner.Kind.IMAGE)
        .first()
    )
    if placement is None:
        return None
    return ClickTarget(
        placement.banner.target_url,
        placement.banner_id,
        placement.slot_id,
        live=placement.is_live_at(now),
    )


def record_click(*, target: ClickTarget, reader: str | None, now: datetime | None = None) -> str:
    """Count a click only when it is honest; return what became of it (a `Click` value).

    The rules, after ethical-ad-server: a reader's click (not a bot's) on a placement live at
    this moment; the same reader's second click on the banner within 30 seconds is the first
    one again; a click with no impression of that banner served to the reader in the last half
    hour is not counted but added to the day's flagged clicks.

    No database: the repeat mark is set and the reader's impression marks are read in one
    round trip (`counters.add_once_then_read`, one Lua script on Redis), and the click joins the
    request's counters (`banners:clk:…` or `banners:flg:…`), which `flush_stats` moves into
    BannerStat. Raises when the cache cannot be asked (the view still redirects).
    """
    now = now or timezone.now()
    if reader is None:
        return Click.NOT_READER
    if not target.live:
        return Click.NOT_LIVE
    banner_id = target.banner_id
    last = _seen_bucket(now)
    first = _seen_bucket(now - timedelta(seconds=SEEN_SECONDS))
    marks = counters.add_once_then_read(
        f"banners:click:{reader}:{banner_id}",
        timeout=CLICK_REPEAT_SECONDS,
        keys=[_seen_key(b, reader, banner_id) for b in range(first, last + 1)],
    )
    if marks is None:
        return Click.REPEAT
    seen = any(int(value or 0) > 0 for value in marks.values())
    day = timezone.localdate(now)
    counters.add(
        _counter_key("clk" if seen else "flg", day, banner_id, target.slot_id),
        timeout=_setting("BANNER_COUNTER_TIMEOUT", 7 * 24 * 3600),
    )
    _pending.set()
    return Click.COUNTED if seen else Click.FLAGGED


# What flush_stats moves: the cache's counter kinds and the BannerStat field each adds to.
FLUSHED_COUNTERS = (
    ("imp", "impressions"),
    ("view", "viewable_impressions"),  # banners/viewability.py
    ("clk", "clicks"),
    ("flg", "flagged_clicks"),
)


def flush_stats(*, now: datetime | None = None) -> int:
    """Move the cached counters (impressions, viewable impressions, clicks and flagged clicks)
    into BannerStat; return how many impressions were moved.

    Each counter is read, then decreased by exactly what was read (an atomic decr), so counts
    made meanwhile stay for the next flush; if the database write fails the amount is given
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
            _counter_key(kind, today - timedelta(days=offset), banner_id, slot_id): (
                field,
                today - timedelta(days=offset),
                banner_id,
                slot_id,
            )
            for kind, field in FLUSHED_COUNTERS
            for offset in range(days_back)
            for banner_id, slot_id in pairs
        }
        names = list(keys)
        for start in range(0, len(names), 500):
            for key, value in cache.get_many(names[start : start + 500]).items():
                amount = int(value or 0)
                if amount <= 0:
                    continue
                field, day, banner_id, slot_id = keys[key]
                cache.decr(key, amount)
                try:
                    add_to_stat(banner_id=banner_id, slot_id=slot_id, day=day, **{field: amount})
                except Exception:
                    cache.incr(key, amount)
                    raise
                if field == "impressions":
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
