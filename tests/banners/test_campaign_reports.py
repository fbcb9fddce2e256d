"""The report, its CSVs and the slot calendar understand campaigns: goal, delivered, expected
by now."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine

from banners import reports
from banners.models import BannerSlot, BannerStat, Campaign

from .conftest import NOW

pytestmark = pytest.mark.django_db

START = NOW - timedelta(days=5)  # 2026-03-05 12:00 in Seoul
END = NOW + timedelta(days=5)


@pytest.fixture
def sold(advertiser, make_banner, place, slot):
    """A guaranteed campaign with a total goal of 10,000 over ten days, half-way through with
    4,000 delivered; a house campaign without a goal."""
    paced = Campaign.objects.create(
        advertiser=advertiser,
        name="한빛 보장형",
        priority=Campaign.Priority.GUARANTEED,
        starts_at=START,
        ends_at=END,
        goal_impressions=10_000,
        daily_cap=3,
    )
    house = Campaign.objects.create(
        advertiser=advertiser,
        name="자사 광고",
        priority=Campaign.Priority.HOUSE,
        starts_at=START,
    )
    banner = make_banner(name="보장형 배너", campaign=paced, starts_at=None, ends_at=None)
    house_banner = make_banner(name="하우스 배너", campaign=house, starts_at=None, ends_at=None)
    place(banner, slot)
    place(house_banner, slot)
    for offset, impressions in enumerate([1000, 1000, 1000, 1000]):
        BannerStat.objects.create(
            banner=banner,
            slot=slot,
            day=date(2026, 3, 6) + timedelta(days=offset),
            impressions=impressions,
            clicks=10,
            flagged_clicks=2,
        )
    BannerStat.objects.create(
        banner=house_banner, slot=slot, day=date(2026, 3, 9), impressions=700, clicks=7
    )
    return paced, house


def test_campaign_rows_give_goal_delivered_and_expected_by_now(sold):
    rows = {
        r.campaign.name: r
        for r in reports.campaign_rows(start=date(2026, 3, 8), end=date(2026, 3, 10), now=NOW)
    }
    assert list(rows) == ["한빛 보장형", "자사 광고"]  # by priority
    row = rows["한빛 보장형"]
    assert (row.impressions, row.clicks) == (2000, 20)  # in the report's period
    assert row.delivered == 4000  # the whole campaign, for a total goal
    assert row.expected == 5000  # half of the goal at half-time
    assert row.pace == 80.0
    assert row.pace_label == "뒤처짐 (더 노출)"
    assert row.goal_label == "10,000 (기간 전체)"
    assert rows["자사 광고"].expected is None
    assert rows["자사 광고"].pace_label == "목표 없음"


def test_the_report_shows_each_campaign_with_korean_columns(client, ad_manager, sold):
    client.force_login(ad_manager)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/admin/banners/bannerstat/?start=2026-03-08&end=2026-03-10")
    html = page.content.decode()
    for column in ("노출 목표", "목표 기준 노출", "지금까지 기대 노출", "진도", "상태"):
        assert f">{column}</th>" in html
    assert "10,000 (기간 전체)" in html
    assert "5,000" in html and "80.0%" in html


def test_the_report_can_be_narrowed_to_one_campaign(client, ad_manager, sold):
    _, house = sold
    client.force_login(ad_manager)
    with time_machine.travel(NOW, tick=False):
        page = client.get(
            f"/admin/banners/bannerstat/?start=2026-03-08&end=2026-03-10&campaign={house.pk}"
        )
    report = page.context["report"]
    assert report.total.impressions == 700
    assert [row.campaign for row in report.by_campaign] == [house]


def test_the_campaign_csv_keeps_every_figure(client, ad_manager, sold):
    client.force_login(ad_manager)
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            "/admin/banners/bannerstat/csv/?start=2026-03-08&end=2026-03-10&table=campaigns"
        )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == reports.CAMPAIGN_CSV_HEADER
    paced = dict(zip(rows[0], rows[1], strict=True))
    assert paced["캠페인"] == "한빛 보장형"
    assert paced["우선순위"] == "보장형"
    assert paced["노출 목표"] == "10000"
    assert paced["목표 단위"] == "기간 전체"
    assert paced["독자당 하루 한도"] == "3"
    assert (paced["기간 노출"], paced["기간 클릭"], paced["기간 클릭률(%)"]) == (
        "2000",
        "20",
        "1.00",
    )
    assert (paced["목표 기준 노출"], paced["지금까지 기대 노출"], paced["진도(%)"]) == (
        "4000",
        "5000",
        "80.0",
    )


def test_the_detail_csv_names_the_campaign_and_the_flagged_clicks(client, ad_manager, sold):
    client.force_login(ad_manager)
    response = client.get("/admin/banners/bannerstat/csv/?start=2026-03-08&end=2026-03-08")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][2] == "한빛 보장형"
    assert rows[1][-1] == "2"


def test_the_slot_calendar_names_campaigns_with_their_priority_and_goals(client, ad_manager, sold):
    client.force_login(ad_manager)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/admin/banners/bannerslot/calendar/?start=2026-03-10&days=3")
    html = page.content.decode()
    assert "[보장형] 한빛 보장형 · 보장형 배너" in html
    assert "[하우스] 자사 광고 · 하우스 배너" in html
    assert "지금까지 기대 노출" in html and "10,000 (기간 전체)" in html
    slot = BannerSlot.objects.get(code="article-side-1")
    [row] = [r for r in page.context["rows"] if r.slot == slot]
    assert row.cells[0].banners[0].startswith("[보장형]")  # highest priority first


def test_report_and_calendar_queries_do_not_grow_with_campaigns(
    client, ad_manager, advertiser, django_assert_max_num_queries
):
    for number in range(12):
        Campaign.objects.create(
            advertiser=advertiser,
            name=f"캠페인 {number}",
            starts_at=START,
            ends_at=END,
            goal_impressions=1000,
        )
    client.force_login(ad_manager)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(22):
            assert client.get("/admin/banners/bannerstat/").status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get("/admin/banners/bannerslot/calendar/").status_code == 200
