"""The admin's login: password and, for accounts with an authenticator app, its code in one form;
failed logins lock the address first and the account only when many addresses fail it
(django-axes, kept in the database: a Redis outage never lets guesses through).

A wrong code after the right password is answered exactly like a wrong password and counts as a
failure, so the form tells nobody which half was right, and codes are throttled like passwords.
The lockout message is the same for unknown accounts.
"""

import math
import re

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessFailureLog
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpResponse
from django_otp import devices_for_user

from newsroom.params import ascii_int

INVALID_LOGIN = (
    "사용자 이름, 비밀번호 또는 인증 코드가 맞지 않습니다. 모두 대소문자를 구별합니다. "
    "2단계 인증을 켠 계정은 인증 앱에 지금 표시된 6자리 숫자나 백업 코드를 함께 입력해 주세요."
)
# Backup codes as django-otp's StaticToken.random_token makes them: 8 base32 letters.
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "로그인에 여러 번 실패해 잠시 로그인을 막았습니다. "
        f"{minutes}분 뒤에 다시 시도해 주세요. "
        "비밀번호가 기억나지 않으면 관리자에게 문의해 주세요."
    )


class LoginLockHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit per rule: an account from one address
    (AXES_FAILURE_LIMIT), one address for any accounts (AXES_ADDRESS_FAILURE_LIMIT), and an
    account everywhere once failures for it came from AXES_ACCOUNT_ADDRESS_LIMIT addresses."""

    def _recent(self, request):
        return AccessAttempt.objects.filter(
            attempt_time__gte=request.axes_attempt_time - get_cool_off(request)
        )

    def locking_attempts(self, request, credentials=None):
        """The recent attempts of each rule that is at its limit (empty when none is)."""
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        recent = self._recent(request)
        rules = [(recent.filter(ip_address=address), settings.AXES_ADDRESS_FAILURE_LIMIT)]
        if username:
            rules.append(
                (recent.filter(username=username, ip_address=address), settings.AXES_FAILURE_LIMIT)
            )
        locking = [
            attempts
            for attempts, limit in rules
            if (attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0) >= limit
        ]
        if username:
            account = recent.filter(username=username)
            addresses = account.values("ip_address").distinct().count()
            if addresses >= settings.AXES_ACCOUNT_ADDRESS_LIMIT:
                locking.append(account)
        return locking

    def get_failures(self, request, credentials=None) -> int:
        # axes compares one number with AXES_FAILURE_LIMIT; our rules have limits of their own.
        if self.locking_attempts(request, credentials):
            return settings.AXES_FAILURE_LIMIT
        return 0

    def seconds_locked(self, request, credentials=None) -> int:
        """Seconds until every rule that locks this login has let go; 0 when none does."""
        last = [
            attempts.aggregate(last=Max("attempt_time"))["last"]
            for attempts in self.locking_attempts(request, credentials)
        ]
        if not last:
            return 0
        ends = max(last) + get_cool_off(request)
        return max(1, math.ceil((ends - request.axes_attempt_time).total_seconds()))

    def reset_user_attempts(self, request, credentials=None) -> int:
        # Only this account's failures from this address: one good login of a known account
        # must not wipe what the same address tried against other accounts.
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        # axes logs no failure for a try refused while locked; the login log must show it.
        refused = request is not None and getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if refused and settings.AXES_ENABLE_ACCESS_FAILURE_LOG:
            AccessFailureLog.objects.create(
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
                attempt_time=request.axes_attempt_time,
                locked_out=True,
            )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login form already says why (StaffLoginForm), so its page
    stands; anything else gets the message alone."""
    if original_response is not None:
        return original_response
    from axes.handlers.proxy import AxesProxyHandler

    seconds = AxesProxyHandler.get_implementation().seconds_locked(request, credentials)
    return HttpResponse(lockout_message(seconds), status=429, content_type="text/plain")


def _code(raw: str) -> str:
    return "".join((raw or "").split()).lower()


def verify_code(user, raw: str):
    """The confirmed device of `user` that accepts this code (once), or None. Six ASCII digits
    go to the authenticator app's device, eight base32 letters to the backup codes; anything
    else (`①②③④⑤⑥`, Arabic-Indic digits that int() would read) matches nothing."""
    code = _code(raw)
    if len(code) == 6 and ascii_int(code, max_digits=6) is not None:
        kind = "totpdevice"
    elif BACKUP_CODE.fullmatch(code):
        kind = "staticdevice"
    else:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device._meta.model_name == kind and device.verify_token(code):
                return device
    return None


def has_device(user) -> bool:
    return any(
        device._meta.model_name == "totpdevice" for device in devices_for_user(user, confirmed=True)
    )


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login form: username, password and, for accounts with a second factor, its
    code. Any failure, the code's included, gets one message and counts in django-axes."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": INVALID_LOGIN,
    }

    otp_code = forms.CharField(
        label="인증 코드",
        required=False,
        max_length=20,
        help_text="2단계 인증을 켠 계정만 입력합니다.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )

    def _locked(self):
        from axes.handlers.proxy import AxesProxyHandler

        seconds = AxesProxyHandler.get_implementation().seconds_locked(
            self.request, {"username": self.cleaned_data.get("username")}
        )
        return forms.ValidationError(lockout_message(seconds), code="throttled")

    def clean(self):
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise self._locked() from None
            raise
        if self.user_cache is not None and has_device(self.user_cache):
            device = verify_code(self.user_cache, self.cleaned_data.get("otp_code"))
            if device is None:
                username = self.cleaned_data.get("username")
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": username},
                    request=self.request,
                )
                self.user_cache = None
                if getattr(self.request, "axes_locked_out", False):
                    raise self._locked()
                raise self.get_invalid_login_error()
            # django-otp marks the session verified when Django logs the user in.
            self.user_cache.otp_device = device
        return cleaned
