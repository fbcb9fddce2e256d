"""The page cache (newsroom.pagecache.pages): an anonymous reader's page is rendered once per
content generation, and what belongs to the moment (banners and their impressions, the date bar, the
ticker, the article's view count) is still done for every reader."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from banners import services as banner_services
from banners import viewability
from banners.models import BannerStat
from newsroom.pagecache import pages as pagecache
from newsroom.pagecache.generation import GENERATION_KEY, bump_generation
from newsroom.timezones import KST
from tests.factories import publish
from tests.user_agents import BROWSER, NOT_READERS

from .test_cache_correctness import place_top_banner

pytestmark = pytest.mark.django_db


def cached_get(client, url, **extra):
    """The page, once to store it and once more as it comes from the cache."""
    bump_generation()  # a generation exists, as on a running site
    client.get(url, **BROWSER, **extra)
    return client.get(url, **BROWSER, **extra)


def test_a_stored_page_is_served_without_the_view_or_the_database(client, monkeypatch):
    publish("캐시된 기사")
    first = cached_get(client, "/")
    renders = count_renders(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/", **BROWSER)
    assert again.status_code == 200
    assert renders == []
    assert queries.captured_queries == []
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert "public" in again["Cache-Control"]


def count_renders(monkeypatch) -> list:
    """The reader views' template renders, one item each."""
    from articles import views

    renders = []
    original = views.render
    monkeypatch.setattr(views, "render", lambda *a, **k: renders.append(1) or original(*a, **k))
    return renders


def test_the_lookup_never_creates_a_generation_and_the_first_page_is_not_stored(
    client, monkeypatch
):
    publish("첫 기사")
    renders = count_renders(monkeypatch)
    cache.delete(GENERATION_KEY)
    client.get("/", **BROWSER)
    assert cache.get(GENERATION_KEY) is not None  # the view made one
    client.get("/", **BROWSER)  # rendered again, and stored this time
    client.get("/", **BROWSER)
    assert len(renders) == 2


def test_banners_are_drawn_and_counted_for_every_reader_of_a_cached_page(client):
    first = place_top_banner("첫째")
    second = place_top_banner("둘째")
    publish("배너 옆 기사")
    cached_get(client, "/")
    seen = set()
    for _ in range(40):
        html = client.get("/", **BROWSER).content.decode()
        seen.update(re.findall(r'alt="(첫째|둘째) 광고"', html))
    assert seen == {"첫째", "둘째"}  # the weighted draw still rotates
    banner_services.flush_stats()
    shown = sum(BannerStat.objects.filter(banner__in=[first, second]).values_list(
        "impressions", flat=True
    ))  # fmt: skip
    assert shown == 42  # the two requests of cached_get and the 40 hits


def test_every_hit_of_a_cached_page_gives_its_banners_fresh_view_tokens(client):
    banner = place_top_banner("토큰")
    publish("토큰 옆 기사")
    cached_get(client, "/")
    tokens = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            html = client.get("/", **BROWSER).content.decode()
            tokens += re.findall(r'data-view="([^"]+)"', html)
    assert queries.captured_queries == []
    assert len(set(tokens)) == 3
    now = timezone.now()
    assert {viewability.verify(t, now=now).banner_id for t in tokens} == {banner.pk}


def test_the_date_bar_of_a_cached_page_turns_at_midnight(client):
    publish("자정 앞 기사")
    with time_machine.travel(datetime(2025, 8, 26, 23, 59, 50, tzinfo=KST), tick=False):
        assert "2025.08.26 (화)" in cached_get(client, "/").content.decode()
    with time_machine.travel(datetime(2025, 8, 27, 0, 0, 5, tzinfo=KST), tick=False):
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/", **BROWSER).content.decode()
        assert queries.captured_queries == []  # still the stored page
        assert "2025.08.27 (수)" in html


def test_a_cached_article_page_counts_every_readers_view_but_not_bots(client):
    article = publish("많이 읽힐 기사")
    cached_get(client, article.get_absolute_url())
    for _ in range(3):
        client.get(article.get_absolute_url(), **BROWSER)
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=NOT_READERS["Googlebot"])
    article.refresh_from_db()
    assert article.view_count == 5


def test_a_conditional_get_of_a_cached_page_answers_304_while_banners_rotate(client):
    place_top_banner("첫째")
    place_top_banner("둘째")
    publish("기사")
    page = cached_get(client, "/")
    assert page["ETag"]
    again = client.get("/", HTTP_IF_NONE_MATCH=page["ETag"], **BROWSER)
    assert again.status_code == 304
    assert again.content == b""


