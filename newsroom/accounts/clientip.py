"""The reader's or editor's address, as the app server can trust it."""

import functools
import ipaddress

from django.conf import settings


def _trusted_networks() -> list:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXY_NETWORKS", ())))


@functools.cache
def _networks(names: tuple[str, ...]) -> list:
    return [ipaddress.ip_network(name, strict=False) for name in names]


def _is_trusted_proxy(remote: str) -> bool:
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks())


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXY_HOPS proxies the address the outermost of
    them saw: each proxy appends the address it was called from to X-Forwarded-For, so the
    entry that many places from the right is the first one a client cannot forge.
    X-Forwarded-For is read only when the request comes from a proxy's address
    (DJANGO_TRUSTED_PROXY_NETWORKS): a client reaching the app port directly cannot name
    itself another address."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if hops <= 0 or not _is_trusted_proxy(remote):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return forwarded[0] if forwarded else remote


def login_address(request) -> str | None:
    """The address login lockouts count (django-axes' AXES_CLIENT_IP_CALLABLE): client_ip, with
    an IPv6 client counted by its /64 (it can change addresses within it at will), written as
    the network's first address; None when there is no address to count."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)
