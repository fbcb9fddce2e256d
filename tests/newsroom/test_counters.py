"""Counters sent once per request (newsroom.pagecache.counters), on local memory and on a real
Redis."""

import logging
import time

import pytest
from django.core.cache import cache, caches

from newsroom.pagecache import counters, redis_cache
from newsroom.settings.base import redis_cache_entry


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


def test_an_unreachable_redis_loses_the_counts_quietly(settings, caplog):
    redis_cache._outages.clear()  # fresh, whatever ran before
    settings.CACHES = {"default": redis_cache_entry("redis://127.0.0.1:1/0")}
    caplog.set_level(logging.WARNING)
    counters.send({"c:x": 1}, timeout=60)  # no exception reaches the page
    counters.send({"c:y": 1}, timeout=60)
    outage = redis_cache.outage("127.0.0.1:1/0")
    assert outage.since > 0  # the outage was seen
    assert outage.retry_at > time.time()  # and Redis is not tried again at once
    [line] = [r.getMessage() for r in caplog.records]  # and logged once
    assert "Redis cache at 127.0.0.1:1/0 unreachable" in line
    redis_cache._outages.clear()


def test_live_redis_adds_many_counters_in_one_command(redis_cache_settings, settings):
    settings.CACHES = redis_cache_settings
    redis_cache = caches["default"]
    redis_cache.client.incr_many({"c:new": 2, "c:old": 5}, timeout=120)
    redis_cache.client.incr_many({"c:old": 1}, timeout=9999)
    assert redis_cache.get("c:new") == 2
    assert redis_cache.get("c:old") == 6
    ttl = redis_cache.ttl("c:old")
    assert 0 < ttl <= 120  # a counter keeps the lifetime it was created with
    redis_cache.incr("c:old")  # Django's own counter API reads the same value
    assert redis_cache.get("c:old") == 7


def test_live_redis_gives_each_counter_its_delta_and_its_lifetime(redis_cache_settings, settings):
    settings.CACHES = redis_cache_settings
    redis_cache = caches["default"]
    deltas = {"c:a": 1, "c:b": 3, "c:c": 1, "c:d": 1, "c:e": 3}
    lifetimes = {"c:a": 100, "c:b": 100, "c:c": 5000, "c:d": 100, "c:e": 9000}
    redis_cache.client.incr_many(deltas, timeout=lifetimes)
    assert redis_cache.get_many(list(deltas)) == deltas
    for key, seconds in lifetimes.items():
        assert seconds - 5 < redis_cache.ttl(key) <= seconds


def test_counts_go_to_redis_in_one_command(redis_cache_settings, settings, monkeypatch):
    settings.CACHES = redis_cache_settings
    commands = []
    client = caches["default"].client.get_client(write=True)
    real = client.execute_command
    monkeypatch.setattr(
        client, "execute_command", lambda *a, **k: commands.append(a[0]) or real(*a, **k)
    )
    with counters.batch():
        for slot in range(9):
            counters.add(f"c:slot:{slot}", timeout=60)
    assert len(commands) == 1
    assert caches["default"].get_many([f"c:slot:{slot}" for slot in range(9)]) == {
        f"c:slot:{slot}": 1 for slot in range(9)
    }


def test_live_redis_reuses_one_client_per_connection_pool(redis_cache_settings, settings):
    settings.CACHES = redis_cache_settings
    backend = caches["default"].client
    assert backend.get_client(write=True) is backend.get_client(write=True)


def test_counters_of_several_lifetimes_go_to_redis_in_one_command_each_with_its_own(
    redis_cache_settings, settings, monkeypatch
):
    settings.CACHES = redis_cache_settings
    redis = caches["default"]
    commands = []
    client = redis.client.get_client(write=True)
    real = client.execute_command
    monkeypatch.setattr(
        client, "execute_command", lambda *a, **k: commands.append(a[0]) or real(*a, **k)
    )
    with counters.batch():
        counters.add("c:week", timeout=7 * 24 * 3600)
        counters.add("c:minute", timeout=60)
        counters.add("c:week", timeout=7 * 24 * 3600)
    assert len(commands) == 1
    assert redis.get_many(["c:week", "c:minute"]) == {"c:week": 2, "c:minute": 1}
    assert 0 < redis.ttl("c:minute") <= 60
    assert 60 < redis.ttl("c:week") <= 7 * 24 * 3600


def test_counters_of_several_lifetimes_without_redis_get_their_own(settings):
    with counters.batch():
        counters.add("c:short", timeout=60)
        counters.add("c:long", timeout=3600)
    assert caches["default"].get_many(["c:short", "c:long"]) == {"c:short": 1, "c:long": 1}


