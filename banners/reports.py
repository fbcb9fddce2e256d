"""Read-side figures for the ad manager: the statistics report, campaigns against their goals,
and the slot calendar."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from newsroom.params import parse_date

from .models import BannerSlot, BannerStat, Campaign, Placement
from .pacing import CampaignPlan, day_bounds

MAX_REPORT_DAYS = 366
MAX_CALENDAR_DAYS = 62


@dataclass
class Figures:
    impressions: int = 0
    clicks: int = 0
    viewable: int = 0  # viewable impressions (banners/viewability.py)

    @property
    def ctr(self) -> float:
        """Click-through rate in per cent."""
        return round(self.clicks * 100 / self.impressions, 2) if self.impressions else 0.0

    @property
    def viewability(self) -> float:
        """Viewable impressions as a share of served ones, in per cent."""
        return round(self.viewable * 100 / self.impressions, 1) if self.impressions else 0.0


SUMS = {
    "impressions": Sum("impressions"),
    "clicks": Sum("clicks"),
    "viewable": Sum("viewable_impressions"),
}
NO_FIGURES = {"impressions": 0, "clicks": 0, "viewable": 0}


@dataclass
class Row(Figures):
    label: str = ""
    sublabel: str = ""
    key: object = None


@dataclass
class CampaignRow(Figures):
    """A campaign's figures in the report's period, and where it stands against its goal now.

    `delivered` is counted over the goal's period (today for a per-day goal, the whole
    campaign for a total goal; without a goal, the whole campaign), from BannerStat after the
    report's flush; `expected` is what pacing expects by now (banners/pacing.py)."""

    campaign: Campaign | None = None
    delivered: int = 0
    expected: int | None = None

    @property
    def goal(self) -> int | None:
        return self.campaign.goal_impressions if self.campaign else None

    @property
    def goal_label(self) -> str:
        if not self.goal:
            return "-"
        return f"{self.goal:,} ({self.campaign.get_goal_period_display()})"

    @property
    def pace(self) -> float | None:
        """Delivered as a share of what was expected by now, in per cent."""
        if not self.goal or not self.expected:
            return None
        return round(self.delivered * 100 / self.expected, 1)

    @property
    def pace_label(self) -> str:
        if not self.goal:
            return "목표 없음"
        if self.delivered >= self.goal:
            return "목표 달성"
        if self.pace is None:
            return "시작 전"
        if self.pace > 110:
            return "앞섬 (덜 노출)"
        if self.pace < 90:
            return "뒤처짐 (더 노출)"
        return "예정대로"


@dataclass
class Report:
    start: date
    end: date
    total: Figures
    by_banner: list[Row]
    by_slot: list[Row]
    by_day: list[Row]
    detail: list[Row] = field(default_factory=list)
    by_campaign: list[CampaignRow] = field(default_factory=list)
    progress: "CampaignProgress | None" = None


def parse_period(start: str | None, end: str | None, *, default_days: int = 7):
    """(start, end, error) from ?start=YYYY-MM-DD&end=YYYY-MM-DD; bad input gives the default."""
    today = timezone.localdate()
    default = (today - timedelta(days=default_days - 1), today)
    if not start and not end:
        return *default, ""
    try:
        first = parse_date(start or "")
        last = parse_date(end or "")
    except ValueError as error:
        return *default, f"{error} 기본 기간을 보여 드립니다."
    if last < first:
        return *default, "끝 날짜가 시작 날짜보다 앞섭니다. 기본 기간을 보여 드립니다."
    if (last - first).days >= MAX_REPORT_DAYS:
        return (
            *default,
            f"기간은 {MAX_REPORT_DAYS}일 이내로 골라 주세요. 기본 기간을 보여 드립니다.",
        )
    return first, last, ""


def _figures(rows, **labels) -> Row:
    return Row(
        impressions=rows["impressions"] or 0,
        clicks=rows["clicks"] or 0,
        viewable=rows["viewable"] or 0,
        **labels,
    )


