"""The page cache stays correct: what the desk, the ad managers and the weather feed change is on
the cached public pages at once, and a signed-in editor never gets or leaves a cached page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article
from newsroom.timezones import KST
from tests.banners.conftest import placed_banner
from tests.factories import publish
from tests.user_agents import BROWSER
from tests.weather.payloads import REFERENCE, payload, row, sample
from weather import services as weather_services

pytestmark = pytest.mark.django_db


def home(client) -> str:
    response = client.get("/", **BROWSER)
    assert response.status_code == 200
    return response.content.decode()


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_new_headline_leads_the_cached_home_page_at_once(client):
    publish("가장 새 기사", ago=timedelta(minutes=5))
    older = publish("데스크가 고른 기사", ago=timedelta(days=2))
    html = home(client)
    assert html.index("가장 새 기사") < html.index("데스크가 고른 기사")
    older.is_headline = True
    older.save()
    html = home(client)
    assert html.index("데스크가 고른 기사") < html.index("가장 새 기사")
    older.is_headline = False
    older.save()
    html = home(client)
    assert html.index("가장 새 기사") < html.index("데스크가 고른 기사")


def test_a_signed_in_editor_neither_gets_nor_leaves_a_cached_page(client, editor):
    publish("공개 기사")
    anonymous = client.get("/", **BROWSER)
    client.force_login(editor)
    staff = client.get("/", **BROWSER)
    assert "private" in staff["Cache-Control"] and "no-cache" in staff["Cache-Control"]
    assert "public" in anonymous["Cache-Control"]
    draft = Article.objects.create(title="편집 중인 초안", status=Article.Status.DRAFT)
    assert "편집 중인 초안" not in client.get("/", **BROWSER).content.decode()
    client.logout()
    after = client.get("/", **BROWSER)
    assert "public" in after["Cache-Control"]
    assert editor.username not in after.content.decode()
    assert draft.title not in after.content.decode()
    assert "공개 기사" in after.content.decode()


def test_the_etag_changes_when_the_page_changes(client):
    publish("첫 기사")
    first = client.get("/", **BROWSER)
    assert client.get("/", HTTP_IF_NONE_MATCH=first["ETag"], **BROWSER).status_code == 304
    publish("새로 게재한 기사", ago=timedelta(minutes=1))
    changed = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"], **BROWSER)
    assert changed.status_code == 200
    assert "새로 게재한 기사" in changed.content.decode()


def place_top_banner(name):
    return placed_banner(name, "top", (1200, 90))


def test_a_new_banner_placement_and_a_deactivated_banner_show_on_cached_pages_at_once(client):
    article = publish("배너 옆 기사")
    pages = ["/", article.get_absolute_url(), "/section/policy/"]
    for url in pages:
        assert "신제품 광고" not in client.get(url, **BROWSER).content.decode()
    banner = place_top_banner("신제품")
    for url in pages:
        assert 'alt="신제품 광고"' in client.get(url, **BROWSER).content.decode(), url
    banner.is_active = False
    banner.save()
    for url in pages:
        assert 'alt="신제품 광고"' not in client.get(url, **BROWSER).content.decode(), url


def test_a_new_weather_reading_shows_on_the_cached_home_page_at_once(client):
    with time_machine.travel(timezone.datetime(2025, 8, 26, 16, 10, tzinfo=KST), tick=False):
        publish("날씨 옆 기사")
        weather_services.import_payload(payload=sample(REFERENCE))
        assert "서울 29.7℃" in visible_text(home(client))
        weather_services.import_payload(
            payload=payload(row(STN=108, TM="202508261600", TA="31.4", CA_TOT=1))
        )
        html = visible_text(home(client))
        assert "서울 31.4℃" in html
        assert "서울 29.7℃" not in html
