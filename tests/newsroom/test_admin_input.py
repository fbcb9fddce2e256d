"""Bad dates and numbers in the admin's query strings: a Korean message, never a 500. Every
date an admin page of ours reads goes through newsroom.params (bounded to 1900–2100)."""

import pytest
from django.utils import timezone

from newsroom.params import DATE_RANGE_MESSAGE

pytestmark = pytest.mark.django_db

CALENDAR = "/admin/banners/bannerslot/calendar/"
REPORT = "/admin/banners/bannerstat/"


@pytest.mark.parametrize(
    "query",
    ["start=0001-01-01", "start=9999-12-31", "start=2100-12-31&days=62", "start=1900-01-01"],
)
def test_slot_calendar_at_the_ends_of_the_calendar_answers(admin_client, query):
    response = admin_client.get(f"{CALENDAR}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_slot_calendar_outside_the_range_says_so_and_shows_today(admin_client, start):
    response = admin_client.get(CALENDAR, {"start": start})
    assert DATE_RANGE_MESSAGE in response.content.decode()
    assert response.context["start"] == timezone.localdate()


@pytest.mark.parametrize("days", ["²", "①", "٣", "1_0"])
def test_slot_calendar_days_must_be_ascii_digits(admin_client, days):
    response = admin_client.get(CALENDAR, {"days": days})
    assert response.status_code == 200
    assert "일수는 숫자로" in response.content.decode()
    assert response.context["day_count"] == 14


@pytest.mark.parametrize(
    "query",
    [
        "start=9999-12-30&end=9999-12-31",
        "start=9999-12-30",
        "start=0001-01-01&end=0001-01-02",
    ],
)
def test_ad_report_outside_the_range_shows_the_default_period(admin_client, query):
    response = admin_client.get(f"{REPORT}?{query}")
    assert response.status_code == 200
    assert response.context["report"].end == timezone.localdate()


def test_ad_report_period_outside_the_range_says_so_in_korean(admin_client):
    response = admin_client.get(REPORT, {"start": "9999-12-30", "end": "9999-12-31"})
    assert DATE_RANGE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("name", ["advertiser", "banner", "slot"])
@pytest.mark.parametrize("value", ["²", "①", "٣"])
def test_ad_report_filters_take_ascii_ids_only(admin_client, name, value):
    response = admin_client.get(REPORT, {name: value})
    assert response.status_code == 200
    assert response.context["filters"][name] is None
    csv = admin_client.get(f"{REPORT}csv/", {name: value})
    assert csv.status_code == 200


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/admin/articles/article/", "published_at__year=0"),
        ("/admin/articles/article/", "published_at__year=9999"),
        ("/admin/articles/article/", "published_at__gte=0001-01-01+00:00:00%2B09:00"),
        ("/admin/articles/article/", "published_at__month=13"),
        ("/admin/articles/article/", "published_at__year=²"),
        ("/admin/articles/articleevent/", "at__year=9999"),
        ("/admin/articles/articleevent/", "at__year=9999&at__month=12&at__day=31"),
        ("/admin/weather/weatherreading/", "observed_at__year=9999&observed_at__month=12"),
        ("/admin/weather/weatherreading/", "observed_at__year=0"),
        ("/admin/banners/banner/", "starts_at__year=0"),
        ("/admin/banners/placement/", "banner__starts_at__year=0"),
    ],
)
def test_change_list_date_filters_outside_the_calendar_get_a_korean_message(
    admin_client, url, query
):
    response = admin_client.get(f"{url}?{query}&q=x")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?q=x", "only the bad date filter is dropped"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "날짜 조건이 올바르지 않아" in page.content.decode()


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/admin/articles/article/", "published_at__year=2026"),
        ("/admin/articles/article/", "published_at__gte=2026-12-01+00:00:00%2B09:00"),
        ("/admin/articles/article/", "published_at__isnull=True"),
        ("/admin/articles/articleevent/", "at__year=2026&at__month=12&at__day=31"),
    ],
)
def test_change_list_date_filters_in_range_still_filter(admin_client, url, query):
    assert admin_client.get(f"{url}?{query}").status_code == 200
