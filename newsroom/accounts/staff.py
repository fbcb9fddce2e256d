"""Staff sessions: they end STAFF_SESSION_HOURS (SESSION_COOKIE_AGE) after signing in and after
STAFF_SESSION_IDLE_MINUTES without a request; staff of the roles in OTP_REQUIRED_ROLES are led
to enrol an authenticator app before any other admin page, and must have used it to sign in."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from newsroom.site.roles import has_role

from .security import admin_prefix

SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
# Last activity is written at most this often: no session write on every admin request.
LAST_SEEN_RESOLUTION_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="newsroom.accounts.staff.signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


def session_expired(session, now: float) -> bool:
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT)
    if signed_in is None or last_seen is None:
        return True
    return (
        now - signed_in >= settings.SESSION_COOKIE_AGE
        or now - last_seen >= settings.STAFF_SESSION_IDLE_MINUTES * 60
    )


def _login_redirect(request):
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{reverse('admin:login')}?{query}")


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff:
            now = time.time()
            if session_expired(request.session, now):
                logout(request)
                if request.path.startswith(admin_prefix()):
                    return _login_redirect(request)
                return self.get_response(request)
            if now - request.session[LAST_SEEN_AT] >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[LAST_SEEN_AT] = int(now)
            response = self._second_factor(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _second_factor(self, request):
        """None when the request may go on; else where the user must go first."""
        if not settings.OTP_REQUIRED_ROLES or not request.path.startswith(admin_prefix()):
            return None
        user = request.user
        if user.is_verified() or not has_role(user, settings.OTP_REQUIRED_ROLES):
            return None
        enrol = reverse("two-factor")
        if request.path in {enrol, reverse("admin:logout"), reverse("admin:login")}:
            return None
        from .login import has_device

        if has_device(user):
            # Signed in without the code (a session from before enrolment was required).
            logout(request)
            return _login_redirect(request)
        return redirect(enrol)
