"""What anonymous requests can put into the page cache: only pages a view reads its query for,
never one copy per random value; and a flood of pages never pushes out counters or the
content generation (they live in another cache)."""

import uuid

import pytest
import redis
from django.core.cache import cache, caches
from pytest_redis import factories

from newsroom.pagecache import counters
from newsroom.pagecache.generation import (
    GENERATION_KEY,
    bump_generation,
    cached,
    page_cache,
    peek_generation,
)
from newsroom.settings.base import redis_cache_entry
from tests.conftest import _redis_executable
from tests.factories import publish
from tests.user_agents import BROWSER

pytestmark = pytest.mark.django_db

counter_redis = factories.redis_proc(executable=_redis_executable(), port=None)
page_redis = factories.redis_proc(executable=_redis_executable(), port=None)


def stored_entries() -> int:
    return len(page_cache()._cache)  # LocMemCache's own dict (the test settings' cache)


@pytest.fixture
def article():
    article = publish("범람 시험 기사")
    bump_generation()
    return article


@pytest.mark.parametrize(
    "url",
    [
        "/?q={}",
        "/?x={}",
        "/news/{article}/?page={}",
        "/news/?page={}",
        "/news/?page=9{}",
        "/section/policy/?page={}&q=1",
    ],
)
def test_random_query_values_store_no_page(client, article, url):
    client.get(url.format(1, article=article.pk), **BROWSER)  # the real page, stored once
    before = stored_entries()
    for number in range(200):
        value = f"{number}{uuid.uuid4().hex[:8]}" if "page" not in url else str(number + 2)
        response = client.get(url.format(value, article=article.pk), **BROWSER)
        assert response.status_code in {200, 404}
    assert stored_entries() == before


@pytest.mark.parametrize("page", ["abc", "0", "99", "999999"])
def test_a_page_number_that_is_no_page_stores_nothing(client, article, page):
    client.get("/news/", **BROWSER)
    before = stored_entries()
    assert client.get(f"/news/?page={page}", **BROWSER).status_code == 404
    assert stored_entries() == before


def test_a_list_page_a_view_reads_is_still_stored(client, article):
    client.get("/news/?page=1", **BROWSER)
    before = stored_entries()
    client.get("/news/?page=1&utm_source=x", **BROWSER)  # tracking parameters: the same page
    assert stored_entries() == before
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("articles.views.render", lambda *a, **k: pytest.fail("not from the cache"))
        assert client.get("/news/?page=1", **BROWSER).status_code == 200


def test_search_result_pages_are_never_stored(client, article):
    client.get("/search/?q=범람", **BROWSER)
    with pytest.MonkeyPatch.context() as patch:
        rendered = []
        real = __import__("articles.views", fromlist=["render"]).render
        patch.setattr("articles.views.render", lambda *a, **k: rendered.append(1) or real(*a, **k))
        client.get("/search/?q=범람", **BROWSER)
    assert rendered == [1]


def test_a_cached_page_is_never_the_answer_for_another_host(client, article):
    assert client.get("/", **BROWSER).status_code == 200
    assert client.get("/", **BROWSER).status_code == 200  # now from the cache
    response = client.get("/", HTTP_HOST="evil.example", **BROWSER)
    assert response.status_code == 400


def _small_redis(server, policy: str) -> str:
    client = redis.Redis(host=server.host, port=server.port)
    client.flushall()
    client.config_set("maxmemory", "3mb")
    client.config_set("maxmemory-policy", policy)
    return f"redis://{server.host}:{server.port}/0"


def test_a_flood_of_pages_never_evicts_counters_or_the_generation(
    counter_redis, page_redis, settings
):
    settings.CACHES = {
        "default": redis_cache_entry(_small_redis(counter_redis, "noeviction")),
        "pages": redis_cache_entry(_small_redis(page_redis, "allkeys-lru")),
    }
    bump_generation()
    generation = peek_generation()
    counters.add("impressions:top:flood", 5, timeout=3600)
    # 12 MB of pages into a page cache of 3 MB.
    for number in range(600):
        cached(f"flood:{number}", lambda number=number: f"{number:06d}" + "가" * 7000)
    assert caches["pages"].get("newsroom:never-set") is None  # the page cache still answers
    assert cache.get(GENERATION_KEY) == generation
    assert cache.get("impressions:top:flood") == 5
    counters.add("impressions:top:flood", 1, timeout=3600)
    assert cache.get("impressions:top:flood") == 6
