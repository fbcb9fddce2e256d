"""Advertisers' signed, expiring, revocable report links: only their figures, the chart and
the CSV; a wrong, expired or revoked link is refused with a Korean page."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from banners import report_links
from banners.models import Advertiser, BannerSlot, BannerStat, Campaign, ReportLink

from .conftest import campaign_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_advertisers(make_banner, advertiser):
    other = Advertiser.objects.create(name="누리바이오")
    ours = campaign_of(
        advertiser,
        starts_at=timezone.now() - timedelta(days=5),
        ends_at=timezone.now() + timedelta(days=5),
        goal_impressions=5000,
        goal_period=Campaign.GoalPeriod.TOTAL,
    )
    second = Campaign.objects.create(
        advertiser=advertiser, name="한빛 가을 캠페인", starts_at=timezone.now() - timedelta(days=3)
    )
    theirs = campaign_of(other, starts_at=timezone.now() - timedelta(days=5))
    slot = BannerSlot.objects.get(code="article-side-1")
    today = timezone.localdate()
    rows = [
        (make_banner(name="한빛 봄 배너", campaign=ours), 1000, 700, 12),
        (make_banner(name="한빛 가을 배너", campaign=second), 300, 100, 3),
        (make_banner(name="누리 비밀 배너", campaign=theirs), 9999, 8888, 99),
    ]
    for banner, impressions, viewable, clicks in rows:
        BannerStat.objects.create(
            banner=banner,
            slot=slot,
            day=today - timedelta(days=1),
            impressions=impressions,
            viewable_impressions=viewable,
            clicks=clicks,
        )
    return advertiser, ours


def test_the_advertisers_page_shows_only_its_figures_and_the_chart(two_advertisers):
    advertiser, _ = two_advertisers
    link = report_links.issue(advertiser=advertiser)
    response = Client().get(report_links.url_for(link))
    assert response.status_code == 200
    html = response.content.decode()
    assert "한빛제약 광고 보고서" in html
    assert "한빛 봄 배너" in html and "한빛 가을 배너" in html
    assert "누리" not in html and "9,999" not in html and "8,888" not in html
    report = response.context["report"]
    assert (report.total.impressions, report.total.viewable, report.total.clicks) == (1300, 800, 15)
    assert '<svg class="banner-chart"' in html and "<desc id=" in html
    assert "목표 대비 누적 노출" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies


def test_a_campaign_link_shows_only_that_campaign(two_advertisers):
    advertiser, ours = two_advertisers
    link = report_links.issue(advertiser=advertiser, campaign=ours)
    html = Client().get(report_links.url_for(link)).content.decode()
    assert "한빛 봄 배너" in html
    assert "한빛 가을" not in html and "누리" not in html


def test_the_csv_has_only_the_advertisers_rows(two_advertisers):
    advertiser, _ = two_advertisers
    link = report_links.issue(advertiser=advertiser)
    response = Client().get(report_links.url_for(link) + "csv/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r["배너"] for r in rows) == ["한빛 가을 배너", "한빛 봄 배너"]
    assert {r["가시 노출"] for r in rows} == {"700", "100"}


def test_a_revoked_link_is_refused_with_a_korean_403(two_advertisers):
    advertiser, _ = two_advertisers
    link = report_links.issue(advertiser=advertiser)
    url = report_links.url_for(link)
    assert report_links.revoke(link=link)
    assert not report_links.revoke(link=link)
    for address in (url, url + "csv/"):
        response = Client().get(address)
        assert response.status_code == 403
        assert "폐기된 보고서 링크입니다" in response.content.decode()
        assert "한빛 봄 배너" not in response.content.decode()


def test_an_expired_link_is_refused_with_a_korean_403(two_advertisers):
    advertiser, _ = two_advertisers
    link = report_links.issue(advertiser=advertiser, days=2)
    url = report_links.url_for(link)
    assert Client().get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2, seconds=1)):
        response = Client().get(url)
    assert response.status_code == 403
    assert "기한이 지났습니다" in response.content.decode()


def test_a_token_older_than_any_link_is_refused_even_if_the_row_says_otherwise(two_advertisers):
    advertiser, _ = two_advertisers
    link = report_links.issue(advertiser=advertiser)
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        url = report_links.url_for(link)
    assert Client().get(url).status_code == 403


@pytest.mark.parametrize(
    "make_token",
    [
        lambda link: report_links.token_for(link)[:-1] + "x",  # altered signature
        lambda link: "a" + report_links.token_for(link),  # altered key
        lambda link: signing.TimestampSigner(salt="other").sign(link.key),  # another salt
        lambda link: signing.TimestampSigner(salt=report_links.SALT).sign("made-up-key"),
        lambda link: link.key,  # the key alone
        lambda link: "%3Cscript%3E",
    ],
)
def test_a_wrong_link_is_a_korean_404(two_advertisers, make_token):
    advertiser, _ = two_advertisers
    link = report_links.issue(advertiser=advertiser)
    response = Client().get(f"/banners/report/{make_token(link)}/")
    assert response.status_code == 404
    assert "보고서 링크를 찾을 수 없습니다" in response.content.decode()


def test_other_methods_are_refused(two_advertisers):
    link = report_links.issue(advertiser=two_advertisers[0])
    assert Client().post(report_links.url_for(link)).status_code == 405


# --- The ad manager's list of issued links, with 폐기 -------------------------------------------


def test_the_ad_manager_issues_lists_and_revokes_links(client, ad_manager, two_advertisers):
    advertiser, ours = two_advertisers
    client.force_login(ad_manager)
    form = client.get("/admin/banners/reportlink/add/")
    assert form.status_code == 200
    expires = timezone.localtime() + timedelta(days=30)
    response = client.post(
        "/admin/banners/reportlink/add/",
        {
            "advertiser": advertiser.pk,
            "campaign": ours.pk,
            "expires_at_0": f"{expires:%Y-%m-%d}",
            "expires_at_1": f"{expires:%H:%M:%S}",
        },
        follow=True,
    )
    assert response.status_code == 200
    link = ReportLink.objects.get()
    assert link.created_by == ad_manager and len(link.key) >= 20
    # The message and the list show the link (its token is signed with the time it was made,
    # so it is compared by what it resolves to, not as the text url_for() gives a second later).
    shown = re.findall(r"/banners/report/([^/\"<\s]+)/", response.content.decode())
    assert shown and {report_links.resolve(token) for token in shown} == {link}
    assert "사용 중" in response.content.decode()
    response = client.post(
        "/admin/banners/reportlink/",
        {"action": "revoke", "_selected_action": [link.pk]},
        follow=True,
    )
    assert "링크 1개를 폐기했습니다" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert Client().get(report_links.url_for(link)).status_code == 403


def test_a_link_needs_the_advertisers_own_campaign_and_a_future_expiry(
    client, ad_manager, two_advertisers
):
    advertiser, _ = two_advertisers
    theirs = Campaign.objects.exclude(advertiser=advertiser).get()
    client.force_login(ad_manager)
    past = timezone.localtime() - timedelta(days=1)
    response = client.post(
        "/admin/banners/reportlink/add/",
        {
            "advertiser": advertiser.pk,
            "campaign": theirs.pk,
            "expires_at_0": f"{past:%Y-%m-%d}",
            "expires_at_1": f"{past:%H:%M:%S}",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "이 광고주의 캠페인을 고르세요." in html
    assert "만료 시각은 지금보다 뒤여야 합니다." in html
    assert not ReportLink.objects.exists()


def test_reporters_and_the_desk_see_no_links(client, reporter_user, desk_user, two_advertisers):
    report_links.issue(advertiser=two_advertisers[0])
    for user in (reporter_user, desk_user):
        client.force_login(user)
        assert client.get("/admin/banners/reportlink/").status_code == 403


def test_the_advertisers_name_is_text_on_its_page(two_advertisers):
    from tests.security.htmlcheck import executable_parts
    from tests.security.test_xss import VECTORS

    advertiser, _ = two_advertisers
    link = report_links.issue(advertiser=advertiser)
    for vector in VECTORS:
        Advertiser.objects.filter(pk=advertiser.pk).update(name=vector[:100])
        html = Client().get(report_links.url_for(link)).content.decode()
        assert executable_parts(html) == [], vector
