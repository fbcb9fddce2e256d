"""Pacing: how strongly a campaign with an impression goal is shown right now.

A goal is delivered evenly over its period: the whole campaign (`total`) or each day (`day`,
Asia/Seoul; on the first and last day only the part of the day the campaign runs). By now the
campaign should have delivered

    expected = goal × (elapsed part of the period) / (the whole period)

Ahead of that it is shown less, behind it more: its banners' weights are multiplied by

    factor = (expected + c) / (delivered + c),   kept within [MIN_FACTOR, MAX_FACTOR]

where the cushion c (1 % of the goal, at least 1) keeps the first few impressions of a period
from swinging the factor wildly. A factor below 1 also lets a lower priority take the
impression (banners/services.py `choose_banners`). When the goal is met the factor is 0: the
campaign stops until its next day (per-day goals) or for good (total goals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from django.utils import timezone

MIN_FACTOR = 0.1
MAX_FACTOR = 4.0


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first moment of `day` and of the next, in the current time zone (Asia/Seoul)."""
    return _day_bounds(day, timezone.get_current_timezone())


@lru_cache(maxsize=16)  # a page asks for today's, and campaigns' first and last days
def _day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def seconds_to_end_of_day(now: datetime) -> int:
    """Seconds from `now` until the local midnight after it (at least 1)."""
    _, end = day_bounds(timezone.localdate(now))
    return max(1, int((end - now).total_seconds()) + 1)


@dataclass(frozen=True)
class CampaignPlan:
    """What delivery needs to know of a campaign, cached with the slots' live set.

    `delivered_before` is what BannerStat held for the campaign's days before `counted_from`
    when the live set was loaded (total goals only); the days from `counted_from` on come from
    the cache's per-campaign day counters (banners/services.py)."""

    campaign_id: int
    priority: int
    starts_at: datetime
    ends_at: datetime | None
    goal: int | None = None
    goal_period: str = "total"
    daily_cap: int | None = None
    delivered_before: int = 0
    counted_from: date | None = None

    @property
    def paced(self) -> bool:
        return bool(self.goal)

    @property
    def counted(self) -> bool:
        """Whether choosing it needs counters from the cache (a goal or a cap)."""
        return bool(self.goal or self.daily_cap)

    @property
    def per_day(self) -> bool:
        return self.goal_period == "day"

    def period(self, now: datetime) -> tuple[datetime, datetime | None]:
        """The period the goal is spread over, as it stands at `now`."""
        if not self.per_day:
            return self.starts_at, self.ends_at
        day_start, day_end = day_bounds(timezone.localdate(now))
        start = max(day_start, self.starts_at)
        end = min(day_end, self.ends_at) if self.ends_at else day_end
        return start, end

    def expected_by(self, now: datetime) -> float:
        """Impressions the goal asks for by `now` (the whole goal at and after the period's
        end; 0 before its start, or with no goal)."""
        if not self.goal:
            return 0.0
        start, end = self.period(now)
        if end is None or end <= start:  # a total goal with no end: the admin refuses it
            return float(self.goal)
        share = (now - start) / (end - start)
        return self.goal * min(max(share, 0.0), 1.0)

    @classmethod
    def of(cls, campaign, *, delivered_before: int = 0, counted_from: date | None = None):
        """The plan of a `Campaign` row."""
        return cls(
            campaign_id=campaign.pk,
            priority=campaign.priority,
            starts_at=campaign.starts_at,
            ends_at=campaign.ends_at,
            goal=campaign.goal_impressions,
            goal_period=campaign.goal_period,
            daily_cap=campaign.daily_cap,
            delivered_before=int(delivered_before or 0),
            counted_from=counted_from,
        )

    def factor(self, delivered: int, now: datetime, *, expected: float | None = None) -> float:
        """The weight multiplier at `now` after `delivered` impressions of the period
        (`expected`: `expected_by(now)`, when the caller has it already)."""
        if not self.goal:
            return 1.0
        if delivered >= self.goal:
            return 0.0
        cushion = max(1.0, self.goal / 100)
        if expected is None:
            expected = self.expected_by(now)
        ratio = (expected + cushion) / (delivered + cushion)
        return min(max(ratio, MIN_FACTOR), MAX_FACTOR)
