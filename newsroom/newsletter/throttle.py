"""How often the subscribe form may be used: per client address (the one login lockouts count,
newsroom.accounts.clientip) and per email address, counted in the shared cache.

The cache's "default" Redis never evicts (settings), so a count lives its whole window. While
Redis is unreachable the counts read as zero and the form stays open: a newsletter sign-up is
not worth refusing readers over; the per-address mail limit is then the SMTP relay's own.
"""

import hashlib

from django.core.cache import cache

from newsroom.accounts.clientip import login_address

HOUR = 60 * 60
DAY = 24 * HOUR


def _spend(key: str, *, limit: int, window: int) -> bool:
    """One more use of `key` in its window; False once `limit` uses have been made."""
    if cache.add(key, 1, timeout=window):
        return True
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is down
        cache.add(key, 1, timeout=window)
        return True
    return used <= limit


def allow_client(request, *, limit: int) -> bool:
    address = login_address(request) or "unknown"
    return _spend(f"newsletter:subscribe:{address}", limit=limit, window=HOUR)


def allow_confirmation_mail(email: str, *, limit: int) -> bool:
    # The address itself is never a cache key: a digest of it is.
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return _spend(f"newsletter:confirm-mail:{digest}", limit=limit, window=DAY)
