"""The report with viewable impressions, viewability and CTR; the CSVs keep every figure; the
server-drawn SVG charts carry text alternatives and do not rely on colour."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from banners import charts, reports
from banners.models import BannerSlot, BannerStat, Campaign

from .conftest import campaign_of

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 8)


@pytest.fixture
def figures(make_banner, advertiser):
    campaign = campaign_of(
        advertiser,
        starts_at=datetime(2026, 3, 7, 15, 0, tzinfo=UTC),  # 3/8 00:00 in Seoul
        ends_at=datetime(2026, 3, 17, 15, 0, tzinfo=UTC),  # 3/18 00:00: ten days
        goal_impressions=10_000,
        goal_period=Campaign.GoalPeriod.TOTAL,
    )
    banner = make_banner(name="한빛 배너", campaign=campaign)
    slot = BannerSlot.objects.get(code="article-side-1")
    for offset, (impressions, viewable, clicks) in enumerate(
        [(1000, 600, 10), (2000, 1000, 30), (500, 0, 0)]
    ):
        BannerStat.objects.create(
            banner=banner,
            slot=slot,
            day=DAY + timedelta(days=offset),
            impressions=impressions,
            viewable_impressions=viewable,
            clicks=clicks,
        )
    return campaign


def report_page(client, ad_manager, **query):
    client.force_login(ad_manager)
    params = {"start": "2026-03-08", "end": "2026-03-10", **query}
    with time_machine.travel(datetime(2026, 3, 10, 3, 0, tzinfo=UTC), tick=False):
        return client.get("/admin/banners/bannerstat/", params)


def test_report_shows_served_viewable_viewability_clicks_and_ctr(client, ad_manager, figures):
    response = report_page(client, ad_manager)
    report = response.context["report"]
    assert (report.total.impressions, report.total.viewable, report.total.clicks) == (
        3500,
        1600,
        40,
    )
    assert report.total.viewability == 45.7
    assert report.total.ctr == 1.14
    assert [(r.viewable, r.viewability) for r in report.by_day] == [
        (600, 60.0),
        (1000, 50.0),
        (0, 0.0),
    ]
    [row] = report.by_campaign
    assert (row.viewable, row.viewability) == (1600, 45.7)
    html = response.content.decode()
    for heading in ["가시 노출", "가시율", "클릭률"]:
        assert f'<th scope="col" class="num">{heading}</th>' in html
    assert '<td class="num">60.0%</td>' in html


def test_viewability_of_no_impressions_is_zero_not_an_error():
    assert reports.Figures().viewability == 0.0


def test_both_csvs_keep_viewable_impressions_and_viewability(client, ad_manager, figures):
    client.force_login(ad_manager)
    query = "start=2026-03-08&end=2026-03-10"
    with time_machine.travel(datetime(2026, 3, 10, 3, 0, tzinfo=UTC), tick=False):
        detail = client.get(f"/admin/banners/bannerstat/csv/?{query}").content
        campaigns = client.get(f"/admin/banners/bannerstat/csv/?{query}&table=campaigns").content
    rows = list(csv.DictReader(io.StringIO(detail.decode("utf-8-sig"))))
    assert [(r["노출"], r["가시 노출"], r["가시율(%)"], r["클릭률(%)"]) for r in rows] == [
        ("1000", "600", "60.0", "1.00"),
        ("2000", "1000", "50.0", "1.50"),
        ("500", "0", "0.0", "0.00"),
    ]
    [row] = csv.DictReader(io.StringIO(campaigns.decode("utf-8-sig")))
    assert (row["기간 노출"], row["기간 가시 노출"], row["기간 가시율(%)"]) == (
        "3500",
        "1600",
        "45.7",
    )


def test_the_report_draws_daily_and_goal_charts_with_text_alternatives(client, ad_manager, figures):
    html = report_page(client, ad_manager).content.decode()
    svgs = re.findall(r"<svg class=\"banner-chart\".*?</svg>", html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        chart_id = re.search(r'id="([^"]+)"', svg).group(1)
        assert f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        assert re.search(rf'<title id="{chart_id}-title">[^<]+</title>', svg)
        assert re.search(rf'<desc id="{chart_id}-desc">[^<]+</desc>', svg)
    impressions, clicks, goal = svgs
    assert "일별 노출과 가시 노출" in impressions and "합계 3,500회" in impressions
    # Told apart without colour: a solid and a dashed line, circles and squares, direct labels.
    assert 'data-series="노출"' in impressions and 'data-series="가시 노출"' in impressions
    assert 'stroke-dasharray="6 4"' in impressions
    assert "<circle" in impressions and "<rect" in impressions
    assert ">노출</text>" in impressions and ">가시 노출</text>" in impressions
    assert "일별 클릭" in clicks and "합계 40회" in clicks
    assert "목표 대비 누적 노출" in goal and "목표 10,000회" in goal
    assert ">목표 10,000</text>" in goal


def test_campaign_progress_is_cumulative_against_the_evenly_spread_goal(figures):
    now = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 3/10 12:00 in Seoul
    progress = reports.campaign_progress(figures, now=now)
    assert progress.days == [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    assert progress.delivered == [1000, 3000, 3500]
    # 10,000 over ten days: 1,000 a day; at noon of the third day 2,500.
    assert progress.expected == [1000.0, 2000.0, 2500.0]


def test_a_per_day_goal_adds_each_days_goal(figures):
    figures.goal_period = Campaign.GoalPeriod.DAY
    figures.goal_impressions = 800
    figures.save()
    now = datetime(2026, 3, 9, 14, 59, 59, tzinfo=UTC)  # the last second of 3/9 in Seoul
    progress = reports.campaign_progress(figures, now=now)
    assert progress.delivered == [1000, 3000]
    assert progress.expected == [800.0, 1600.0]
    assert progress.goal_total == 1600


def test_no_goal_no_goal_chart(make_banner, advertiser):
    campaign = campaign_of(advertiser, starts_at=timezone.now() - timedelta(days=2))
    assert reports.campaign_progress(campaign) is None
    assert charts.goal_chart(None) is None


def test_chart_texts_are_escaped():
    svg = charts.line_chart(
        chart_id="x",
        title="<script>alert(1)</script>",
        description='"><img src=x onerror=alert(1)>',
        days=[DAY],
        series=[charts.Series("<b>", [1], "", "circle", "#000")],
    )
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_nice_max_rounds_the_axis_up():
    assert [charts.nice_max(v) for v in (0, 3, 7, 12, 240, 3500, 9000)] == [
        4,
        4,
        8,
        20,
        400,
        4000,
        10000,
    ]
