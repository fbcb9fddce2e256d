import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from banners.models import Advertiser, Banner, BannerSlot, BannerStat, Placement
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER, ROLE_PERMISSIONS, ensure_roles

from .conftest import NOW, ad_tag_form, banner_form, png_bytes, png_upload

pytestmark = pytest.mark.django_db

BANNER_PAGES = [
    "/admin/banners/",
    "/admin/banners/advertiser/",
    "/admin/banners/advertiser/add/",
    "/admin/banners/campaign/",
    "/admin/banners/campaign/add/",
    "/admin/banners/banner/",
    "/admin/banners/banner/add/",
    "/admin/banners/placement/",
    "/admin/banners/bannerslot/",
    "/admin/banners/bannerslot/calendar/",
    "/admin/banners/bannerstat/",
    "/admin/banners/bannerstat/csv/",
]


def test_ad_manager_role_holds_only_banner_permissions():
    ensure_roles()
    group = Group.objects.get(name=AD_MANAGER)
    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert apps == {"banners"}
    assert group.permissions.filter(codename="view_bannerstat").exists()
    assert group.permissions.filter(codename="add_banner").exists()
    assert group.permissions.filter(codename="add_campaign").exists()
    assert group.permissions.filter(codename="change_campaign").exists()
    for role in (REPORTER, DESK):
        assert not any(name.startswith("banners.") for name in ROLE_PERMISSIONS[role])
        assert not Group.objects.get(name=role).permissions.filter(
            content_type__app_label="banners"
        )


def test_ad_manager_sees_every_banner_page_and_nothing_of_articles(client, ad_manager, make_banner):
    make_banner()
    client.force_login(ad_manager)
    for url in BANNER_PAGES:
        assert client.get(url).status_code == 200, url
    assert not ad_manager.has_module_perms("articles")
    assert client.get("/admin/articles/article/").status_code in (403, 404)
    index = client.get("/admin/").content.decode()
    assert "/admin/banners/banner/" in index
    assert "/admin/articles/" not in index


@pytest.mark.parametrize("who", ["reporter_user", "desk_user"])
def test_reporters_and_desk_editors_see_no_banner_admin(client, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in BANNER_PAGES:
        assert client.get(url).status_code in (403, 404), url
    assert "/admin/banners/" not in client.get("/admin/").content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for url in BANNER_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def post_banner(client, data, image=None):
    if image is not None:
        data = {**data, "image": image}
    return client.post("/admin/banners/banner/add/", data)


def errors_of(response) -> str:
    return response.content.decode()


def test_ad_manager_adds_a_banner_with_its_placement(client, ad_manager, advertiser, slot):
    client.force_login(ad_manager)
    data = banner_form(advertiser=advertiser, slot=slot)
    response = post_banner(client, data, png_upload(300, 250))
    assert response.status_code == 302, errors_of(response)
    banner = Banner.objects.get()
    assert (banner.image_width, banner.image_height) == (300, 250)
    assert Placement.objects.get().slot == slot


def test_image_that_does_not_fit_the_slot_is_saved_with_a_warning(
    client, ad_manager, advertiser, slot
):
    client.force_login(ad_manager)
    data = banner_form(advertiser=advertiser, slot=slot)
    response = post_banner(client, data, png_upload(728, 90))
    assert response.status_code == 302
    followed = client.get(response["Location"]).content.decode()
    assert "728×90" in followed and "300×250" in followed and "다릅니다" in followed
    assert Banner.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        (
            "banner.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
            "image/svg+xml",
        ),
        ("banner.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("banner.html", b"<html><body>ad</body></html>", "text/html"),
        ("banner.gif", b"GIF89a not really", "image/gif"),
    ],
)
def test_non_image_upload_is_refused_in_korean(
    client, ad_manager, advertiser, slot, name, content, content_type
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(ad_manager)
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = post_banner(client, banner_form(advertiser=advertiser, slot=slot), upload)
    assert response.status_code == 200
    html = errors_of(response)
    assert "이미지" in html and ("올릴 수 있습니다" in html or "이미지 파일이 아닙니다" in html)
    assert not Banner.objects.exists()


def test_a_tiff_image_is_refused_even_though_pillow_reads_it(client, ad_manager, advertiser, slot):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(ad_manager)
    upload = SimpleUploadedFile("banner.png", png_bytes(300, 250, "TIFF"), "image/png")
    response = post_banner(client, banner_form(advertiser=advertiser, slot=slot), upload)
    assert "이미지 파일이 아닙니다" in errors_of(response)
    assert not Banner.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"ends_at_0": "2026-02-01"}, "종료 시각은 시작 시각보다 늦어야 합니다", id="ends first"
        ),
        pytest.param(
            {"target_url": "javascript:alert(1)"}, "http:// 또는 https://", id="script address"
        ),
        pytest.param({"target_url": "/ads/landing"}, "http:// 또는 https://", id="local address"),
        pytest.param({"alt_text": ""}, "대체 텍스트를 입력하세요", id="no alt text"),
        pytest.param({"weight": "0"}, "가중치는 1 이상이어야 합니다", id="zero weight"),
        pytest.param(
            {"placements-0-weight": "-1"}, "가중치는 1 이상이어야 합니다", id="negative placement"
        ),
    ],
)
def test_bad_banner_input_gets_a_korean_message_and_saves_nothing(
    client, ad_manager, advertiser, slot, overrides, message
):
    client.force_login(ad_manager)
    data = banner_form(advertiser=advertiser, slot=slot, **overrides)
    response = post_banner(client, data, png_upload())
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Banner.objects.exists()


