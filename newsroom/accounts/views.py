"""A staff member's own second factor: turn the authenticator app on or off."""

from base64 import b32encode

import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.params import ascii_int

from .login import verify_code
from .services import turn_off_two_factor, turn_on_two_factor


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="인증 코드",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TwoFactorOffForm(TwoFactorCodeForm):
    password = forms.CharField(
        label="비밀번호",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ("password", "code")


WRONG_CODE = "인증 코드가 맞지 않습니다. 앱에 지금 표시된 숫자를 입력해 주세요."


def _render(request, context):
    return render(
        request,
        "newsroom/two_factor.html",
        {**admin.site.each_context(request), **context, "title": "2단계 인증"},
    )


@staff_member_required
@never_cache
def two_factor(request):
    """Turn two-step login on (scan the QR code or type the key, confirm one code, keep the
    backup codes shown once) or off (with the password and a current code)."""
    user = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if device is not None:
        form = TwoFactorOffForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if not user.check_password(form.cleaned_data["password"]):
                form.add_error("password", "비밀번호가 맞지 않습니다.")
            elif verify_code(user, form.cleaned_data["code"]) is None:
                form.add_error("code", WRONG_CODE)
            else:
                turn_off_two_factor(user=user)
                messages.success(request, "2단계 인증을 껐습니다.")
                return redirect("two-factor")
        return _render(request, {"device": device, "form": form})

    pending = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if pending is None:
        pending = TOTPDevice.objects.create(user=user, name="인증 앱", confirmed=False)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = "".join(form.cleaned_data["code"].split())
        if (
            len(code) == 6
            and ascii_int(code, max_digits=6) is not None
            and pending.verify_token(code)
        ):
            backup_codes = turn_on_two_factor(device=pending)
            otp_login(request, pending)
            messages.success(
                request, "2단계 인증을 켰습니다. 다음 로그인부터 인증 코드를 묻습니다."
            )
            return _render(request, {"backup_codes": backup_codes, "device": pending})
        form.add_error("code", WRONG_CODE)
    key = b32encode(pending.bin_key).decode()
    qr = segno.make(pending.config_url, error="m")
    return _render(
        request,
        {
            "form": form,
            "secret": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "uri": pending.config_url,
            # Inline data, so the admin's CSP needs no other image source and no script.
            "qr": qr.svg_data_uri(scale=5),
            "qr_size": qr.symbol_size(scale=5)[0],
        },
    )
