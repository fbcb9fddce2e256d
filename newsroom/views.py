import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import two_factor as two_factor_codes
from .db import current_outage, outage_response
from .models import TwoFactorDevice

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("healthz: database unavailable: %s", exc)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's own page is English and renders without the request."""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    # A database outage outside the view (late template rendering, session save) lands here.
    outage = current_outage()
    if outage is not None:
        return outage_response(request, outage)
    # Rendered without context processors' database reads failing the error page itself.
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("500 page could not be rendered with the site layout")
        return render(request, "500_plain.html", status=500)


PENDING_SESSION_FIELD = "two_factor_pending_secret"


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="인증 코드",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@staff_member_required
@never_cache
def two_factor(request):
    """Turn two-step login on (scan or type the key, confirm one code) or off (with a code)."""
    device = TwoFactorDevice.objects.filter(user=request.user, confirmed_at__isnull=False).first()
    form = TwoFactorCodeForm(request.POST or None)
    if device is None:
        secret = request.session.get(PENDING_SESSION_FIELD) or two_factor_codes.new_secret()
        request.session[PENDING_SESSION_FIELD] = secret
        if request.method == "POST" and form.is_valid():
            if two_factor_codes.matching_step(secret, form.cleaned_data["code"]) is not None:
                TwoFactorDevice.objects.update_or_create(
                    user=request.user,
                    defaults={
                        "secret": secret,
                        "confirmed_at": timezone.now(),
                        "last_used_step": two_factor_codes.current_step(),
                    },
                )
                del request.session[PENDING_SESSION_FIELD]
                messages.success(
                    request, "2단계 인증을 켰습니다. 다음 로그인부터 인증 코드를 묻습니다."
                )
                return redirect("two-factor")
            form.add_error(
                "code", "인증 코드가 맞지 않습니다. 앱에 지금 표시된 숫자를 입력해 주세요."
            )
        context = {
            "secret": two_factor_codes.grouped(secret),
            "uri": two_factor_codes.provisioning_uri(
                secret, account=request.user.get_username(), issuer=settings.SITE_NAME
            ),
        }
    else:
        if request.method == "POST" and form.is_valid():
            if device.verify(form.cleaned_data["code"]):
                device.delete()
                messages.success(request, "2단계 인증을 껐습니다.")
                return redirect("two-factor")
            form.add_error(
                "code", "인증 코드가 맞지 않습니다. 앱에 지금 표시된 숫자를 입력해 주세요."
            )
        context = {}
    return render(
        request,
        "newsroom/two_factor.html",
        {
            **admin.site.each_context(request),
            **context,
            "device": device,
            "form": form,
            "title": "2단계 인증",
        },
    )
