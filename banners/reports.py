"""Read-side figures for the ad manager: the statistics report and the slot calendar."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Sum
from django.utils import timezone

from newsroom.params import parse_date

from .models import BannerSlot, BannerStat, Placement

MAX_REPORT_DAYS = 366
MAX_CALENDAR_DAYS = 62


@dataclass
class Figures:
    impressions: int = 0
    clicks: int = 0

    @property
    def ctr(self) -> float:
        """Click-through rate in per cent."""
        return round(self.clicks * 100 / self.impressions, 2) if self.impressions else 0.0


@dataclass
class Row(Figures):
    label: str = ""
    sublabel: str = ""
    key: object = None


@dataclass
class Report:
    start: date
    end: date
    total: Figures
    by_banner: list[Row]
    by_slot: list[Row]
    by_day: list[Row]
    detail: list[Row] = field(default_factory=list)


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
        **labels,
    )


def _stats(start: date, end: date, filters: dict[str, int | None]):
    """The period's rows, narrowed by advertiser, banner and slot ids where given."""
    stats = BannerStat.objects.filter(day__gte=start, day__lte=end)
    lookups = {"advertiser": "banner__advertiser_id", "banner": "banner_id", "slot": "slot_id"}
    for name, value in filters.items():
        if value:
            stats = stats.filter(**{lookups[name]: value})
    return stats


def build_report(*, start: date, end: date, **filters: int | None) -> Report:
    stats = _stats(start, end, filters)
    sums = {"impressions": Sum("impressions"), "clicks": Sum("clicks")}
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
        r = per_day.get(day, {"impressions": 0, "clicks": 0})
        by_day.append(_figures(r, label=day.isoformat(), key=day))
        day += timedelta(days=1)
    return Report(
        start=start,
        end=end,
        total=Figures(impressions=total["impressions"] or 0, clicks=total["clicks"] or 0),
        by_banner=by_banner,
        by_slot=by_slot,
        by_day=by_day,
    )


CSV_HEADER = ["날짜", "광고주", "배너", "슬롯 코드", "슬롯", "노출", "클릭", "클릭률(%)"]


def report_csv(*, start: date, end: date, **filters: int | None) -> str:
    """One row per day, banner and slot; UTF-8 with BOM so Excel shows Korean intact."""
    stats = _stats(start, end, filters)
    rows = stats.select_related("banner__advertiser", "slot").order_by(
        "day", "banner__advertiser__name", "banner__name", "slot__sort_order"
    )
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for stat in rows:
        figures = Figures(impressions=stat.impressions, clicks=stat.clicks)
        writer.writerow(
            [
                stat.day.isoformat(),
                _safe_cell(stat.banner.advertiser.name),
                _safe_cell(stat.banner.name),
                stat.slot.code,
                _safe_cell(stat.slot.name),
                stat.impressions,
                stat.clicks,
                f"{figures.ctr:.2f}",
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
    banners: list[str]
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


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def slot_calendar(*, start: date, days: int) -> list[CalendarRow]:
    """Each slot, each day: which banners are placed there (one query for all placements)."""
    days = max(1, min(days, MAX_CALENDAR_DAYS))
    period_start, _ = _day_bounds(start)
    _, period_end = _day_bounds(start + timedelta(days=days - 1))
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
            day_start, day_end = _day_bounds(day)
            names = sorted(
                {
                    p.banner.name
                    for p in mine
                    if (p.period_start is None or p.period_start < day_end)
                    and (p.period_end is None or p.period_end > day_start)
                }
            )
            cells.append(CalendarCell(day=day, banners=names, capacity=slot.max_banners))
        rows.append(CalendarRow(slot=slot, cells=cells))
    return rows
