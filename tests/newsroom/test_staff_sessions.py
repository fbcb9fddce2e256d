"""Staff sessions end 12 hours after signing in and after 60 minutes without a request."""

import datetime as dt

import pytest
import time_machine

from tests.newsroom.conftest import PASSWORD, settings_in_production

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)


def signed_in(client):
    response = client.post(
        "/admin/login/", {"username": "desk.kim", "password": PASSWORD}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 302


def test_a_session_idle_for_an_hour_ends(client, editor):
    with time_machine.travel(START, tick=False):
        signed_in(client)
    with time_machine.travel(START + dt.timedelta(minutes=59), tick=False):
        assert client.get("/admin/").status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=118), tick=False):
        assert client.get("/admin/").status_code == 200  # 59 minutes after the last request
    with time_machine.travel(START + dt.timedelta(minutes=178, seconds=30), tick=False):
        response = client.get("/admin/articles/article/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
        assert "_auth_user_id" not in client.session


def test_a_busy_session_still_ends_twelve_hours_after_signing_in(client, editor):
    with time_machine.travel(START, tick=False):
        signed_in(client)
    for minutes in range(30, 12 * 60, 30):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/admin/").status_code == 200, minutes
    with time_machine.travel(START + dt.timedelta(hours=12, minutes=1), tick=False):
        assert client.get("/admin/").status_code == 302


def test_the_limits_come_from_the_environment(settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.STAFF_SESSION_IDLE_MINUTES == 60
    assert (
        settings_in_production(
            "(settings.SESSION_COOKIE_AGE, settings.STAFF_SESSION_IDLE_MINUTES)",
            STAFF_SESSION_HOURS="8",
            STAFF_SESSION_IDLE_MINUTES="20",
        )
        == "(28800, 20)"
    )


def test_shorter_idle_limit_from_settings(client, editor, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(START, tick=False):
        signed_in(client)
    with time_machine.travel(START + dt.timedelta(minutes=6), tick=False):
        assert client.get("/admin/").status_code == 302


def test_a_misspelt_required_role_stops_start_up():
    from tests.newsroom.conftest import run_python

    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.base",
        "DJANGO_SECRET_KEY": "s" * 60,
        "NEWSROOM_VAR_DIR": "/tmp/newsroom-settings-test",
        "OTP_REQUIRED_ROLES": "superuser,dsek",
    }
    result = run_python("-c", "import django; django.setup()", env=env)
    assert result.returncode != 0
    assert "OTP_REQUIRED_ROLES names unknown roles ['dsek']" in result.stderr


def test_the_role_names_are_the_roles_module_s():
    from django.conf import settings

    from newsroom.site.roles import ROLE_KEYS, SUPERUSER_KEY

    assert sorted(settings.OTP_ROLE_NAMES) == sorted([SUPERUSER_KEY, *ROLE_KEYS])
