"""Admin login throttling, through real POSTs to /admin/login/."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests.newsroom.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "로그인에 여러 번 실패해 잠시 로그인을 막았습니다"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_THROTTLE_ACCOUNT_FAILURES = 3
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 5
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 600
    settings.LOGIN_THROTTLE_LOCKOUT_SECONDS = 900


def login(client, username, password, address="203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_correct_password_logs_in(client, editor):
    response = login(client, "desk.kim", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_account_is_locked_after_repeated_failures_even_with_the_right_password(client, editor):
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            response = login(client, "desk.kim", "wrong-password")
            assert LOCKED not in response.content.decode()
        response = login(client, "desk.kim", "wrong-password")
        assert LOCKED in response.content.decode()
        assert "15분 뒤에 다시 시도해 주세요" in response.content.decode()
        response = login(client, "desk.kim", PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_account_lock_holds_from_another_address(client, editor):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            login(client, "desk.kim", "wrong-password", address="198.51.100.1")
        response = login(Client(), "desk.kim", PASSWORD, address="192.0.2.50")
    assert LOCKED in response.content.decode()


def test_the_lock_ends_by_itself(client, editor):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            login(client, "desk.kim", "wrong-password")
    with time_machine.travel(START + dt.timedelta(minutes=14), tick=False):
        response = login(client, "desk.kim", PASSWORD)
        assert LOCKED in response.content.decode()
        assert "1분 뒤에" in response.content.decode()
    with time_machine.travel(START + dt.timedelta(minutes=15, seconds=1), tick=False):
        response = login(client, "desk.kim", PASSWORD)
    assert response.status_code == 302


def test_failures_outside_the_window_do_not_add_up(client, editor):
    for minutes in (0, 11, 22, 33):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            response = login(client, "desk.kim", "wrong-password")
            assert LOCKED not in response.content.decode()


def test_one_address_trying_many_accounts_is_locked(client, editor, django_user_model):
    with time_machine.travel(START, tick=False):
        for number in range(5):
            response = login(client, f"guess{number}", "wrong-password")
        assert LOCKED in response.content.decode()
        # The real editor, from that address, must wait too ...
        assert LOCKED in login(client, "desk.kim", PASSWORD).content.decode()
        # ... but not from the newsroom's own address.
        response = login(Client(), "desk.kim", PASSWORD, address="192.0.2.10")
    assert response.status_code == 302


def test_unknown_and_known_accounts_get_the_same_lock_message(client, editor):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            unknown = login(client, "nobody", "wrong-password", address="198.51.100.2")
        for _ in range(3):
            known = login(client, "desk.kim", "wrong-password", address="198.51.100.3")
    assert LOCKED in unknown.content.decode()
    assert LOCKED in known.content.decode()


def test_a_successful_login_clears_the_accounts_failures(client, editor):
    with time_machine.travel(START, tick=False):
        login(client, "desk.kim", "wrong-password")
        login(client, "desk.kim", "wrong-password")
        assert login(client, "desk.kim", PASSWORD).status_code == 302
        client.logout()
        login(client, "desk.kim", "wrong-password")
        login(client, "desk.kim", "wrong-password")
        assert login(client, "desk.kim", PASSWORD).status_code == 302


def test_behind_the_proxy_the_forwarded_address_is_throttled(client, editor, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    with time_machine.travel(START, tick=False):
        for number in range(5):
            client.post(
                "/admin/login/",
                {"username": f"guess{number}", "password": "x"},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
            )
        other_reader = Client().post(
            "/admin/login/",
            {"username": "desk.kim", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.99",
        )
        spoofed = Client().post(
            "/admin/login/",
            {"username": "desk.kim", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.9",
        )
    assert other_reader.status_code == 302
    assert LOCKED in spoofed.content.decode()


def test_the_counters_work_on_redis_too(client, editor, settings, redis_cache_settings):
    settings.CACHES = redis_cache_settings
    from django.core.cache import cache

    with time_machine.travel(START, tick=False):
        for _ in range(3):
            login(client, "desk.kim", "wrong-password")
        response = login(client, "desk.kim", PASSWORD)
    assert LOCKED in response.content.decode()
    assert any(key for key in cache._cache.get_client().keys(f"{cache.key_prefix}*"))


@pytest.mark.parametrize(
    "weak", ["short1!", "1234567890123", "password123", "desk.kim2026", "qwertyuiop"]
)
def test_weak_passwords_are_refused(weak, editor):
    with pytest.raises(ValidationError):
        validate_password(weak, user=editor)


def test_a_long_unusual_password_is_accepted(editor):
    validate_password("약국-보험-2026-청진기!", user=editor)


def test_ipv6_addresses_of_one_network_count_as_one_address(client, editor):
    with time_machine.travel(START, tick=False):
        for number in range(5):
            login(client, f"guess{number}", "wrong", address=f"2001:db8:1:2::{number + 1}")
        same_network = login(Client(), "desk.kim", PASSWORD, address="2001:db8:1:2:ffff::9")
        other_network = login(Client(), "desk.kim", PASSWORD, address="2001:db8:1:3::1")
    assert LOCKED in same_network.content.decode()
    assert other_network.status_code == 302
