"""The login log (django-axes) and the second-factor devices in the admin: read-only, for
administrators (superusers) only, whatever permissions a role is given; in Korean."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.site.roles import AD_MANAGER, DESK, REPORTER, ensure_roles

pytestmark = pytest.mark.django_db

LISTS = [
    "/admin/axes/accessattempt/",
    "/admin/axes/accesslog/",
    "/admin/axes/accessfailurelog/",
    "/admin/otp_totp/totpdevice/",
    "/admin/otp_static/staticdevice/",
]


@pytest.fixture
def records(django_user_model):
    now = timezone.now()
    common = {"user_agent": "UA", "http_accept": "*/*", "path_info": "/admin/login/"}
    attempt = AccessAttempt.objects.create(
        username="desk.kim",
        ip_address="198.51.100.9",
        get_data="",
        post_data="",
        failures_since_start=3,
        attempt_time=now,
        **common,
    )
    log = AccessLog.objects.create(username="desk.kim", ip_address="192.0.2.1", **common)
    failure = AccessFailureLog.objects.create(
        username="desk.kim", ip_address="198.51.100.9", locked_out=False, **common
    )
    return attempt, log, failure


def _member(django_user_model, role, *, all_axes_permissions=False):
    user = django_user_model.objects.create_user(
        username=f"user-{role}", password="x" * 14, is_staff=True
    )
    user.groups.add(ensure_roles()[role])
    if all_axes_permissions:  # even a role given the permissions by mistake sees nothing
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="axes"))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [DESK, REPORTER, AD_MANAGER])
@pytest.mark.parametrize("granted", [False, True])
def test_no_role_but_administrators_sees_the_login_records(
    django_user_model, records, role, granted
):
    client = _member(django_user_model, role, all_axes_permissions=granted)
    for path in LISTS:
        assert client.get(path).status_code == 403, path
    log = records[1]
    assert client.get(f"/admin/axes/accesslog/{log.pk}/change/").status_code == 403
    index = client.get("/admin/").content.decode()
    assert "/admin/axes/" not in index


def test_administrators_read_the_records_in_korean(admin_client, records):
    for path in LISTS:
        response = admin_client.get(path)
        assert response.status_code == 200, path
    index = admin_client.get("/admin/").content.decode()
    for title in ("로그인 성공 기록", "로그인 실패 기록", "로그인 잠금", "인증 앱", "백업 코드"):
        assert title in index, title
    listing = admin_client.get("/admin/axes/accessfailurelog/").content.decode()
    assert "198.51.100.9" in listing
    assert "IP 주소" in listing


def test_the_records_are_read_only(admin_client, records):
    attempt, log, failure = records
    page = admin_client.get(f"/admin/axes/accesslog/{log.pk}/change/").content.decode()
    assert 'name="username"' not in page
    assert admin_client.get("/admin/axes/accesslog/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/axes/accesslog/{log.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert (
        admin_client.post(
            f"/admin/axes/accessfailurelog/{failure.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessLog.objects.filter(pk=log.pk).exists()
    assert AccessFailureLog.objects.filter(pk=failure.pk).exists()
    # Deleting an attempt lifts its lock: an administrator's reset.
    assert (
        admin_client.post(
            f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
        ).status_code
        == 302
    )
    assert not AccessAttempt.objects.exists()


def test_devices_are_listed_without_their_keys(admin_client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="인증 앱", confirmed=True)
    listing = admin_client.get("/admin/otp_totp/totpdevice/").content.decode()
    assert admin_user.username in listing
    assert device.key not in listing
