"""A Redis cache that degrades to "no cache" when Redis cannot be reached.

Django's RedisCache raises on every call while Redis is down, which turns each page that reads
the cache into a 500. This backend treats an unreachable Redis as an empty cache instead: reads
miss (return the default), writes and deletes do nothing, `incr`/`decr` raise ValueError as for
a missing key. Pages keep serving, uncached, and the log says so (once per LOG_INTERVAL seconds
per process, not once per call).

After a failure it does not try Redis again for RETRY_AFTER seconds, so a Redis host that
swallows packets costs one socket timeout every few seconds, not one per cache call.

OPTIONS (besides redis-py's): RETRY_AFTER (seconds, default 5), LOG_INTERVAL (default 60).
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis gone, slow, or unable to take writes (a replica after failover, memory full): all mean
# "no cache right now", none is a bug in the caller.
UNREACHABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    ReadOnlyError,
    OutOfMemoryError,
    ConnectionError,
    TimeoutError,
)


class _Health:
    """Per-process state of one Redis location, shared by the per-thread cache objects."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.down_since = 0.0
        self.last_logged = 0.0


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _health_for(location: str) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


# KEYS: counters; ARGV: their deltas, then the timeout of a counter this call creates.
INCR_MANY = """
local timeout = tonumber(ARGV[#KEYS + 1])
for i, key in ipairs(KEYS) do
  local delta = tonumber(ARGV[i])
  if redis.call('INCRBY', key, delta) == delta then
    redis.call('EXPIRE', key, timeout)
  end
end
return #KEYS
"""


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis-py client object for every cache call (~0.1 ms of
    Python each, more than the round trip); one per connection pool does the same job."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        self.log_interval = float(options.pop("LOG_INTERVAL", 60))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._incr_many_scripts = {}
        self._location = ",".join(self._servers)
        self._health = _health_for(self._location)

    # -- health ----------------------------------------------------------------------------

    def _available(self) -> bool:
        return time.time() >= self._health.down_until

    def _failed(self, exc: Exception) -> None:
        now = time.time()
        health = self._health
        with health.lock:
            if not health.down_since:
                health.down_since = now
            health.down_until = now + self.retry_after
            should_log = now - health.last_logged >= self.log_interval
            if should_log:
                health.last_logged = now
        if should_log:
            logger.error(
                "Redis cache at %s unreachable (%s: %s); serving without the cache",
                self._location,
                exc.__class__.__name__,
                exc,
            )

    def _succeeded(self) -> None:
        health = self._health
        if health.down_since:
            with health.lock:
                was_down = health.down_since
                health.down_since = 0.0
                health.last_logged = 0.0
            if was_down:
                logger.warning(
                    "Redis cache at %s reachable again after %.0f s",
                    self._location,
                    time.time() - was_down,
                )

    def _guard(self, call, fallback):
        if not self._available():
            return fallback()
        try:
            result = call()
        except UNREACHABLE as exc:
            self._failed(exc)
            return fallback()
        self._succeeded()
        return result

    # -- the cache API: each call falls back to what an empty cache would answer -------------

    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(DegradingRedisCache, self).get(key, default, version),
                           lambda: default)  # fmt: skip

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(DegradingRedisCache, self).get_many(keys, version), dict)

    def has_key(self, key, version=None):
        return self._guard(lambda: super(DegradingRedisCache, self).has_key(key, version),
                           lambda: False)  # fmt: skip

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # False: "not added", so get_or_set() computes the value and returns it uncached.
        return self._guard(
            lambda: super(DegradingRedisCache, self).add(key, value, timeout, version),
            lambda: False,
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(
            lambda: super(DegradingRedisCache, self).set(key, value, timeout, version),
            lambda: None,
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Every key failed: the caller may retry them.
        return self._guard(
            lambda: super(DegradingRedisCache, self).set_many(data, timeout, version),
            lambda: list(data),
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: super(DegradingRedisCache, self).touch(key, timeout, version),
            lambda: False,
        )

    def delete(self, key, version=None):
        return self._guard(lambda: super(DegradingRedisCache, self).delete(key, version),
                           lambda: False)  # fmt: skip

    def delete_many(self, keys, version=None):
        self._guard(lambda: super(DegradingRedisCache, self).delete_many(keys, version),
                    lambda: None)  # fmt: skip

    def incr(self, key, delta=1, version=None):
        return self._guard(
            lambda: super(DegradingRedisCache, self).incr(key, delta, version),
            lambda: _missing(key),
        )

    def incr_many(self, deltas: dict[str, int], *, timeout: int, version=None) -> None:
        """Add each delta to its counter in one command (newsroom.pagecache.counters uses it); a
        counter
        the command creates gets `timeout`, an existing one keeps its own."""

        def send():
            client = self._cache.get_client(write=True)
            script = self._incr_many_scripts.get(id(client))
            if script is None:
                script = self._incr_many_scripts[id(client)] = client.register_script(INCR_MANY)
            names = [self.make_and_validate_key(key, version=version) for key in deltas]
            script(keys=names, args=[*deltas.values(), int(timeout)])

        self._guard(send, lambda: None)

    def clear(self):
        return self._guard(lambda: super(DegradingRedisCache, self).clear(), lambda: False)


def _missing(key):
    raise ValueError(f"Key '{key}' not found (the Redis cache is unreachable)")
