"""The reader's or editor's address, as the app server can trust it."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXY_HOPS proxies the address the outermost of
    them saw: each proxy appends the address it was called from to X-Forwarded-For, so the
    entry that many places from the right is the first one a client cannot forge."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return forwarded[0] if forwarded else remote
