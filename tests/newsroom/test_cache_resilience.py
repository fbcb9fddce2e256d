"""The Redis cache (django-redis, newsroom/pagecache/redis_cache.py): an unreachable Redis reads
as an empty cache; a live one works."""

import datetime as dt
import logging

import pytest
import redis
import time_machine
from django.core.cache import caches
from django_redis.cache import RedisCache

from newsroom.pagecache import redis_cache
from newsroom.settings.base import redis_cache_entry
from tests.factories import publish

CLOSED_PORT = "redis://127.0.0.1:1/0"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_outages():
    redis_cache._outages.clear()
    yield
    redis_cache._outages.clear()


def unreachable() -> RedisCache:
    return RedisCache(CLOSED_PORT, redis_cache_entry(CLOSED_PORT))


def redis_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "newsroom.pagecache.redis_cache"]


# django-redis answers None where Django's contract says False ("not added", "not deleted"):
# every caller tests the answer for truth, so both read the same.


def test_unreachable_redis_reads_as_a_miss():
    cache = unreachable()
    assert cache.get("headline") is None
    assert cache.get("headline", "기본값") == "기본값"
    assert cache.get_many(["a", "b"]) == {}
    assert not cache.has_key("a")


def test_unreachable_redis_swallows_writes():
    cache = unreachable()
    cache.set("headline", "속보")
    assert not cache.add("headline", "속보")
    cache.set_many({"a": 1, "b": 2})
    assert not cache.delete("headline")
    cache.delete_many(["a", "b"])
    assert not cache.touch("a")
    assert not cache.clear()


def test_unreachable_redis_counters_behave_as_missing_keys():
    cache = unreachable()
    with pytest.raises(ValueError, match="unreachable"):
        cache.incr("impressions")
    with pytest.raises(ValueError):
        cache.decr("impressions")


def test_get_or_set_computes_the_value_when_redis_is_down():
    assert unreachable().get_or_set("front-page", lambda: "렌더링한 면") == "렌더링한 면"


def test_the_outage_is_logged_once_per_interval_in_one_line(caplog):
    cache = unreachable()
    caplog.set_level(logging.WARNING, logger="newsroom.pagecache.redis_cache")
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            cache.get("a")
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        cache.get("a")
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1
    with time_machine.travel(START + dt.timedelta(seconds=61), tick=False):
        cache.get("a")
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 2
    assert "127.0.0.1:1" in caplog.records[0].getMessage()
    assert all(record.exc_info is None for record in caplog.records)  # no traceback


def test_after_a_failure_redis_is_not_tried_again_for_a_few_seconds(monkeypatch):
    cache = unreachable()
    calls = []
    real_connect = redis.connection.Connection.connect

    def counting_connect(self, *args, **kwargs):
        calls.append(1)
        return real_connect(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "connect", counting_connect)
    with time_machine.travel(START, tick=False):
        for _ in range(10):
            cache.get("a")
    assert len(calls) == 1
    with time_machine.travel(START + dt.timedelta(seconds=6), tick=False):
        cache.get("a")
    assert len(calls) == 2


@pytest.mark.django_db
def test_pages_keep_serving_when_redis_is_unreachable(client, settings, caplog):
    settings.CACHES = {"default": redis_cache_entry(CLOSED_PORT)}
    caplog.set_level(logging.ERROR, logger="newsroom.pagecache.redis_cache")
    article = publish("레디스 없이 읽는 기사")
    for path in ("/", "/healthz", article.get_absolute_url()):
        response = client.get(path)
        assert response.status_code == 200
    assert "Redis" not in client.get("/").content.decode()
    assert any("unreachable" in record.getMessage() for record in caplog.records)


def test_settings_use_the_degrading_backend_when_redis_url_is_set():
    from tests.newsroom.conftest import settings_in_production

    printed = settings_in_production(
        "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'],"
        " settings.CACHES['default']['OPTIONS']['IGNORE_EXCEPTIONS']",
        REDIS_URL="redis://cache.internal:6379/2",
    )
    assert printed == "django_redis.cache.RedisCache redis://cache.internal:6379/2 True"
    printed = settings_in_production("settings.CACHES['default']['BACKEND']")
    assert printed == "django.core.cache.backends.locmem.LocMemCache"


def test_pages_go_to_their_own_redis_when_page_cache_redis_url_is_set():
    from tests.newsroom.conftest import settings_in_production

    locations = "settings.CACHES['default']['LOCATION'], settings.CACHES['pages']['LOCATION']"
    printed = settings_in_production(
        locations,
        REDIS_URL="redis://cache.internal:6379/2",
        PAGE_CACHE_REDIS_URL="redis://pages.internal:6379/0",
    )
    assert printed == "redis://cache.internal:6379/2 redis://pages.internal:6379/0"
    # Without it, the same server under a key prefix of their own.
    printed = settings_in_production(
        locations + ", settings.CACHES['pages']['KEY_PREFIX']",
        REDIS_URL="redis://cache.internal:6379/2",
    )
    assert printed == "redis://cache.internal:6379/2 redis://cache.internal:6379/2 newsroom-pages"


