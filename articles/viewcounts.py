"""Article views: counted in this process's memory, written to the database in batches.

One UPDATE per view costs a commit (a WAL flush) per reader: on a story everyone opens at once
that is the slowest part of a page served from the cache, and every worker queues on the same
row's lock. Instead each worker adds views up in memory and writes them at most every
ARTICLE_VIEW_FLUSH_SECONDS, one `view_count = view_count + n` UPDATE per distinct n (atomic, so
no view is lost between workers or servers), after a response has been sent (request_finished)
and when the process exits. A failed write gives its views back for the next one.

What this costs: the 많이 본 뉴스 ranking and the admin's 조회수 lag by that many seconds, and a
worker killed outright (SIGKILL, power loss) loses the views of its last interval.
ARTICLE_VIEW_FLUSH_SECONDS = 0 writes every view at once (the tests' default).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter, defaultdict

from django.conf import settings
from django.db.models import F

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pending: Counter = Counter()
_next_write = [0.0]


def _interval() -> float:
    return float(getattr(settings, "ARTICLE_VIEW_FLUSH_SECONDS", 0))


def add_view(pk: int) -> None:
    """One more view of article `pk`."""
    if _interval() <= 0:
        write({pk: 1})
        return
    with _lock:
        _pending[pk] += 1


# Articles an UPDATE names at most: a crawler's sweep can leave tens of thousands in one
# interval, and one query takes at most 65,535 parameters (newsroom.postgresql).
WRITE_CHUNK = 10_000


def write(counts: dict[int, int]) -> None:
    """Add the counted views to the published articles' view_count."""
    from .models import Article

    by_amount: dict[int, list[int]] = defaultdict(list)
    for pk, amount in counts.items():
        by_amount[amount].append(pk)
    for amount, pks in sorted(by_amount.items()):
        pks.sort()
        for start in range(0, len(pks), WRITE_CHUNK):
            Article.objects.published().filter(pk__in=pks[start : start + WRITE_CHUNK]).update(
                view_count=F("view_count") + amount
            )


def flush() -> int:
    """Write every view counted so far; returns how many were written."""
    with _lock:
        counts = dict(_pending)
        _pending.clear()
        _next_write[0] = time.monotonic() + _interval()
    if not counts:
        return 0
    try:
        write(counts)
    except Exception:
        with _lock:
            _pending.update(counts)
        logger.warning("article views not written; kept for the next try", exc_info=True)
        return 0
    return sum(counts.values())


def flush_if_due(**kwargs) -> None:
    """After a request (request_finished): write when the interval has passed."""
    if _pending and time.monotonic() >= _next_write[0]:
        flush()


def pending() -> int:
    with _lock:
        return sum(_pending.values())


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # the process is ending: say so, never raise from atexit
        logger.warning("article views lost at exit", exc_info=True)


atexit.register(_flush_at_exit)
