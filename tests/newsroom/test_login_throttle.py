"""Admin login lockouts (django-axes, in the database), through real POSTs to /admin/login/."""

import datetime as dt
import socket

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from newsroom.accounts.clientip import login_address
from newsroom.settings.base import redis_cache_entry
from tests.newsroom.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "로그인에 여러 번 실패해 잠시 로그인을 막았습니다"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.AXES_FAILURE_LIMIT = 3  # one account from one address
    settings.AXES_ADDRESS_FAILURE_LIMIT = 5  # any accounts from one address
    settings.AXES_ACCOUNT_ADDRESS_LIMIT = 3  # addresses failing one account: locked everywhere
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def login(client, username, password, address="203.0.113.7", forwarded_for=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **headers
    )


def guess_five_accounts(client, *, address, forwarded_for):
    """Five failed logins, each to another account, from `address` with `forwarded_for` as the
    X-Forwarded-For header (where it holds `{number}`, the try's number fills it in)."""
    for number in range(5):
        forwarded = forwarded_for.format(number=number)
        login(client, f"guess{number}", "x", address=address, forwarded_for=forwarded)


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


def test_an_attackers_failures_lock_their_address_not_the_editor(client, editor):
    with time_machine.travel(START, tick=False):
        for _ in range(10):  # the attacker keeps trying: the lock holds for them ...
            attacker = login(client, "desk.kim", "wrong-password", address="198.51.100.1")
        assert LOCKED in attacker.content.decode()
        # ... and the editor, from the newsroom, signs in.
        response = login(Client(), "desk.kim", PASSWORD, address="192.0.2.50")
    assert response.status_code == 302


def test_the_account_is_locked_everywhere_after_failures_from_many_addresses(client, editor):
    with time_machine.travel(START, tick=False):
        for number in range(3):
            login(Client(), "desk.kim", "wrong-password", address=f"198.51.100.{number + 1}")
        response = login(Client(), "desk.kim", PASSWORD, address="192.0.2.50")
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_administrator_lifts_a_lock(client, editor, django_user_model):
    with time_machine.travel(START, tick=False):
        for number in range(3):
            login(Client(), "desk.kim", "wrong-password", address=f"198.51.100.{number + 1}")
        boss = django_user_model.objects.create_superuser("boss", password="x" * 14)
        admin_client = Client()
        admin_client.force_login(boss)
        listing = admin_client.get("/admin/axes/accessattempt/")
        assert listing.status_code == 200
        ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
        answer = admin_client.post(
            "/admin/axes/accessattempt/",
            {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        )
        assert answer.status_code == 302
        response = login(Client(), "desk.kim", PASSWORD, address="192.0.2.50")
    assert response.status_code == 302


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


def test_tries_while_locked_do_not_extend_the_lock(client, editor):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            login(client, "desk.kim", "wrong-password")
    for minutes in range(1, 15):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert LOCKED in login(client, "desk.kim", "wrong-password").content.decode()
    with time_machine.travel(START + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert login(client, "desk.kim", PASSWORD).status_code == 302


def test_failures_outside_the_window_do_not_add_up(client, editor):
    # The window is the cool-off: failures further apart than it never add up.
    for minutes in (0, 16, 32, 48):
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
        guess_five_accounts(client, address="10.0.0.2", forwarded_for="1.2.3.4, 203.0.113.9")
        other_reader = login(
            Client(), "desk.kim", PASSWORD, address="10.0.0.2", forwarded_for="203.0.113.99"
        )
        spoofed = login(
            Client(), "desk.kim", PASSWORD, address="10.0.0.2", forwarded_for="5.6.7.8, 203.0.113.9"
        )
    assert other_reader.status_code == 302
    assert LOCKED in spoofed.content.decode()


@pytest.mark.parametrize("hops", [0, 1])
def test_a_direct_client_rotating_x_forwarded_for_is_still_one_address(
    client, editor, settings, hops
):
    # The app port reached directly from a public address, with or without nginx configured.
    settings.TRUSTED_PROXY_HOPS = hops
    with time_machine.travel(START, tick=False):
        guess_five_accounts(client, address="198.51.100.77", forwarded_for="203.0.113.{number}")
        response = login(
            Client(), "desk.kim", PASSWORD, address="198.51.100.77", forwarded_for="203.0.113.200"
        )
    assert LOCKED in response.content.decode()


def test_axes_counts_the_address_newsroom_clientip_reads(rf, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.9")
    assert settings.AXES_CLIENT_IP_CALLABLE == "newsroom.accounts.clientip.login_address"
    assert login_address(request) == "203.0.113.9"
    assert login_address(rf.get("/", REMOTE_ADDR="2001:db8:1:2::7")) == "2001:db8:1:2::"
    assert login_address(rf.get("/", REMOTE_ADDR="")) is None


def test_every_login_is_logged_with_user_address_and_time(client, editor):
    with time_machine.travel(START, tick=False):
        login(client, "desk.kim", "wrong-password", address="198.51.100.5")
        login(client, "nobody", "wrong-password", address="198.51.100.6")
        login(client, "desk.kim", PASSWORD, address="192.0.2.7")
    failures = AccessFailureLog.objects.order_by("pk")
    assert [(f.username, f.ip_address, f.attempt_time) for f in failures] == [
        ("desk.kim", "198.51.100.5", START),
        ("nobody", "198.51.100.6", START),
    ]
    success = AccessLog.objects.get()
    assert (success.username, success.ip_address, success.attempt_time) == (
        "desk.kim",
        "192.0.2.7",
        START,
    )


def test_tries_refused_while_locked_are_logged_too(client, editor):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            login(client, "desk.kim", "wrong-password")
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        login(client, "desk.kim", PASSWORD)
    assert AccessFailureLog.objects.count() == 4
    assert AccessFailureLog.objects.filter(locked_out=True).count() == 2


def test_a_refused_redis_does_not_open_the_door(client, editor, settings):
    """Locks live in the database: with the cache on a Redis port that refuses connections,
    wrong passwords still lock (the hand-written throttle let 7 of 7 through)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    settings.CACHES = {"default": redis_cache_entry(f"redis://127.0.0.1:{port}/0")}
    settings.AXES_FAILURE_LIMIT = 5
    with time_machine.travel(START, tick=False):
        for _ in range(7):
            response = login(client, "desk.kim", "wrong-password")
        assert LOCKED in response.content.decode()
        assert LOCKED in login(client, "desk.kim", PASSWORD).content.decode()


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