def _stats(start: date, end: date, filters: dict[str, int | None]):
    """The period's rows, narrowed by advertiser, banner and slot ids where given."""
    stats = BannerStat.objects.filter(day__gte=start, day__lte=end)
    lookups = {
        "advertiser": "banner__advertiser_id",
        "campaign": "banner__campaign_id",
        "banner": "banner_id",
        "slot": "slot_id",
    }
    for name, value in filters.items():
        if value:
            stats = stats.filter(**{lookups[name]: value})
    return stats


def build_report(*, start: date, end: date, **filters: int | None) -> Report:
    stats = _stats(start, end, filters)
    sums = SUMS
    total = stats.aggregate(**sums)
    by_banner = [
        _figures(
            r, label=r["banner__name"], sublabel=r["banner__advertiser__name"], key=r["banner"]
        )
        for r in stats.values("banner", "banner__name", "banner__advertiser__name")
        .annotate(**sums)
        .order_by("-impressions", "banner__name")
    ]
    by_slot = [
        _figures(r, label=r["slot__name"], sublabel=r["slot__code"], key=r["slot"])
        for r in stats.values("slot", "slot__name", "slot__code")
        .annotate(**sums)
        .order_by("slot__sort_order", "slot__code")
    ]
    per_day = {r["day"]: r for r in stats.values("day").annotate(**sums).order_by("day")}
    by_day = []
    day = start
    while day <= end:
        r = per_day.get(day, NO_FIGURES)
        by_day.append(_figures(r, label=day.isoformat(), key=day))
        day += timedelta(days=1)
    return Report(
        start=start,
        end=end,
        total=_figures(total),
        by_banner=by_banner,
        by_slot=by_slot,
        by_day=by_day,
        by_campaign=(rows := campaign_rows(start=start, end=end, **filters)),
        progress=campaign_progress(_goal_campaign(rows)),
    )


def _goal_campaign(rows: list["CampaignRow"]) -> Campaign | None:
    """The campaign the goal chart shows: the first of the table with a goal (the filtered
    one, when the report is narrowed to a campaign)."""
    return next((row.campaign for row in rows if row.goal), None)


@dataclass
class CampaignProgress:
    """A campaign's cumulative delivery per day against what its goal expects by then."""

    campaign: Campaign
    days: list[date]
    delivered: list[int]
    expected: list[float]
    goal_total: int


def campaign_progress(
    campaign: Campaign | None, *, now: datetime | None = None
) -> CampaignProgress | None:
    """From the campaign's first day to today (or its last day), at most MAX_REPORT_DAYS: the
    impressions delivered so far at each day's end and what the goal expected by then (a total
    goal spread over the period; a per-day goal, each day's goal added up). One query."""
    if campaign is None or not campaign.goal_impressions:
        return None
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = timezone.localdate(campaign.starts_at)
    last = timezone.localdate(campaign.ends_at) if campaign.ends_at else today
    if campaign.ends_at and campaign.ends_at == day_bounds(last)[0]:
        last -= timedelta(days=1)  # ends at midnight: that day is not part of it
    last = min(last, today)
    if last < first:
        return None
    first = max(first, last - timedelta(days=MAX_REPORT_DAYS - 1))
    per_day = dict(
        BannerStat.objects.filter(banner__campaign=campaign, day__lte=last)
        .values("day")
        .annotate(n=Sum("impressions"))
        .values_list("day", "n")
    )
    before = sum(n for day, n in per_day.items() if day < first)
    plan = CampaignPlan.of(campaign)
    per_day_goal = campaign.goal_period == Campaign.GoalPeriod.DAY
    days, delivered, expected = [], [], []
    running, running_expected = before, 0.0
    day = first
    while day <= last:
        running += per_day.get(day, 0) or 0
        # The day's last moment (a per-day goal's period is the day of the moment asked).
        moment = min(day_bounds(day)[1] - timedelta(microseconds=1), now)
        if per_day_goal:
            running_expected += plan.expected_by(moment)
            wanted = running_expected
        else:
            wanted = plan.expected_by(moment)
        days.append(day)
        delivered.append(running)
        expected.append(round(wanted, 1))
        day += timedelta(days=1)
    goal_total = (
        campaign.goal_impressions * len(days) if per_day_goal else campaign.goal_impressions
    )
    return CampaignProgress(
        campaign=campaign,
        days=days,
        delivered=delivered,
        expected=expected,
        goal_total=goal_total,
    )


