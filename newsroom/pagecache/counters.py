"""Counters in the shared cache (banner impressions, per day and slot), sent once per request.

A page counts several things (each banner slot counts its impressions); one round trip to Redis
per count would cost more than serving the cached page itself. Inside `batch()` (the page
cache middleware opens one around every request) counts are added up in memory and sent
together when the request ends: one Lua script on Redis (INCRBY, and EXPIRE for a counter it
creates, each counter with its own timeout; newsroom.pagecache.redis_cache), plain `incr`/`add`
on other cache backends. Outside a batch a count is sent at once.

Counting never raises: a cache outage loses the counts it could not send (and logs once),
the page is served all the same.

A request's other writes to a cache on the same Redis server (`write`: the page cache storing a
page it rendered and releasing its render lock) go in the same round trip as its counts, sent
first.

`add_once_then_read` is the read side for a count that must happen once (a banner click: a mark
for the reader and banner, then the marks of the impressions served to that reader), also one
round trip on Redis.
"""

from __future__ import annotations

import contextvars
import logging
from collections import Counter
from contextlib import contextmanager

from django.core.cache import cache

from .redis_cache import DELETE, apply_write

logger = logging.getLogger(__name__)


class _Batch:
    """What a request has counted (by the timeout its counters are created with) and written."""

    __slots__ = ("counts", "writes")

    def __init__(self):
        self.counts: dict[int, Counter] = {}
        self.writes: list[tuple] = []


# Inside a batch: the counts and writes so far.
_pending: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar(
    "newsroom_counters", default=None
)


def add(key: str, delta: int = 1, *, timeout: int) -> None:
    """Add `delta` to the counter `key` (created with `timeout` seconds to live)."""
    pending = _pending.get()
    if pending is None:
        send({key: delta}, timeout=timeout)
        return
    pending.counts.setdefault(timeout, Counter())[key] += delta


def write(to, key: str, value=DELETE, *, timeout: int = 0) -> None:
    """Set `key` of the cache `to` to `value` for `timeout` seconds (delete it: `DELETE`), with
    the batch's counts: in their round trip, before them, when `to` is a Redis cache on the
    default cache's server and database, just before them otherwise; at once outside a batch.
    Never raises."""
    pending = _pending.get()
    if pending is None:
        send({}, timeout=0, writes=[(to, key, value, timeout)])
        return
    pending.writes.append((to, key, value, timeout))


@contextmanager
def batch():
    """Collect the counts and writes made inside, and send them in one go at the end."""
    if _pending.get() is not None:  # already inside a batch: the outer one sends
        yield
        return
    pending = _Batch()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        counts = pending.counts
        if len(counts) <= 1:
            timeout, deltas = next(iter(counts.items()), (0, {}))
            send(deltas, timeout=timeout, writes=pending.writes)
        else:  # counters of several lifetimes: still one round trip
            deltas: dict[str, int] = {}
            timeouts: dict[str, int] = {}
            for timeout, counted in counts.items():
                for key, delta in counted.items():
                    deltas[key] = deltas.get(key, 0) + delta
                    timeouts.setdefault(key, timeout)
            send(deltas, timeout=timeouts, writes=pending.writes)


def send(
    deltas: dict[str, int], *, timeout: int | dict[str, int], writes: list[tuple] = ()
) -> None:
    """Make `writes` ((cache, key, value or DELETE, timeout)) and add every delta to its
    counter (created with `timeout`, one for all or one per key) now; never raises."""
    if not deltas and not writes:
        return
    try:
        # The Redis cache's client (django-redis with newsroom.pagecache.redis_cache.CacheClient).
        incr_many = getattr(getattr(cache, "client", None), "incr_many", None)
        if incr_many is not None:
            incr_many(deltas, timeout=timeout, writes=writes)
            return
        for write in writes:
            apply_write(*write)
        for key, delta in deltas.items():
            seconds = timeout[key] if isinstance(timeout, dict) else timeout
            try:
                cache.incr(key, delta)
            except ValueError:  # no counter yet: create it, or add to one made meanwhile
                if not cache.add(key, delta, timeout=seconds):
                    cache.incr(key, delta)
    except Exception:
        logger.warning(
            "counters not sent: %s", ", ".join(sorted(deltas)) or "(writes only)", exc_info=True
        )


def add_once_then_read(mark: str, *, timeout: int, keys: list[str]) -> dict[str, object] | None:
    """Set `mark` for `timeout` seconds unless it is already set, and only then read `keys`:
    None when the mark was there (nothing read), else the values found (missing keys left out,
    as `get_many`). One Lua script on Redis (newsroom.pagecache.redis_cache); `add` then
    `get_many` on other cache backends. Raises when the cache cannot answer."""
    add_then_get_many = getattr(getattr(cache, "client", None), "add_then_get_many", None)
    if add_then_get_many is not None:
        return add_then_get_many(mark, timeout=timeout, keys=keys)
    if not cache.add(mark, 1, timeout=timeout):
        return None
    return cache.get_many(keys) if keys else {}
