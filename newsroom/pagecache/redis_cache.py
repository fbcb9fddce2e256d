"""The Redis cache: django-redis, configured to degrade to "no cache" when Redis cannot be reached.

Django's own RedisCache raises on every call while Redis is down, which turns each page that
reads the cache into a 500. django-redis with IGNORE_EXCEPTIONS (the settings'
`redis_cache_entry()`) answers as an empty cache instead: reads miss, writes do nothing, and
pages keep serving, uncached. What django-redis does not do, this module adds through its
public extension points, each named in the cache's OPTIONS or in LOGGING:

- `RetryAfterConnectionPool` (CONNECTION_POOL_CLASS, a redis-py pool): after a failed
  connection it fails at once for `retry_after` seconds, so a Redis host that swallows packets
  costs one socket timeout every few seconds, not one per cache call.
- `OutageLog` (a logging filter on DJANGO_REDIS_LOGGER): django-redis logs every error it
  ignores, with its traceback; this keeps one line a minute per Redis server and process,
  and the pool logs once when the server is reachable again.
- `CacheClient` (CLIENT_CLASS, django-redis's pluggable client): `incr`/`decr` on an
  unreachable Redis raise ValueError as for a missing key (django-redis would answer None, and
  a banner statistics flush would then move counts it never took out of Redis); `incr_many`
  adds a request's counters in one command (newsroom.pagecache.counters); `add_then_get_many`
  sets a mark once and reads keys in the same command (a banner click); `add_or_get_many` sets
  keys unless they are set and reads them in one command (a new scope's version); `lookup`
  reads a page, takes its render lock when it is missing and reads keys of another cache on the
  same server, in one command (the page cache's lookup and the banners' counters); `incr_many`
  also takes writes of another cache on the same server, sent with the counters in one round
  trip (a rendered page stored and its render lock released); and `touch`, the one call
  django-redis leaves out of IGNORE_EXCEPTIONS, is ignored like the others.

Every error reply is "no cache" too (django-redis ignores them all: a replica after failover
refusing writes, memory full, and a WRONGTYPE alike); the log line names it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis import ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# A write's value that deletes the key (`incr_many`'s writes, newsroom.pagecache.counters.write).
DELETE = object()


def apply_write(to, key: str, value, timeout: int) -> None:
    """One write made on its own: `key` of the cache `to` set to `value` for `timeout`
    seconds, or deleted when the value is `DELETE`. Never raises: a write that fails is logged
    and lost, as any write of the cache, and takes neither the other writes nor the counts
    sent with it (`incr_many`, newsroom.pagecache.counters.send) along."""
    try:
        if value is DELETE:
            to.delete(key)
        else:
            to.set(key, value, timeout)
    except Exception:
        logger.warning("cache write not made: %s", key, exc_info=True)


# The errors django-redis ignores.
IGNORED = (RedisConnectionError, RedisTimeoutError, ResponseError, TimeoutError)


def location(connection_kwargs: dict[str, Any]) -> str:
    """`host:port/db` (or `socket-path/db`) of a redis-py pool's connections."""
    where = connection_kwargs.get("path") or (
        f"{connection_kwargs.get('host', 'localhost')}:{connection_kwargs.get('port', 6379)}"
    )
    return f"{where}/{connection_kwargs.get('db', 0)}"


