"""Admin login throttling: too many failed logins lock the account, or the address, for a while.

Counters live in the cache (shared across app servers when it is Redis). A lock is its own
cache key with a timeout, so it ends by itself. Failures are counted for unknown accounts too,
and the message is the same either way, so the lock tells nobody which accounts exist.

When the cache is unreachable (see newsroom.cache_backends) the counters read as zero: logins keep
working unthrottled rather than locking every editor out.
"""

import hashlib
import ipaddress
import logging
import math
import time

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache

from .clientip import client_ip

logger = logging.getLogger(__name__)

KEY_PREFIX = "login-throttle"


def _limits() -> dict[str, int]:
    return {
        "account": settings.LOGIN_THROTTLE_ACCOUNT_FAILURES,
        "address": settings.LOGIN_THROTTLE_ADDRESS_FAILURES,
    }


def _subject(kind: str, value: str) -> str:
    # Hashed: user names and addresses are not kept readable in Redis.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{kind}:{digest}"


def _network(address: str) -> str:
    """An IPv6 client holds a whole /64 (it can change addresses at will), so it is counted as
    one; IPv4 addresses are counted one by one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and not ip.ipv4_mapped:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


def _subjects(*, username: str, address: str) -> dict[str, str]:
    subjects = {"address": _subject("address", _network(address))}
    if username:
        subjects["account"] = _subject("account", username)
    return subjects


def locked_for(*, username: str, address: str) -> int:
    """Seconds until the login is allowed again; 0 when it is not locked."""
    now = time.time()
    until = max(
        (cache.get(f"{key}:locked-until") or 0)
        for key in _subjects(username=username, address=address).values()
    )
    return max(0, math.ceil(until - now))


def record_failure(*, username: str, address: str) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    lockout = settings.LOGIN_THROTTLE_LOCKOUT_SECONDS
    limits = _limits()
    for kind, key in _subjects(username=username, address=address).items():
        counter = f"{key}:failures"
        cache.add(counter, 0, window)
        try:
            failures = cache.incr(counter)
        except ValueError:  # expired between add and incr, or the cache is down
            cache.set(counter, 1, window)
            failures = 1
        if failures >= limits[kind]:
            cache.set(f"{key}:locked-until", time.time() + lockout, lockout)
            cache.delete(counter)
            logger.warning(
                "admin login locked for %s s after %s failures by %s (%s, from %s)",
                lockout,
                failures,
                kind,
                username or "-",
                address,
            )


def record_success(*, username: str) -> None:
    key = _subject("account", username)
    cache.delete_many([f"{key}:failures", f"{key}:locked-until"])


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "로그인에 여러 번 실패해 잠시 로그인을 막았습니다. "
        f"{minutes}분 뒤에 다시 시도해 주세요. "
        "비밀번호가 기억나지 않으면 관리자에게 문의해 주세요."
    )


OTP_ERROR = "인증 코드가 맞지 않습니다. 인증 앱에 지금 표시된 6자리 숫자를 입력해 주세요."


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, refusing to check passwords while the account or address is
    locked and counting each failure; accounts with a second factor also need its code."""

    otp_code = forms.CharField(
        label="인증 코드",
        required=False,
        max_length=8,
        help_text="2단계 인증을 켠 계정만 입력합니다.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_ip(self.request) if self.request else "unknown"
        seconds = locked_for(username=username, address=address)
        if seconds:
            raise forms.ValidationError(lockout_message(seconds), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(username=username, address=address)
            seconds = locked_for(username=username, address=address)
            if seconds:  # this failure was the last one allowed: say so now
                raise forms.ValidationError(lockout_message(seconds), code="throttled") from None
            raise
        device = getattr(self.user_cache, "two_factor_device", None)
        code = self.cleaned_data.get("otp_code") or ""
        if device is not None and device.is_active and not device.verify(code):
            record_failure(username=username, address=address)
            seconds = locked_for(username=username, address=address)
            message = lockout_message(seconds) if seconds else OTP_ERROR
            raise forms.ValidationError(message, code="invalid_otp")
        record_success(username=username)
        return cleaned