# --- The real Redis ---------------------------------------------------------------------------


def test_live_redis_stores_reads_counts_and_deletes(redis_cache_settings):
    params = redis_cache_settings["default"]
    cache = RedisCache(params["LOCATION"], params)
    cache.set("headline", {"title": "식약처, 신약 허가"}, 30)
    assert cache.get("headline") == {"title": "식약처, 신약 허가"}
    assert cache.add("headline", "other") is False
    cache.set("clicks", 0, 30)
    assert cache.incr("clicks", 3) == 3
    assert cache.decr("clicks") == 2
    assert cache.get_many(["headline", "missing"]) == {"headline": {"title": "식약처, 신약 허가"}}
    assert cache.delete("headline") is True
    assert cache.get("headline") is None
    with pytest.raises(ValueError):
        cache.incr("never-set")


def test_live_redis_sets_keys_unless_set_and_reads_them_in_one_command(redis_cache_settings):
    params = redis_cache_settings["default"]
    cache = RedisCache(params["LOCATION"], params)
    cache.set("kept", 5, 30)
    # One script: the kept key read as it is, the new one set.
    assert cache.client.add_or_get_many(["kept", "new"], 7, timeout=30) == {"kept": 5, "new": 7}
    assert cache.get("new") == 7 and 0 < cache.ttl("new") <= 30
    assert cache.client.add_or_get_many(["new"], 9, timeout=30) == {"new": 7}  # kept as it was


def test_a_new_scope_is_created_and_an_existing_one_read_in_one_command(
    settings, redis_cache_settings, monkeypatch
):
    from newsroom.pagecache import generation

    settings.CACHES = redis_cache_settings
    cache = caches["default"]
    calls = []
    original = cache.client.add_or_get_many
    monkeypatch.setattr(
        cache.client, "add_or_get_many", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    monkeypatch.setattr(cache, "get_many", lambda *a, **k: pytest.fail("a second command"))
    (first,) = generation.scope_versions(["article:1"])
    assert generation.scope_versions(["article:1"]) == (first,)  # read, not made again
    assert len(calls) == 2
    generation.bump_scopes(["article:1"])
    assert generation.scope_versions(["article:1"]) != (first,)


@pytest.mark.django_db
def test_live_redis_serves_the_site_and_holds_its_cached_values(
    client, settings, redis_cache_settings
):
    settings.CACHES = redis_cache_settings
    assert client.get("/").status_code == 200
    from newsroom.models import SITE_INFO_CACHE_KEY

    assert caches["default"].has_key(SITE_INFO_CACHE_KEY)


def test_the_recovery_is_logged_once(redis_cache_settings, caplog):
    params = redis_cache_settings["default"]
    cache = RedisCache(params["LOCATION"], params)
    pool = cache.client.get_client(write=True).connection_pool
    outage = redis_cache.outage(pool.location)
    caplog.set_level(logging.WARNING, logger="newsroom.pagecache.redis_cache")
    with time_machine.travel(START, tick=False):
        outage.failed(ConnectionError("Connection refused"), now=START.timestamp(), retry_after=5)
    with time_machine.travel(START + dt.timedelta(seconds=42), tick=False):
        cache.set("headline", "속보", 30)
        assert cache.get("headline") == "속보"
    assert redis_lines(caplog) == [f"Redis cache at {pool.location} reachable again after 42 s"]
    assert not outage.since


def test_a_read_only_redis_after_failover_is_treated_as_no_cache(monkeypatch):
    from redis.exceptions import ReadOnlyError

    cache = unreachable()

    def read_only(*args, **kwargs):
        raise ReadOnlyError("You can't write against a read only replica.")

    monkeypatch.setattr(cache.client.get_client(write=True), "set", read_only)
    cache.set("headline", "속보")  # no exception: the write is dropped


def test_an_error_reply_reads_as_no_cache_and_the_log_names_it(monkeypatch, caplog):
    """django-redis takes every error reply for "no cache", a caller's mistake too: the page is
    served, and the log line says what Redis answered."""
    from redis.exceptions import ResponseError

    cache = unreachable()

    def wrong_type(*args, **kwargs):
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    monkeypatch.setattr(cache.client.get_client(write=False), "get", wrong_type)
    caplog.set_level(logging.ERROR, logger="newsroom.pagecache.redis_cache")
    assert cache.get("headline") is None
    [line] = redis_lines(caplog)
    assert "answered with an error (ResponseError: WRONGTYPE" in line