class Outage:
    """What this process knows of one Redis server being unreachable (shared by its threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.since = 0.0  # the first failure (0: reachable)
        self.retry_at = 0.0  # no new connection is tried before this time
        self.logged_at = 0.0  # the last line logged about it
        self.error = ""

    def failed(self, error: Exception, *, now: float, retry_after: float) -> None:
        with self.lock:
            self.since = self.since or now
            self.retry_at = now + retry_after
            self.error = str(error)

    def recovered(self) -> float:
        """Forget the outage; returns how long it lasted (0 when another thread saw it end)."""
        with self.lock:
            since, self.since, self.retry_at, self.logged_at = self.since, 0.0, 0.0, 0.0
        return time.time() - since if since else 0.0

    def due_for_a_line(self, *, now: float, interval: float) -> bool:
        with self.lock:
            if self.logged_at and now - self.logged_at < interval:
                return False
            self.logged_at = now
            return True


_outages: dict[str, Outage] = {}


def outage(where: str) -> Outage:
    return _outages.get(where) or _outages.setdefault(where, Outage())


class RetryAfterConnectionPool(ConnectionPool):
    """redis-py's pool; after a failed connection it refuses at once for `retry_after` seconds.

    Every command takes its connection from the pool, and a connection lost mid-command is
    connected again on the next one, so a failed connect is where a dead or black-holed server
    shows. django-redis keeps one pool per URL and process: the wait is shared by the threads.
    """

    def __init__(self, *args, retry_after: float = 5, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_after = float(retry_after)
        self.location = location(self.connection_kwargs)

    def get_connection(self, *args, **kwargs):
        state = outage(self.location)
        now = time.time()
        if now < state.retry_at:
            raise RedisConnectionError(
                f"{state.error} (not tried again for {self.retry_after:g} s after a failure)"
            )
        try:
            connection = super().get_connection(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            state.failed(exc, now=now, retry_after=self.retry_after)
            raise
        if state.since:
            lasted = state.recovered()
            if lasted:
                logger.warning(
                    "Redis cache at %s reachable again after %.0f s", self.location, lasted
                )
        return connection


class OutageLog(logging.Filter):
    """One line per `interval` seconds per Redis server, instead of a traceback per cache call,
    for the errors django-redis ignores (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS)."""

    def __init__(self, interval: float = 60):
        super().__init__()
        self.interval = float(interval)

    def filter(self, record: logging.LogRecord) -> bool:
        interrupted = record.exc_info[1] if record.exc_info else None
        if not isinstance(interrupted, ConnectionInterrupted):
            return True
        pool = getattr(interrupted.connection, "connection_pool", None)
        where = location(pool.connection_kwargs) if pool is not None else "?"
        if not outage(where).due_for_a_line(now=time.time(), interval=self.interval):
            return False
        error = interrupted.__cause__ or interrupted
        what = "answered with an error" if isinstance(error, ResponseError) else "unreachable"
        record.msg = "Redis cache at %s %s (%s: %s); serving without the cache"
        record.args = (where, what, error.__class__.__name__, error)
        record.exc_info = record.exc_text = None
        return True


# KEYS: counters, grouped; ARGV[1]: the number of groups, then for each group the number of its
# keys, the delta they all get and the timeout each gets when this call creates it. (A page's
# counters are many but share a few deltas and lifetimes: a few arguments instead of two per
# counter to send.)
INCR_MANY = """
local k = 1
local a = 2
for g = 1, tonumber(ARGV[1]) do
  local n, delta, timeout = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  for i = k, k + n - 1 do
    if redis.call('INCRBY', KEYS[i], delta) == delta then
      redis.call('EXPIRE', KEYS[i], timeout)
    end
  end
  k = k + n
end
return #KEYS
"""


# KEYS[1]: a client's rate counter; then the marks of impressions seen, then each mark's counter.
# ARGV: limit, rate timeout, mark timeout, counter timeout. Returns -1 over the limit (nothing
# counted), else how many marks were new (each adds 1 to its counter).
COUNT_ONCE = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
if used > tonumber(ARGV[1]) then return -1 end
local n = (#KEYS - 1) / 2
local counted = 0
for i = 2, n + 1 do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', tonumber(ARGV[3])) then
    counted = counted + 1
    local counter = KEYS[i + n]
    if redis.call('INCR', counter) == 1 then
      redis.call('EXPIRE', counter, tonumber(ARGV[4]))
    end
  end
end
return counted
"""


# KEYS[1]: a mark; then keys to read. ARGV[1]: the mark's timeout. Returns nil when the mark
# was already set (nothing read), else the values of the other keys (false for a missing one).
ADD_THEN_GET_MANY = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then return nil end
if #KEYS == 1 then return {} end
return redis.call('MGET', unpack(KEYS, 2))
"""

# KEYS[1]: a page; KEYS[2]: its render lock; then keys (of another cache) read with the page.
# ARGV[1]: the lock's timeout (s). Returns the values of KEYS[1] and KEYS[3..] (false for a
# missing one), then 1 when the page was missing and this call took the lock, 0 when the page
# was missing and the lock was held, -1 when the page was there (the lock was not asked for).
LOOKUP = """
local values = redis.call('MGET', KEYS[1], unpack(KEYS, 3))
local claimed = -1
if not values[1] then
  if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[1])) then
    claimed = 1
  else
    claimed = 0
  end
