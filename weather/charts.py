"""Small inline SVG charts of temperature, drawn on the server (no script, no library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

WIDTH = 240
HEIGHT = 72
PAD_X = 6
PAD_TOP = 14
PAD_BOTTOM = 14
MIN_SPAN = Decimal("2.0")  # °C: a flat day is drawn flat, not as a zig-zag of 0.1° steps
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[str]  # `points` of each unbroken run of hourly readings
    dots: list[tuple[str, str]]  # runs of one reading, and the newest reading (x, y)
    low: Decimal
    high: Decimal
    start: datetime
    end: datetime
    count: int
    description: str


def temperature_chart(
    points: list[tuple[datetime, Decimal]], *, end: datetime, hours: int = 24, label: str = ""
) -> Chart | None:
    """A line of hourly temperatures over the `hours` hours that end at `end`.

    A missing hour breaks the line instead of being bridged. None when there is no point.
    """
    start = end - (hours - 1) * HOUR
    data = sorted((at, t) for at, t in points if t is not None and start <= at <= end)
    if not data:
        return None
    temps = [t for _, t in data]
    low, high = min(temps), max(temps)
    span = max(high - low, MIN_SPAN)
    middle = (high + low) / 2
    bottom = middle - span / 2
    plot_w = WIDTH - 2 * PAD_X
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    total = max((end - start).total_seconds(), 1)

    def xy(at: datetime, temp: Decimal) -> tuple[float, float]:
        x = PAD_X + plot_w * (at - start).total_seconds() / total
        y = PAD_TOP + plot_h * (1 - float((temp - bottom) / span))
        return round(x, 1), round(y, 1)

    runs: list[list[tuple[float, float]]] = []
    previous: datetime | None = None
    for at, temp in data:
        if previous is None or at - previous > HOUR:
            runs.append([])
        runs[-1].append(xy(at, temp))
        previous = at
    lines = [" ".join(f"{x},{y}" for x, y in run) for run in runs if len(run) > 1]
    dots = [run[0] for run in runs if len(run) == 1]
    newest = xy(*data[-1])
    if newest not in dots:
        dots.append(newest)

    def when(at: datetime) -> str:
        return f"{timezone.localtime(at):%H:%M}"

    low_at = next(at for at, t in data if t == low)
    high_at = next(at for at, t in data if t == high)
    description = (
        f"{label} 최근 {hours}시간 기온 ({when(end)}까지): "
        f"최저 {low:.1f}℃({when(low_at)}), 최고 {high:.1f}℃({when(high_at)}), "
        f"관측 {len(data)}회"
    ).strip()
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        dots=[(f"{x}", f"{y}") for x, y in dots],
        low=low,
        high=high,
        start=start,
        end=end,
        count=len(data),
        description=description,
    )