def test_a_write_outside_a_batch_is_made_at_once_and_inside_one_at_its_end():
    counters.write(cache, "w:page", "<p>1</p>", timeout=60)
    assert cache.get("w:page") == "<p>1</p>"
    with counters.batch():
        counters.write(cache, "w:page", counters.DELETE)
        counters.write(cache, "w:other", "<p>2</p>", timeout=60)
        assert cache.get("w:page") == "<p>1</p>" and cache.get("w:other") is None
    assert cache.get("w:page") is None and cache.get("w:other") == "<p>2</p>"


def test_writes_of_another_cache_go_with_the_counts_in_one_round_trip(
    redis_cache_settings, settings, monkeypatch
):
    from redis.client import Pipeline

    settings.CACHES = redis_cache_settings
    default, pages = caches["default"], caches["pages"]
    pages.set("w:lock", 1, 60)
    commands, pipelines = [], []
    client = default.client.get_client(write=True)
    real = client.execute_command
    monkeypatch.setattr(
        client, "execute_command", lambda *a, **k: commands.append(a[0]) or real(*a, **k)
    )
    real_execute = Pipeline.execute
    monkeypatch.setattr(
        Pipeline,
        "execute",
        lambda self, *a, **k: (
            pipelines.append([c[0][0] for c in self.command_stack]) or real_execute(self, *a, **k)
        ),
    )
    with counters.batch():
        counters.add("c:slot", timeout=60)
        counters.write(pages, "w:page", {"html": "<p>의료</p>"}, timeout=90)
        counters.write(pages, "w:lock", counters.DELETE)
    assert commands == [] and pipelines == [["SET", "DEL", "EVAL"]]
    assert pages.get("w:page") == {"html": "<p>의료</p>"} and 80 < pages.ttl("w:page") <= 90
    assert pages.get("w:lock") is None
    assert default.get("c:slot") == 1
    assert default.get("w:page") is None  # the pages' key prefix, not the default cache's


def test_a_write_of_a_cache_on_another_redis_database_goes_there_not_with_the_counts(
    redis_cache_settings, redis_url, settings
):
    elsewhere = redis_url.rsplit("/", 1)[0] + "/1"
    settings.CACHES = {
        **redis_cache_settings,
        "pages": redis_cache_entry(elsewhere, redis_cache_settings["pages"]["KEY_PREFIX"]),
    }
    default, pages = caches["default"], caches["pages"]
    with counters.batch():
        counters.add("c:slot", timeout=60)
        counters.write(pages, "w:page", "<p>1</p>", timeout=60)
    assert pages.get("w:page") == "<p>1</p>" and default.get("c:slot") == 1
    assert default.client.get_client().get(pages.client.make_key("w:page")) is None
    pages.delete("w:page")


def _failing_cache(monkeypatch, alias="failing"):
    """A cache (local memory, not on the counters' Redis) whose every write raises."""
    from django.core.cache.backends.locmem import LocMemCache

    failing = LocMemCache(alias, {})

    def refuse(*args, **kwargs):
        raise RuntimeError("this cache refuses writes")

    monkeypatch.setattr(failing, "set", refuse)
    monkeypatch.setattr(failing, "delete", refuse)
    return failing


def test_a_failing_write_of_another_cache_leaves_the_counts_and_other_writes_in_redis(
    redis_cache_settings, settings, monkeypatch, caplog
):
    settings.CACHES = redis_cache_settings
    default, pages = caches["default"], caches["pages"]
    failing = _failing_cache(monkeypatch)
    caplog.set_level(logging.WARNING)
    with counters.batch():
        counters.add("c:kept", timeout=60)
        counters.write(failing, "w:refused", "<p>1</p>", timeout=60)
        counters.write(failing, "w:refused-too", counters.DELETE)
        counters.write(pages, "w:made", "<p>2</p>", timeout=60)
    assert default.get("c:kept") == 1
    assert pages.get("w:made") == "<p>2</p>"
    logged = [r.getMessage() for r in caplog.records]
    assert logged == ["cache write not made: w:refused", "cache write not made: w:refused-too"]
    pages.delete("w:made")


def test_a_failing_write_leaves_the_counts_without_redis(monkeypatch, caplog):
    failing = _failing_cache(monkeypatch)
    caplog.set_level(logging.WARNING)
    counters.send({"c:kept-local": 2}, timeout=60, writes=[(failing, "w:refused", "x", 60)])
    assert cache.get("c:kept-local") == 2
    assert [r.getMessage() for r in caplog.records] == ["cache write not made: w:refused"]