def test_ad_manager_cannot_create_an_ad_tag_banner_without_its_permission(
    client, ad_manager, advertiser, slot
):
    client.force_login(ad_manager)
    data = banner_form(
        advertiser=advertiser, slot=slot, kind="ad_tag", ad_tag="<script>evil()</script>"
    )
    response = post_banner(client, data)
    assert response.status_code == 200
    assert not Banner.objects.exists()
    assert 'name="ad_tag"' not in client.get("/admin/banners/banner/add/").content.decode()


def test_ad_tag_banner_is_read_only_without_its_permission(client, ad_manager, make_banner):
    tag = make_banner(kind=Banner.Kind.AD_TAG, ad_tag="<p>ad</p>", target_url="")
    client.force_login(ad_manager)
    url = f"/admin/banners/banner/{tag.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    client.post(url, {"name": "바꿈", "ad_tag": "<script>evil()</script>"})
    tag.refresh_from_db()
    assert tag.ad_tag == "<p>ad</p>"
    response = client.post(f"/admin/banners/banner/{tag.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Banner.objects.filter(pk=tag.pk).exists()


def test_ad_manager_cannot_place_or_remove_an_ad_tag_without_its_permission(
    client, ad_manager, make_banner, place, slot
):
    tag = make_banner(kind=Banner.Kind.AD_TAG, ad_tag="<p>ad</p>", target_url="")
    existing = place(tag, slot)
    client.force_login(ad_manager)
    data = {"banner": tag.pk, "slot": slot.pk, "weight": "1", "sort_order": "0", "is_active": "on"}
    response = client.post("/admin/banners/placement/add/", data)
    assert response.status_code == 200  # the tag banner is not a valid choice
    assert Placement.objects.count() == 1
    response = client.post(f"/admin/banners/placement/{existing.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Placement.objects.filter(pk=existing.pk).exists()


def test_holder_of_the_ad_tag_permission_creates_an_ad_tag_banner(
    client, ad_manager, advertiser, slot
):
    ad_manager.user_permissions.add(Permission.objects.get(codename="manage_ad_tag"))
    client.force_login(ad_manager)
    data = ad_tag_form(advertiser=advertiser, slot=slot, ad_tag="<script>ads()</script>")
    response = post_banner(client, data)
    assert response.status_code == 302, errors_of(response)
    assert Banner.objects.get().ad_tag == "<script>ads()</script>"


# --- Reports ----------------------------------------------------------------------------------


@pytest.fixture
def figures(make_banner, advertiser):
    """Two banners in two slots over three days, with known numbers."""
    other = Advertiser.objects.create(name="누리바이오")
    side = BannerSlot.objects.get(code="article-side-1")
    top = BannerSlot.objects.get(code="top")
    first = make_banner(name="한빛 배너")
    second = make_banner(name="=누리 배너", owner=other)
    day = date(2026, 3, 8)
    rows = [
        (first, side, day, 1000, 10),
        (first, top, day, 3000, 15),
        (first, side, day + timedelta(days=1), 2000, 30),
        (second, side, day + timedelta(days=1), 500, 0),
        (second, top, day + timedelta(days=2), 4000, 80),
        (first, side, day - timedelta(days=1), 99999, 999),  # outside the period
    ]
    for banner, slot, when, impressions, clicks in rows:
        BannerStat.objects.create(
            banner=banner, slot=slot, day=when, impressions=impressions, clicks=clicks
        )
    return first, second


def test_report_shows_impressions_clicks_and_ctr_per_banner_slot_and_day(
    client, ad_manager, figures
):
    client.force_login(ad_manager)
    response = client.get("/admin/banners/bannerstat/?start=2026-03-08&end=2026-03-10")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.impressions, report.total.clicks) == (10500, 135)
    assert report.total.ctr == pytest.approx(1.29)
    by_banner = {row.label: (row.impressions, row.clicks, row.ctr) for row in report.by_banner}
    assert by_banner == {"한빛 배너": (6000, 55, 0.92), "=누리 배너": (4500, 80, 1.78)}
    by_slot = {row.sublabel: (row.impressions, row.clicks) for row in report.by_slot}
    assert by_slot == {"top": (7000, 95), "article-side-1": (3500, 40)}
    by_day = [(row.label, row.impressions, row.clicks) for row in report.by_day]
    assert by_day == [
        ("2026-03-08", 4000, 25),
        ("2026-03-09", 2500, 30),
        ("2026-03-10", 4000, 80),
    ]
    html = response.content.decode()
    assert "10,500" in html and "1.29%" in html


def test_report_for_one_advertiser_counts_only_its_banners(client, ad_manager, figures):
    first, _ = figures
    client.force_login(ad_manager)
    period = "start=2026-03-08&end=2026-03-10"
    url = f"/admin/banners/bannerstat/?{period}&advertiser={first.advertiser_id}"
    report = client.get(url).context["report"]
    assert (report.total.impressions, report.total.clicks) == (6000, 55)


def test_report_for_one_banner_gives_its_figures_by_day_in_few_queries(
    client, ad_manager, figures, django_assert_max_num_queries
):
    first, _ = figures
    client.force_login(ad_manager)
    url = f"/admin/banners/bannerstat/?start=2026-03-08&end=2026-03-10&banner={first.pk}"
    with django_assert_max_num_queries(20):
        response = client.get(url)
    report = response.context["report"]
    assert [(row.impressions, row.clicks) for row in report.by_day] == [
        (4000, 25),
        (2000, 30),
        (0, 0),
    ]
    assert f"banner={first.pk}" in response.context["csv_url"]


def test_report_for_one_slot_counts_only_that_slot(client, ad_manager, figures):
    top = BannerSlot.objects.get(code="top")
    client.force_login(ad_manager)
    url = f"/admin/banners/bannerstat/?start=2026-03-08&end=2026-03-10&slot={top.pk}"
    report = client.get(url).context["report"]
    assert (report.total.impressions, report.total.clicks) == (7000, 95)


def test_report_with_a_bad_period_says_so_in_korean_and_shows_the_default(client, ad_manager):
    client.force_login(ad_manager)
    response = client.get("/admin/banners/bannerstat/?start=2026-03-10&end=2026-03-01")
    assert response.status_code == 200
    assert "끝 날짜가 시작 날짜보다 앞섭니다" in response.content.decode()
    assert response.context["report"].end == timezone.localdate()


def test_report_includes_impressions_still_in_the_cache(client, ad_manager, make_banner, place):
    from banners import services

    placement = place(make_banner(), BannerSlot.objects.get(code="top"))
    services.count_impressions([(placement.banner_id, placement.slot_id)] * 3)
    client.force_login(ad_manager)
    today = timezone.localdate().isoformat()
    report = client.get(f"/admin/banners/bannerstat/?start={today}&end={today}").context["report"]
    assert report.total.impressions == 3


def test_csv_download_is_utf8_with_bom_and_keeps_korean(client, ad_manager, figures):
    client.force_login(ad_manager)
    response = client.get("/admin/banners/bannerstat/csv/?start=2026-03-08&end=2026-03-10")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
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
    assert len(rows) == 1 + 5
    assert [
        "2026-03-08",
        "한빛제약",
        "한빛제약 캠페인",
        "한빛 배너",
        "article-side-1",
        "기사 오른쪽 1",
        "1000",
        "0",
        "0.0",
        "10",
        "1.00",
        "0",
    ] in rows
    # A name that a spreadsheet would run as a formula is written as text.
    assert any(row[3] == "'=누리 배너" for row in rows[1:])


def test_slot_calendar_shows_free_and_sold_days(client, ad_manager, make_banner, place):
    side = BannerSlot.objects.get(code="article-side-1")
    start = timezone.localtime(NOW).replace(hour=0, minute=0, second=0, microsecond=0)
    place(make_banner(starts_at=start, ends_at=start + timedelta(days=2)), side)
    home_slot = BannerSlot.objects.get(code="home-between-2")  # shows three at once
    place(make_banner(name="홈 배너", size=(360, 100), starts_at=start, ends_at=None), home_slot)
    client.force_login(ad_manager)
    day = start.date().isoformat()
    response = client.get(f"/admin/banners/bannerslot/calendar/?start={day}&days=4")
    assert response.status_code == 200
    rows = {row.slot.code: row for row in response.context["rows"]}
    assert [cell.state for cell in rows["article-side-1"].cells] == ["sold", "sold", "free", "free"]
    assert [cell.state for cell in rows["top"].cells] == ["free"] * 4
    assert [cell.state for cell in rows["home-between-2"].cells] == ["partial"] * 4
    html = response.content.decode()
    assert "판매됨" in html and "비어 있음" in html and "일부 판매" in html


def test_slot_calendar_with_bad_input_falls_back_with_a_korean_message(client, ad_manager):
    client.force_login(ad_manager)
    response = client.get("/admin/banners/bannerslot/calendar/?start=어제")
    assert response.status_code == 200
    assert "날짜는 2026-01-31 같은 형식으로" in response.content.decode()
    assert response.context["start"] == timezone.localdate()
    response = client.get("/admin/banners/bannerslot/calendar/?days=many")
    assert "일수는 숫자로" in response.content.decode()
    assert response.context["day_count"] == 14


def test_banner_list_and_calendar_do_not_grow_queries_with_banners(
    client, ad_manager, make_banner, place, slot, django_assert_max_num_queries
):
    client.force_login(ad_manager)
    for number in range(12):
        place(make_banner(name=f"배너 {number}"), slot)
    with django_assert_max_num_queries(15):
        assert client.get("/admin/banners/banner/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/admin/banners/bannerslot/calendar/?days=31").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/admin/banners/placement/").status_code == 200