def test_readers_tracking_parameters_share_the_cached_page(client):
    publish("공유된 기사")
    cached_get(client, "/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/?utm_source=kakao&fbclid=abc", **BROWSER)
    assert response.status_code == 200
    assert queries.captured_queries == []


def test_a_different_query_is_a_different_page(client):
    publish("의료 기사")
    publish("약국 기사")
    cached_get(client, "/search/?q=의료")
    html = client.get("/search/?q=약국", **BROWSER).content.decode()
    assert 'value="약국"' in html and 'value="의료"' not in html


def test_text_that_looks_like_a_marker_is_never_filled_in(client):
    forged = "<!--live:0123456789abcdef:banner:top-->"
    article = publish(f"제목 {forged}")
    html = cached_get(client, article.get_absolute_url()).content.decode()
    assert "&lt;!--live:0123456789abcdef:banner:top--&gt;" in html
    assert pagecache._markers.token not in html  # no marker of ours is left in a page


def test_a_page_with_this_requests_nonce_is_not_stored(rf):
    request = rf.get("/", **BROWSER)
    request.csp_nonce = "abc123nonce"
    response = HttpResponse('<script nonce="abc123nonce">x()</script>')
    pagecache.mark_cacheable(response)
    bump_generation()
    key = pagecache.page_key(request)
    content = response.content.decode()
    pagecache._store(request, response, key, content, pagecache.split_page(content))
    assert cache.get(key) is None


def test_every_hit_gets_a_fresh_nonce_never_the_stored_pages(client):
    publish("기사")
    bump_generation()
    nonce = re.compile(r"'nonce-([^']+)'")
    miss = client.get("/", **BROWSER)
    with CaptureQueriesContext(connection) as queries:
        hits = [client.get("/", **BROWSER) for _ in range(2)]
    assert len(queries) == 0  # both from the cache
    nonces = [nonce.search(r["Content-Security-Policy"]).group(1) for r in (miss, *hits)]
    assert len(set(nonces)) == 3
    assert "script-src 'self'" in hits[0]["Content-Security-Policy"]


def test_a_publish_reaches_the_cached_page_at_once(client):
    publish("먼저 나간 기사")
    cached_get(client, "/")
    publish("방금 나간 기사", ago=timedelta(seconds=5))
    assert "방금 나간 기사" in client.get("/", **BROWSER).content.decode()


def test_a_withdrawn_article_leaves_the_cached_pages_at_once(client):
    article = publish("철회될 기사")
    assert cached_get(client, article.get_absolute_url()).status_code == 200
    assert "철회될 기사" in client.get("/", **BROWSER).content.decode()
    article.status = Article.Status.WITHDRAWN
    article.save()
    assert client.get(article.get_absolute_url(), **BROWSER).status_code == 404
    assert "철회될 기사" not in client.get("/", **BROWSER).content.decode()


def test_a_scheduled_article_appears_on_the_cached_home_page_when_its_time_comes(client):
    publish("지난 기사")
    due = timezone.now() + timedelta(minutes=10)
    publish("예약 기사", published_at=due)
    assert "예약 기사" not in cached_get(client, "/").content.decode()
    with time_machine.travel(due + timedelta(seconds=2), tick=False):
        assert "예약 기사" in client.get("/", **BROWSER).content.decode()


def test_the_page_cache_is_off_with_zero_seconds(client, settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 0
    publish("기사")
    renders = count_renders(monkeypatch)
    client.get("/", **BROWSER)
    client.get("/", **BROWSER)
    # Every request runs the view (the blocks it shows may come from the fragment cache, which
    # has its own FRAGMENT_CACHE_SECONDS: tests/newsroom/test_page_cache_fragments.py).
    assert len(renders) == 2


def test_a_query_parameter_no_page_reads_is_served_uncached(client, monkeypatch):
    publish("기사")
    cached_get(client, "/")
    renders = count_renders(monkeypatch)
    for number in range(3):
        assert client.get(f"/?x={number}", **BROWSER).status_code == 200
    assert len(renders) == 3  # rendered each time, none stored as a copy of the home page
    client.get("/", **BROWSER)
    assert len(renders) == 3


def test_the_apps_register_their_live_parts_and_hit_actions_when_django_starts():
    # A worker's first request may be a hit, before any template tag module was imported.
    assert {"banner", "date", "weather"} <= set(pagecache._live_parts)
    assert "article-view" in pagecache._hit_actions