end
values[#values + 1] = claimed
return values
"""

# Each key set to ARGV[1] for ARGV[2] ms unless it is set, and what each then holds.
ADD_OR_GET_MANY = """
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then
    out[i] = ARGV[1]
  else
    out[i] = redis.call('GET', key) or ARGV[1]
  end
end
return out
"""


class CacheClient(DefaultClient):
    """django-redis's client: counters on an unreachable Redis, `incr_many` and `touch` (see
    the module's docstring)."""

    def incr(self, key, delta=1, version=None, client=None, ignore_key_check=False):
        try:
            return super().incr(key, delta, version, client, ignore_key_check)
        except ConnectionInterrupted as exc:
            raise _unreachable_counter(key) from exc

    def decr(self, key, delta=1, version=None, client=None):
        try:
            return super().decr(key, delta, version, client)
        except ConnectionInterrupted as exc:
            raise _unreachable_counter(key) from exc

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None, client=None):
        client = client or self.get_client(write=True)
        with _as_ignorable(client):
            return super().touch(key, timeout, version, client)

    @cached_property
    def _incr_many_script(self):
        return self.get_client(write=True).register_script(INCR_MANY)

    def incr_many(
        self,
        deltas: dict[str, int],
        *,
        timeout: int | dict[str, int],
        version=None,
        writes: Sequence[tuple[Any, str, Any, int]] = (),
    ) -> None:
        """Add each delta to its counter in one command; a counter the command creates gets
        `timeout` (one for all, or one per key), an existing one keeps its own. Counts Redis
        cannot take are lost, as any write of the cache, and logged the same way.

        `writes`, (cache, key, value, timeout): the key set to the value for `timeout` seconds,
        or deleted when the value is `DELETE` (newsroom.pagecache.counters.write). Those of a
        cache of ours on this client's Redis server and database (this one or another alias,
        with its own key prefix) go in the same round trip, before the counters; any other is
        made on its own first."""
        client = self.get_client(write=True)
        names, args = self._incr_many_arguments(deltas, timeout, version)
        together = []
        for write in writes:
            other = getattr(write[0], "client", None)
            if getattr(other, "server", None) == self.server:
                together.append(write)
            else:
                apply_write(*write)
        try:
            with _as_ignorable(client):
                if not together:
                    if names:
                        self._incr_many_script(keys=names, args=args, client=client)
                    return
                pipeline = client.pipeline(transaction=False)
                for other, key, value, seconds in together:
                    name = other.client.make_key(key)
                    if value is DELETE:
                        pipeline.delete(name)
                    else:
                        pipeline.set(name, other.client.encode(value), ex=int(seconds))
                if names:
                    # EVAL with the text: a pipeline cannot fall back from a missing EVALSHA
                    # (Redis keeps the compiled script by its digest all the same).
                    pipeline.eval(INCR_MANY, len(names), *names, *args)
                for reply in pipeline.execute(raise_on_error=False):
                    if isinstance(reply, Exception):
                        raise reply
        except ConnectionInterrupted:
            logger.exception("Exception ignored")

    @cached_property
    def server(self) -> str:
        """`host:port/db` of this client's connections: writes of another cache with the same
        go in one pipeline with this one's (`incr_many`)."""
        return location(self.get_client(write=True).connection_pool.connection_kwargs)

    def _incr_many_arguments(self, deltas, timeout, version) -> tuple[list[str], list[int]]:
        """INCR_MANY's keys and arguments: the counters grouped by delta and lifetime."""
        groups: dict[tuple[int, int], list[str]] = {}
        for key, delta in deltas.items():
            seconds = timeout[key] if isinstance(timeout, dict) else timeout
            groups.setdefault((int(delta), int(seconds)), []).append(
                self.make_key(key, version=version)
            )
        names: list[str] = []
        args: list[int] = [len(groups)]
        for (delta, seconds), keys in groups.items():
            names += keys
            args += [len(keys), delta, seconds]
        return names, args

    @cached_property
    def _count_once_script(self):
        return self.get_client(write=True).register_script(COUNT_ONCE)

    def count_once(
        self,
        marks: dict[str, str],
        *,
        rate_key: str,
        limit: int,
        rate_timeout: int,
        mark_timeout: int,
        counter_timeout: int,
        version=None,
    ) -> int:
        """One client's batch of marks in one command: the client's rate counter first (-1
        when it is over `limit`, nothing counted), then each mark set once (SET NX) and, when
        it is new, its counter (the dict's value) increased. Returns how many were new
        (banners/viewability.py). Raises ConnectionInterrupted when Redis cannot answer."""
        client = self.get_client(write=True)
        keys = [self.make_key(rate_key, version=version)]
        keys += [self.make_key(mark, version=version) for mark in marks]
        keys += [self.make_key(counter, version=version) for counter in marks.values()]
        with _as_ignorable(client):
            return int(
                self._count_once_script(
                    keys=keys,
                    args=[limit, rate_timeout, mark_timeout, counter_timeout],
                    client=client,
                )
            )

    @cached_property
    def _add_then_get_many_script(self):
        return self.get_client(write=True).register_script(ADD_THEN_GET_MANY)

    def add_then_get_many(
        self, mark: str, *, timeout: int, keys: list[str], version=None
    ) -> dict[str, Any] | None:
        """Set `mark` for `timeout` seconds unless it is set, and only then read `keys`, in one
        command: None when the mark was there, else {key: value} of the keys found
        (newsroom.pagecache.counters.add_once_then_read). Raises ConnectionInterrupted when
        Redis cannot answer."""
        client = self.get_client(write=True)
        names = [self.make_key(key, version=version) for key in keys]
        with _as_ignorable(client):
            values = self._add_then_get_many_script(
                keys=[self.make_key(mark, version=version), *names],
                args=[int(timeout)],
                client=client,
            )
        if values is None:
            return None
        return {
            key: self.decode(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }

    @cached_property
    def _add_or_get_many_script(self):
        return self.get_client(write=True).register_script(ADD_OR_GET_MANY)

    def add_or_get_many(self, keys: list[str], value: int, *, timeout: int, version=None) -> dict:
        """Set each of `keys` to the integer `value` for `timeout` seconds unless it is set,
        and give what each holds then, in one command: {key: value} (a scope's version that
        may not exist yet: newsroom.pagecache.generation.scope_versions). Raises
        ConnectionInterrupted when Redis cannot answer."""
        client = self.get_client(write=True)
        with _as_ignorable(client):
            values = self._add_or_get_many_script(
                keys=[self.make_key(key, version=version) for key in keys],
                args=[int(value), int(timeout * 1000)],
                client=client,
            )
        return {key: self.decode(found) for key, found in zip(keys, values, strict=True)}

    @cached_property
    def _lookup_script(self):
        return self.get_client(write=True).register_script(LOOKUP)

    def lookup(
        self,
        key: str,
        *,
        lock: str,
        lock_seconds: int,
        other: DefaultClient | None = None,
        other_keys: Sequence[str] = (),
        version=None,
    ) -> tuple[Any, dict[str, Any], bool | None]:
        """`key` of this cache and `other_keys` of `other`, a cache on the same Redis server
        (with its own key prefix), in one command; when `key` is missing, the same command
        takes `lock` (this cache's key) for `lock_seconds` unless it is held. Returns (the value
        or None, {other key: value or None}, True/False: the lock taken or held by another,
        None: the value was there, or Redis could not answer). An unreachable Redis reads as
        missing keys, as `get`, and is logged the same way."""
        client = self.get_client(write=True)
        names = [self.make_key(key, version=version), self.make_key(lock, version=version)]
        if other_keys:
            names += map(other.make_key, other_keys)
        try:
            with _as_ignorable(client):
                first, *rest, claimed = self._lookup_script(
                    keys=names, args=[int(lock_seconds)], client=client
                )
        except ConnectionInterrupted:
            logger.exception("Exception ignored")
            return None, {}, None
        return (
            None if first is None else self.decode(first),
            {
                name: None if value is None else other.decode(value)
                for name, value in zip(other_keys, rest, strict=True)
            },
            None if claimed == -1 else claimed == 1,
        )


@contextmanager
def _as_ignorable(client):
    """Raise Redis's errors as django-redis's own calls do, so IGNORE_EXCEPTIONS covers them."""
    try:
        yield
    except IGNORED as exc:
        raise ConnectionInterrupted(connection=client) from exc


def _unreachable_counter(key) -> ValueError:
    return ValueError(f"Key '{key}' not found (the Redis cache is unreachable)")
