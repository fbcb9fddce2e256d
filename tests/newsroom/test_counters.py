"""Counters sent once per request (newsroom.pagecache.counters), on local memory and on a real
Redis."""

import pytest
from django.core.cache import cache, caches

from newsroom.cache_backends import DegradingRedisCache
from newsroom.pagecache import counters


def test_counts_outside_a_batch_are_sent_at_once():
    counters.add("c:one", timeout=60)
    counters.add("c:one", 2, timeout=60)
    assert cache.get("c:one") == 3


def test_counts_inside_a_batch_are_sent_together_at_its_end(monkeypatch):
    sent = []
    original = counters.send
    monkeypatch.setattr(counters, "send", lambda d, **k: sent.append(dict(d)) or original(d, **k))
    with counters.batch():
        counters.add("c:a", timeout=60)
        counters.add("c:b", timeout=60)
        counters.add("c:a", timeout=60)
        with counters.batch():  # a nested batch leaves the sending to the outer one
            counters.add("c:b", timeout=60)
        assert cache.get("c:a") is None
    assert sent == [{"c:a": 2, "c:b": 2}]
    assert (cache.get("c:a"), cache.get("c:b")) == (2, 2)


def test_a_batch_sends_its_counts_even_when_the_request_fails():
    with pytest.raises(RuntimeError), counters.batch():
        counters.add("c:failed", timeout=60)
        raise RuntimeError("the view failed")
    assert cache.get("c:failed") == 1


def test_an_unreachable_redis_loses_the_counts_quietly():
    down = DegradingRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}}
    )
    down._health.down_until = down._health.down_since = 0.0  # fresh, whatever ran before
    down.incr_many({"c:x": 1}, timeout=60)  # no exception reaches the page
    assert down._health.down_since > 0  # the outage was seen (and logged)
    assert not down._available()


def test_live_redis_adds_many_counters_in_one_command(redis_cache_settings, settings):
    settings.CACHES = redis_cache_settings
    redis_cache = caches["default"]
    redis_cache.incr_many({"c:new": 2, "c:old": 5}, timeout=120)
    redis_cache.incr_many({"c:old": 1}, timeout=9999)
    assert redis_cache.get("c:new") == 2
    assert redis_cache.get("c:old") == 6
    client = redis_cache._cache.get_client(write=True)
    ttl = client.ttl(redis_cache.make_and_validate_key("c:old"))
    assert 0 < ttl <= 120  # a counter keeps the lifetime it was created with
    redis_cache.incr("c:old")  # Django's own counter API reads the same value
    assert redis_cache.get("c:old") == 7


def test_live_redis_reuses_one_client_per_connection_pool(redis_cache_settings, settings):
    settings.CACHES = redis_cache_settings
    backend = caches["default"]._cache
    assert backend.get_client(write=True) is backend.get_client(write=True)
