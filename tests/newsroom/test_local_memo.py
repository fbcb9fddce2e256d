"""The per-process memo (PAGE_CACHE_LOCAL_SECONDS): what every page reads from Redis is kept
for about a second, and a change made in this process is seen at once."""

import pytest
from django.core.cache import cache

from newsroom.pagecache import generation as page_cache
from newsroom.site.models import SITE_INFO_CACHE_KEY, SiteInfo
from tests.factories import publish, site_info
from tests.user_agents import BROWSER
from weather.templatetags import weather_tags

from .test_cache_correctness import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def memo_on(settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 1
    page_cache.clear_local_memos()
    yield
    page_cache.clear_local_memos()


def test_the_generation_is_read_from_the_shared_cache_once_a_second(memo_on, monkeypatch):
    page_cache.bump_generation()
    first = page_cache.generation()
    reads = []
    original = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or original(*a, **k))
    assert page_cache.generation() == first
    assert page_cache.peek_generation() == first
    assert reads == []


def test_another_process_changing_the_generation_is_seen_when_the_memo_expires(memo_on):
    page_cache.bump_generation()
    first = page_cache.generation()
    cache.set(page_cache.GENERATION_KEY, 12345)  # as another worker's bump would
    assert page_cache.generation() == first
    page_cache._generation_memo._values.clear()  # as after a second
    assert page_cache.generation() == 12345


def test_a_change_in_this_process_clears_the_memo_at_once(memo_on, client):
    publish("먼저 나간 기사")
    client.get("/", **BROWSER)
    client.get("/", **BROWSER)
    publish("방금 나간 기사")
    assert "방금 나간 기사" in visible_text(client.get("/", **BROWSER).content.decode())


def test_the_rendered_ticker_is_kept_and_a_new_reading_clears_it(memo_on, monkeypatch):
    from tests.weather.payloads import REFERENCE, sample
    from weather import services as weather_services

    renders = []
    original = weather_tags.ticker_context
    monkeypatch.setattr(weather_tags, "ticker_context", lambda: renders.append(1) or original())
    weather_tags.render_ticker()
    weather_tags.render_ticker()
    assert len(renders) == 1
    weather_services.import_payload(payload=sample(REFERENCE))
    weather_tags.render_ticker()
    assert len(renders) == 2


def test_with_zero_seconds_nothing_is_kept(settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    memo = page_cache.local_memo()
    calls = []
    memo.get("k", lambda: calls.append(1))
    memo.get("k", lambda: calls.append(1))
    assert len(calls) == 2


def test_the_sites_details_are_read_once_a_second_and_a_change_is_seen_at_once(
    memo_on, monkeypatch
):
    info = site_info()
    info.save()
    assert SiteInfo.current().name == info.name
    reads = []
    original = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or original(*a, **k))
    assert SiteInfo.current().name == info.name
    assert reads == []  # every page asks: from this process's memo
    info.name = "새건강일보"
    info.save()
    assert SiteInfo.current().name == "새건강일보"
    # Another process's change: the row, its cached copy gone, a new generation.
    SiteInfo.objects.filter(pk=info.pk).update(name="다른건강일보")
    cache.delete(SITE_INFO_CACHE_KEY)
    cache.set(page_cache.GENERATION_KEY, 12345)
    assert SiteInfo.current().name == "새건강일보"  # this process's memos: the old generation
    page_cache._generation_memo.clear()  # its second is over: the new generation is read
    assert SiteInfo.current().name == "다른건강일보"  # never the old details in a new generation