def campaign_rows(*, start: date, end: date, now: datetime | None = None, **filters):
    """The campaigns running at some time in [start, end] (or with figures there), narrowed by
    advertiser or campaign, each with its figures in the period and its goal's progress now.
    Four queries, whatever the number of campaigns."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period_start, _ = day_bounds(start)
    _, period_end = day_bounds(end)
    campaigns = Campaign.objects.select_related("advertiser").filter(
        Q(starts_at__lt=period_end, ends_at__isnull=True)
        | Q(starts_at__lt=period_end, ends_at__gt=period_start)
        | Q(banners__stats__day__gte=start, banners__stats__day__lte=end)
    )
    if filters.get("advertiser"):
        campaigns = campaigns.filter(advertiser_id=filters["advertiser"])
    if filters.get("campaign"):
        campaigns = campaigns.filter(pk=filters["campaign"])
    campaigns = list(campaigns.distinct().order_by("-priority", "starts_at", "name"))
    ids = [c.pk for c in campaigns]
    sums = SUMS
    in_period = {
        r["banner__campaign"]: r
        for r in _stats(start, end, filters)
        .filter(banner__campaign__in=ids)
        .values("banner__campaign")
        .annotate(**sums)
    }
    all_time = dict(
        BannerStat.objects.filter(banner__campaign__in=ids)
        .values("banner__campaign")
        .annotate(n=Sum("impressions"))
        .values_list("banner__campaign", "n")
    )
    on_the_day = dict(
        BannerStat.objects.filter(banner__campaign__in=ids, day=today)
        .values("banner__campaign")
        .annotate(n=Sum("impressions"))
        .values_list("banner__campaign", "n")
    )
    rows = []
    for campaign in campaigns:
        figures = in_period.get(campaign.pk, NO_FIGURES)
        per_day = campaign.goal_period == Campaign.GoalPeriod.DAY
        delivered = (on_the_day if per_day and campaign.goal_impressions else all_time).get(
            campaign.pk
        ) or 0
        expected = None
        if campaign.goal_impressions:
            expected = round(CampaignPlan.of(campaign).expected_by(now))
        rows.append(
            CampaignRow(
                impressions=figures["impressions"] or 0,
                clicks=figures["clicks"] or 0,
                viewable=figures["viewable"] or 0,
                campaign=campaign,
                delivered=delivered,
                expected=expected,
            )
        )
    return rows


CSV_HEADER = [
    "날짜",
    "광고주",
    "캠페인",
    "배너",
    "슬롯 코드",
    "슬롯",
    "노출",
    "가시 노출",
    "가시율(%)",
    "클릭",
    "클릭률(%)",
    "의심 클릭(집계 제외)",
]
CAMPAIGN_CSV_HEADER = [
    "캠페인",
    "광고주",
    "우선순위",
    "시작",
    "종료",
    "노출 목표",
    "목표 단위",
    "독자당 하루 한도",
    "기간 노출",
    "기간 가시 노출",
    "기간 가시율(%)",
    "기간 클릭",
    "기간 클릭률(%)",
    "목표 기준 노출",
    "지금까지 기대 노출",
    "진도(%)",
    "상태",
]


def _writer():
    out = io.StringIO()
    out.write("\ufeff")
    return out, csv.writer(out, lineterminator="\r\n")


def report_csv(*, start: date, end: date, **filters: int | None) -> str:
    """One row per day, banner and slot; UTF-8 with BOM so Excel shows Korean intact."""
    stats = _stats(start, end, filters)
    rows = stats.select_related("banner__advertiser", "banner__campaign", "slot").order_by(
        "day", "banner__advertiser__name", "banner__name", "slot__sort_order"
    )
    out, writer = _writer()
    writer.writerow(CSV_HEADER)
    for stat in rows:
        figures = Figures(
            impressions=stat.impressions, clicks=stat.clicks, viewable=stat.viewable_impressions
        )
        writer.writerow(
            [
                stat.day.isoformat(),
                _safe_cell(stat.banner.advertiser.name),
                _safe_cell(stat.banner.campaign.name),
                _safe_cell(stat.banner.name),
                stat.slot.code,
                _safe_cell(stat.slot.name),
                stat.impressions,
                stat.viewable_impressions,
                f"{figures.viewability:.1f}",
                stat.clicks,
                f"{figures.ctr:.2f}",
                stat.flagged_clicks,
            ]
        )
    return out.getvalue()


def campaigns_csv(*, start: date, end: date, **filters: int | None) -> str:
    """One row per campaign of the period: its settings, its figures in the period and its
    goal's progress now (the report's campaign table, every figure)."""
    out, writer = _writer()
    writer.writerow(CAMPAIGN_CSV_HEADER)
    for row in campaign_rows(start=start, end=end, **filters):
        campaign = row.campaign
        ends = timezone.localtime(campaign.ends_at).isoformat() if campaign.ends_at else ""
        writer.writerow(
            [
                _safe_cell(campaign.name),
                _safe_cell(campaign.advertiser.name),
                campaign.get_priority_display(),
                timezone.localtime(campaign.starts_at).isoformat(),
                ends,
                campaign.goal_impressions or "",
                campaign.get_goal_period_display() if campaign.goal_impressions else "",
                campaign.daily_cap or "",
                row.impressions,
                row.viewable,
                f"{row.viewability:.1f}",
                row.clicks,
                f"{row.ctr:.2f}",
                row.delivered,
                "" if row.expected is None else row.expected,
                "" if row.pace is None else f"{row.pace:.1f}",
                row.pace_label,
            ]
        )
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ is read as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- Slot calendar ----------------------------------------------------------------------------


@dataclass
class CalendarCell:
    day: date
    banners: list[str]  # "[우선순위] 캠페인 · 배너", highest priority first
    capacity: int

    @property
    def state(self) -> str:
        if not self.banners:
            return "free"
        return "sold" if len(self.banners) >= self.capacity else "partial"

    @property
    def label(self) -> str:
        return {"free": "비어 있음", "sold": "판매됨", "partial": "일부 판매"}[self.state]


@dataclass
class CalendarRow:
    slot: BannerSlot
    cells: list[CalendarCell]


def slot_calendar(*, start: date, days: int) -> list[CalendarRow]:
    """Each slot, each day: which banners are placed there (one query for all placements)."""
    days = max(1, min(days, MAX_CALENDAR_DAYS))
    period_start, _ = day_bounds(start)
    _, period_end = day_bounds(start + timedelta(days=days - 1))
    placements = list(
        Placement.objects.overlapping(period_start, period_end).select_related(
            "banner__campaign", "slot"
        )
    )
    rows = []
    for slot in BannerSlot.objects.filter(is_active=True):
        mine = [p for p in placements if p.slot_id == slot.pk]
        cells = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            day_start, day_end = day_bounds(day)
            running = {
                (-p.banner.campaign.priority, p.banner.campaign.name, p.banner.name): p
                for p in mine
                if (p.period_start is None or p.period_start < day_end)
                and (p.period_end is None or p.period_end > day_start)
            }
            names = [
                f"[{p.banner.campaign.get_priority_display()}] {campaign} · {banner}"
                for (_, campaign, banner), p in sorted(running.items())
            ]
            cells.append(CalendarCell(day=day, banners=names, capacity=slot.max_banners))
        rows.append(CalendarRow(slot=slot, cells=cells))
    return rows
