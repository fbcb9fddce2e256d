"""The report's charts, drawn on the server as inline SVG (no script, no library).

Readable without colour: every series differs by its line (solid, dashed, dotted) and its
markers (circle, square, triangle), carries its name as a label at its last point, and each chart
has a <title> and a <desc> (named by aria-labelledby) that say what it shows in words; the
figures themselves are in the report's tables and CSV. Every text is escaped here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 120, 24, 40


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    dash: str  # "" solid, "6 4" dashed, "2 3" dotted
    marker: str  # circle, square, triangle
    colour: str


def nice_max(value: float) -> float:
    """A round upper bound for the y axis that four grid steps divide into round numbers
    (2, 4, 8 or 10 × 10ⁿ), at least 4 (counts: no fractional ticks)."""
    if value <= 4:
        return 4.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 8, 10):
        if value <= step * power:
            return float(step * power)
    return 10.0 * power


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7"/>'
    if kind == "triangle":
        corners = [(x, y - 4.5), (x + 4.5, y + 3.5), (x - 4.5, y + 3.5)]
        return '<path d="M' + "L".join(f"{cx:.1f} {cy:.1f}" for cx, cy in corners) + 'Z"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>'


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    days: list[date],
    series: list[Series],
    y_label: str = "",
    extra_lines: list[tuple[str, float]] = (),
) -> SafeString:
    """Days along x, one line per series; `extra_lines` are horizontal reference lines
    (a goal) with their labels."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_max(max([v for s in series for v in s.values] + [v for _, v in extra_lines] + [0]))
    count = max(len(days), 1)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    out = [
        f'<svg class="banner-chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        'xmlns="http://www.w3.org/2000/svg" font-size="15">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
        '<g class="grid" stroke="#ccc" stroke-width="1">',
    ]
    for step in range(5):
        value = top * step / 4
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
        )
    out.append("</g>")
    out.append('<g class="axis" fill="#333">')
    for step in range(5):
        value = top * step / 4
        out.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_number(value)}</text>'
        )
    every = max(1, math.ceil(count / 8))
    for i, day in enumerate(days):
        if i % every == 0 or i == count - 1:
            out.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
                f"{day.month}/{day.day}</text>"
            )
    if y_label:
        out.append(f'<text x="{LEFT}" y="{TOP - 6}" text-anchor="start">{escape(y_label)}</text>')
    out.append("</g>")
    for label, value in extra_lines:
        out.append(
            '<g class="reference" stroke="#555" fill="#333">'
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" '
            f'y1="{y(value):.1f}" y2="{y(value):.1f}" stroke-dasharray="10 3 2 3"/>'
            f'<text x="{LEFT + plot_w + 6}" y="{y(value) + 4:.1f}" stroke="none">'
            f"{escape(label)}</text></g>"
        )
    label_ys: list[float] = []
    for s in series:
        points = [(x(i), y(v)) for i, v in enumerate(s.values)]
        if not points:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(
            f'<g class="series" data-series="{escape(s.name)}" stroke="{s.colour}" '
            f'fill="{s.colour}"><polyline points="{path}" fill="none" stroke-width="2"{dash}/>'
        )
        if len(points) <= 62:
            out.extend(_marker(s.marker, px, py) for px, py in points)
        # The name at the last point, moved down when another label is already there.
        ly = points[-1][1] + 4
        while any(abs(ly - other) < 14 for other in label_ys):
            ly += 14
        label_ys.append(ly)
        out.append(
            f'<text x="{points[-1][0] + 8:.1f}" y="{ly:.1f}" stroke="none">'
            f"{escape(s.name)}</text></g>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 -- every text above is escaped


def daily_charts(by_day) -> list[SafeString]:
    """Impressions and viewable impressions per day; clicks per day on their own scale."""
    days = [row.key for row in by_day]
    if not days:
        return []
    first, last = days[0].isoformat(), days[-1].isoformat()
    impressions = [row.impressions for row in by_day]
    viewable = [row.viewable for row in by_day]
    clicks = [row.clicks for row in by_day]
    return [
        line_chart(
            chart_id="chart-impressions",
            title=f"일별 노출과 가시 노출 ({first} ~ {last})",
            description=(
                f"실선과 원: 노출, 합계 {sum(impressions):,}회. "
                f"파선과 사각형: 가시 노출, 합계 {sum(viewable):,}회. "
                f"가장 많은 날의 노출 {max(impressions):,}회. 날짜별 숫자는 아래 표에 있습니다."
            ),
            days=days,
            y_label="회",
            series=[
                Series("노출", impressions, "", "circle", "#1f4e99"),
                Series("가시 노출", viewable, "6 4", "square", "#b3541e"),
            ],
        ),
        line_chart(
            chart_id="chart-clicks",
            title=f"일별 클릭 ({first} ~ {last})",
            description=(
                f"점선과 삼각형: 클릭, 합계 {sum(clicks):,}회, 가장 많은 날 {max(clicks):,}회. "
                "날짜별 숫자는 아래 표에 있습니다."
            ),
            days=days,
            y_label="회",
            series=[Series("클릭", clicks, "2 3", "triangle", "#2e7d32")],
        ),
    ]


def goal_chart(progress) -> SafeString | None:
    """One campaign against its goal: cumulative delivered (solid) and the expected line
    (dashed), with the goal as a reference line."""
    if progress is None or not progress.days:
        return None
    campaign = progress.campaign
    delivered, expected = progress.delivered, progress.expected
    return line_chart(
        chart_id=f"chart-goal-{campaign.pk}",
        title=f"캠페인 '{campaign.name}' 목표 대비 누적 노출",
        description=(
            f"목표 {campaign.goal_impressions:,}회({campaign.get_goal_period_display()}). "
            f"실선과 원: 누적 노출, {progress.days[-1].isoformat()}까지 {delivered[-1]:,}회. "
            f"파선과 사각형: 고르게 나눴을 때 기대 누적 노출, {round(expected[-1]):,}회. "
            "일점쇄선: 목표."
        ),
        days=progress.days,
        y_label="누적 노출(회)",
        series=[
            Series("누적 노출", delivered, "", "circle", "#1f4e99"),
            Series("기대 노출", expected, "6 4", "square", "#6b4e00"),
        ],
        extra_lines=[(f"목표 {progress.goal_total:,}", progress.goal_total)],
    )
