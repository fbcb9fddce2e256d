"""The second factor of admin logins (django-otp): an authenticator app's 6-digit codes and
backup codes shown once."""

import base64
import datetime as dt
import re
import time

import pytest
import time_machine
from django.test import Client
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.newsroom.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
WRONG_CODE = "인증 코드가 맞지 않습니다"


def code_at(device, step: int) -> str:
    return f"{hotp(device.bin_key, step, digits=6):06d}"


def current_step() -> int:
    return int(time.time()) // 30


def code_now(device) -> str:
    return code_at(device, current_step())


def login(client, **extra):
    data = {"username": "desk.kim", "password": PASSWORD, **extra}
    return client.post("/admin/login/?next=/admin/", data, REMOTE_ADDR="203.0.113.20")


@pytest.fixture
def enrolled(editor):
    return TOTPDevice.objects.create(user=editor, name="인증 앱", confirmed=True)


def test_codes_match_the_rfc_6238_test_vector():
    # RFC 6238, appendix B, SHA-1: T = 59 s gives 94287082 (8 digits); the last 6 are ours.
    device = TOTPDevice(key=b"12345678901234567890".hex())
    assert code_at(device, 59 // 30) == "287082"


@pytest.mark.parametrize("code", ["①②③④⑤⑥", "²²²²²²", "١٢٣٤٥٦"])
def test_a_code_of_other_digits_is_a_wrong_code_not_a_500(client, enrolled, code):
    with time_machine.travel(START, tick=False):
        response = login(client, otp_code=code)
    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()


def test_arabic_indic_digits_of_the_right_code_are_refused(client, enrolled):
    # int("١٢٣٤٥٦") is 123456: django-otp alone would accept the code in other digits.
    with time_machine.travel(START, tick=False):
        code = code_now(enrolled)
        eastern = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        assert WRONG_CODE in login(client, otp_code=eastern).content.decode()


def test_without_a_second_factor_the_password_is_enough(client, editor):
    assert login(client).status_code == 302


def test_with_a_second_factor_the_password_alone_is_refused(client, enrolled):
    response = login(client)
    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()
    assert "_auth_user_id" not in client.session


def _without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_wrong_code_reads_exactly_like_a_wrong_password(enrolled):
    with time_machine.travel(START, tick=False):
        wrong_password = Client().post(
            "/admin/login/?next=/admin/",
            {"username": "desk.kim", "password": "not-it", "otp_code": "000000"},
            REMOTE_ADDR="203.0.113.21",
        )
        wrong_code = Client().post(
            "/admin/login/?next=/admin/",
            {"username": "desk.kim", "password": PASSWORD, "otp_code": "000000"},
            REMOTE_ADDR="203.0.113.22",
        )
    assert wrong_password.status_code == wrong_code.status_code == 200
    assert _without_token(wrong_password.content.decode()) == _without_token(
        wrong_code.content.decode()
    )


def test_the_current_code_logs_in_and_marks_the_session_verified(client, enrolled):
    with time_machine.travel(START, tick=False):
        response = login(client, otp_code=code_now(enrolled))
        assert response.status_code == 302
        assert client.session["otp_device_id"] == enrolled.persistent_id


def test_a_code_from_the_previous_half_minute_is_accepted_but_not_an_older_one(client, enrolled):
    with time_machine.travel(START, tick=False):
        step = current_step()
        old = code_at(enrolled, step - 2)
        previous = code_at(enrolled, step - 1)
        assert WRONG_CODE in login(client, otp_code=old).content.decode()
    # django-otp waits 1 s after a wrong code before it checks another.
    with time_machine.travel(START + dt.timedelta(seconds=2), tick=False):
        assert login(client, otp_code=previous).status_code == 302


def test_a_code_is_accepted_only_once(client, enrolled):
    with time_machine.travel(START, tick=False):
        code = code_now(enrolled)
        assert login(client, otp_code=code).status_code == 302
        replay = login(Client(), otp_code=code)
    assert WRONG_CODE in replay.content.decode()


def test_wrong_codes_count_towards_the_lockout(client, enrolled, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for seconds in range(3):
        with time_machine.travel(START + dt.timedelta(seconds=10 * seconds), tick=False):
            response = login(client, otp_code="000000")
    assert "잠시 로그인을 막았습니다" in response.content.decode()
    with time_machine.travel(START + dt.timedelta(seconds=60), tick=False):
        response = login(client, otp_code=code_now(enrolled))
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def test_a_backup_code_logs_in_once(client, editor):
    client.force_login(editor)
    with time_machine.travel(START, tick=False):
        page = client.get("/admin/two-factor/").content.decode()
        device = TOTPDevice.objects.get(user=editor, confirmed=False)
        assert re.search(r"secret=([A-Z2-7]+)", page)
        shown = client.post("/admin/two-factor/", {"code": code_now(device)}).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", shown)
    assert len(codes) == 10
    client.logout()
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        assert login(client, otp_code=codes[0].upper()).status_code == 302
        client.logout()
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        assert WRONG_CODE in login(client, otp_code=codes[0]).content.decode()


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
        assert 'src="data:image/svg+xml' in page  # the QR code, inline: no script, no CDN
        assert "<script" not in page.split('id="content-main"')[1]
        wrong = client.post("/admin/two-factor/", {"code": "123456"})
        assert WRONG_CODE in wrong.content.decode()
        assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()
    device = TOTPDevice.objects.get(user=editor)
    with time_machine.travel(START + dt.timedelta(seconds=2), tick=False):
        response = client.post("/admin/two-factor/", {"code": code_now(device)})
    assert response.status_code == 200
    assert "한 번만" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert base64.b32encode(device.bin_key).decode() == secret
    assert StaticDevice.objects.get(user=editor).token_set.count() == 10
    # The backup codes are shown once: the page does not show them again.
    assert "two-factor-backup-codes" not in client.get("/admin/two-factor/").content.decode()
    # The code used to confirm cannot be replayed at the next login.
    with time_machine.travel(START + dt.timedelta(seconds=2), tick=False):
        client.logout()
        assert WRONG_CODE in login(client, otp_code=code_now(device)).content.decode()
    with time_machine.travel(START + dt.timedelta(seconds=32), tick=False):
        assert login(client, otp_code=code_now(device)).status_code == 302


def test_turning_it_off_needs_the_password_and_a_current_code(client, enrolled, editor):
    client.force_login(editor)
    with time_machine.travel(START, tick=False):
        client.post("/admin/two-factor/", {"password": PASSWORD, "code": "000000"})
        assert TOTPDevice.objects.filter(pk=enrolled.pk).exists()
    with time_machine.travel(START + dt.timedelta(seconds=5), tick=False):
        client.post("/admin/two-factor/", {"password": "wrong", "code": code_now(enrolled)})
        assert TOTPDevice.objects.filter(pk=enrolled.pk).exists()
        client.post("/admin/two-factor/", {"code": code_now(enrolled)})
        assert TOTPDevice.objects.filter(pk=enrolled.pk).exists()
    with time_machine.travel(START + dt.timedelta(seconds=35), tick=False):
        client.post("/admin/two-factor/", {"password": PASSWORD, "code": code_now(enrolled)})
    assert not TOTPDevice.objects.filter(pk=enrolled.pk).exists()


def test_the_page_is_for_signed_in_staff_only(client):
    response = client.get("/admin/two-factor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_nobody_reads_a_key_in_the_admin(client, enrolled, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="x" * 14)
    client.force_login(boss)
    page = client.get(f"/admin/otp_totp/totpdevice/{enrolled.pk}/change/").content.decode()
    assert enrolled.key not in page
    assert base64.b32encode(enrolled.bin_key).decode() not in page
    assert (
        client.post(
            f"/admin/otp_totp/totpdevice/{enrolled.pk}/delete/", {"post": "yes"}
        ).status_code
        == 302
    )
    assert not TOTPDevice.objects.filter(pk=enrolled.pk).exists()


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_ROLES = ["superuser", "desk"]


def test_desk_and_administrators_must_use_it_by_default():
    from tests.newsroom.conftest import settings_in_production

    assert settings_in_production("settings.OTP_REQUIRED_ROLES") == "['superuser', 'desk']"


def _desk_user(editor):
    from newsroom.site.roles import ensure_roles

    editor.groups.add(ensure_roles()["데스크"])
    return editor


def test_a_desk_editor_without_a_device_is_led_to_enrol_first(client, editor, required):
    client.force_login(_desk_user(editor))
    for path in ("/admin/", "/admin/articles/article/", "/admin/password_change/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/admin/two-factor/"
    assert client.get("/admin/two-factor/").status_code == 200
    assert client.post("/admin/logout/").status_code == 200


def test_an_administrator_without_a_device_is_led_to_enrol(client, django_user_model, required):
    boss = django_user_model.objects.create_superuser("boss", password="x" * 14)
    client.force_login(boss)
    assert client.get("/admin/")["Location"] == "/admin/two-factor/"


def test_roles_not_named_sign_in_without_a_device(client, editor, required):
    client.force_login(editor)  # staff, no role that must use it
    assert client.get("/admin/").status_code == 200


def test_after_enrolling_the_admin_opens(client, editor, required):
    client.force_login(_desk_user(editor))
    with time_machine.travel(START, tick=False):
        client.get("/admin/two-factor/")
        device = TOTPDevice.objects.get(user=editor)
        client.post("/admin/two-factor/", {"code": code_now(device)})
        assert client.get("/admin/").status_code == 200


def test_a_session_signed_in_without_the_code_must_sign_in_again(client, enrolled, required):
    client.force_login(_desk_user(enrolled.user))  # not through the login form: not verified
    response = client.get("/admin/articles/article/")
    assert response["Location"] == "/admin/login/?next=%2Fadmin%2Farticles%2Farticle%2F"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enrolled_authenticators_survive_the_move_to_django_otp(django_user_model):
    """Migration 0003 turns the hand-written TwoFactorDevice rows into TOTPDevices."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    old_state = [("newsroom", "0002_two_factor_device"), ("otp_totp", "0003_add_timestamps")]
    executor = MigrationExecutor(connection)
    executor.migrate(old_state)
    apps = executor.loader.project_state(old_state).apps
    user = apps.get_model("auth", "User").objects.create(username="old.kim", is_staff=True)
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    apps.get_model("newsroom", "TwoFactorDevice").objects.create(
        user_id=user.pk, secret=secret, confirmed_at=START, last_used_step=123
    )
    apps.get_model("newsroom", "TwoFactorDevice").objects.create(
        user_id=apps.get_model("auth", "User").objects.create(username="half").pk,
        secret=secret,
        confirmed_at=None,
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    device = TOTPDevice.objects.get()
    assert device.user.username == "old.kim"
    assert device.confirmed
    assert device.bin_key == b"12345678901234567890"
    assert device.last_t == 123
