"""The optional second factor of admin logins: an authenticator app's 6-digit codes."""

import datetime as dt
import re

import pytest
import time_machine

from newsroom import two_factor
from newsroom.models import TwoFactorDevice
from tests.newsroom.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
WRONG_CODE = "인증 코드가 맞지 않습니다"


def code_now(secret: str) -> str:
    return two_factor.code_at(secret, two_factor.current_step())


def login(client, **extra):
    data = {"username": "desk.kim", "password": PASSWORD, **extra}
    return client.post("/admin/login/?next=/admin/", data, REMOTE_ADDR="203.0.113.20")


@pytest.fixture
def enrolled(editor):
    device = TwoFactorDevice.objects.create(
        user=editor, secret=two_factor.new_secret(), confirmed_at=START
    )
    return device


def test_codes_match_the_rfc_6238_test_vector():
    # RFC 6238, appendix B, SHA-1: T = 59 s gives 94287082 (8 digits); the last 6 are ours.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert two_factor.code_at(secret, 59 // 30) == "287082"


@pytest.mark.parametrize("code", ["①②③④⑤⑥", "²²²²²²", "١٢٣٤٥٦"])
def test_a_code_of_other_digits_is_a_wrong_code_not_a_500(client, enrolled, code):
    with time_machine.travel(START, tick=False):
        response = login(client, otp_code=code)
    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()


def test_without_a_second_factor_the_password_is_enough(client, editor):
    assert login(client).status_code == 302


def test_with_a_second_factor_the_password_alone_is_refused(client, enrolled):
    response = login(client)
    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_current_code_logs_in(client, enrolled):
    with time_machine.travel(START, tick=False):
        response = login(client, otp_code=code_now(enrolled.secret))
    assert response.status_code == 302


def test_a_code_from_the_previous_half_minute_is_accepted_but_not_an_older_one(client, enrolled):
    with time_machine.travel(START, tick=False):
        step = two_factor.current_step()
        old = two_factor.code_at(enrolled.secret, step - 2)
        previous = two_factor.code_at(enrolled.secret, step - 1)
        assert WRONG_CODE in login(client, otp_code=old).content.decode()
        assert login(client, otp_code=previous).status_code == 302


def test_a_code_is_accepted_only_once(client, enrolled):
    from django.test import Client

    with time_machine.travel(START, tick=False):
        code = code_now(enrolled.secret)
        assert login(client, otp_code=code).status_code == 302
        replay = login(Client(), otp_code=code)
    assert WRONG_CODE in replay.content.decode()


def test_wrong_codes_count_towards_the_lockout(client, enrolled, settings):
    settings.LOGIN_THROTTLE_ACCOUNT_FAILURES = 3
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            response = login(client, otp_code="000000")
        assert "잠시 로그인을 막았습니다" in response.content.decode()
        response = login(client, otp_code=code_now(enrolled.secret))
    assert response.status_code == 200


def test_the_login_page_asks_for_the_code(client):
    html = client.get("/admin/login/").content.decode()
    assert 'name="otp_code"' in html
    assert 'autocomplete="one-time-code"' in html


def test_an_editor_turns_two_step_login_on_by_confirming_a_code(client, editor):
    client.force_login(editor)
    with time_machine.travel(START, tick=False):
        page = client.get("/admin/two-factor/").content.decode()
        secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
        assert "otpauth://totp/" in page
        wrong = client.post("/admin/two-factor/", {"code": "123456"})
        assert WRONG_CODE in wrong.content.decode()
        assert not TwoFactorDevice.objects.filter(user=editor).exists()
        response = client.post("/admin/two-factor/", {"code": code_now(secret)})
    assert response.status_code == 302
    device = TwoFactorDevice.objects.get(user=editor)
    assert device.is_active
    assert device.secret == secret
    # The code used to confirm cannot be replayed at the next login.
    with time_machine.travel(START, tick=False):
        client.logout()
        assert WRONG_CODE in login(client, otp_code=code_now(secret)).content.decode()
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        assert login(client, otp_code=code_now(secret)).status_code == 302


def test_turning_it_off_needs_a_current_code(client, enrolled, editor):
    client.force_login(editor)
    with time_machine.travel(START, tick=False):
        client.post("/admin/two-factor/", {"code": "000000"})
        assert TwoFactorDevice.objects.filter(pk=enrolled.pk).exists()
        client.post("/admin/two-factor/", {"code": code_now(enrolled.secret)})
    assert not TwoFactorDevice.objects.filter(pk=enrolled.pk).exists()


def test_the_page_is_for_signed_in_staff_only(client):
    response = client.get("/admin/two-factor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_nobody_reads_a_key_in_the_admin(client, enrolled, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="x" * 14)
    client.force_login(boss)
    page = client.get(f"/admin/newsroom/twofactordevice/{enrolled.pk}/change/").content.decode()
    assert enrolled.secret not in page
    assert (
        client.post(
            f"/admin/newsroom/twofactordevice/{enrolled.pk}/delete/", {"post": "yes"}
        ).status_code
        == 302
    )
    assert not TwoFactorDevice.objects.filter(pk=enrolled.pk).exists()
