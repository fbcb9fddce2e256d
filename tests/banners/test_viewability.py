"""Viewable impressions: the signed token in the slot, the beacon endpoint that trusts nothing,
counting once in the cache (also through Redis' one script) and the flush into BannerStat."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from banners import services, viewability
from banners.models import BannerStat
from tests.user_agents import CHROME, NOT_READERS

from .conftest import NOW, show_slot

pytestmark = pytest.mark.django_db

URL = "/banners/v/"
TOKEN = re.compile(r'data-view="([^"]+)"')


@pytest.fixture
def placement(make_banner, place, slot):
    return place(make_banner(), slot)


def served_tokens(times: int = 1) -> list[str]:
    tokens = []
    for _ in range(times):
        tokens += TOKEN.findall(show_slot())
    return tokens


def beacon(tokens, *, client=None, user_agent=CHROME, **headers):
    client = client or Client()
    body = tokens if isinstance(tokens, (bytes, str)) else json.dumps({"v": tokens})
    return client.post(URL, body, content_type="text/plain", HTTP_USER_AGENT=user_agent, **headers)


def viewable() -> int:
    services.flush_stats()
    return sum(BannerStat.objects.values_list("viewable_impressions", flat=True))


def forge(token: str, **changes) -> str:
    banner, slot, view, serial, stamp, signature = token.split(".")
    parts = {"banner": banner, "slot": slot, "view": view, "serial": serial, "stamp": stamp}
    parts.update(changes)
    return ".".join([*parts.values(), signature])


# --- The token in the slot ---------------------------------------------------------------------


def test_every_impression_served_to_a_reader_carries_its_own_signed_token(placement):
    with time_machine.travel(NOW, tick=False):
        first, second = served_tokens(2)
        view = viewability.verify(first, now=NOW)
    assert first != second
    assert (view.banner_id, view.slot_id) == (placement.banner_id, placement.slot_id)
    assert view.served_at == NOW


@pytest.mark.parametrize("name", ["Googlebot", "KakaoTalk link preview"])
def test_a_bot_is_served_the_banner_without_a_token(placement, name):
    user_agent = NOT_READERS[name]
    with time_machine.travel(NOW, tick=False):
        html = show_slot(user_agent=user_agent)
    assert 'class="banner"' in html
    assert "data-view" not in html


def test_tampered_expired_and_future_tokens_do_not_verify(placement, make_banner, place):
    with time_machine.travel(NOW, tick=False):
        [token] = served_tokens()
    assert viewability.verify(token, now=NOW + timedelta(minutes=29)) is not None
    assert viewability.verify(token, now=NOW + timedelta(minutes=31)) is None
    assert viewability.verify(token, now=NOW - timedelta(minutes=5)) is None
    other = place(make_banner(name="다른 배너"), placement.slot)
    assert viewability.verify(forge(token, banner=str(other.banner_id)), now=NOW) is None
    assert viewability.verify(forge(token, serial="99"), now=NOW) is None
    assert viewability.verify(token[:-2] + "AA", now=NOW) is None
    for junk in ["", ".", "1.2.3", "x" * 500, 42, None, ["a"], token + ".1"]:
        assert viewability.verify(junk, now=NOW) is None


def test_a_token_signed_with_another_secret_does_not_verify(placement, settings):
    with time_machine.travel(NOW, tick=False):
        [token] = served_tokens()
    settings.SECRET_KEY = "another-secret-" + "x" * 50
    assert viewability.verify(token, now=NOW) is None


# --- The endpoint ------------------------------------------------------------------------------


def test_a_viewed_banner_is_counted_as_viewable_once_flushed(placement):
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(3)
        response = beacon(tokens[:2])
        assert response.status_code == 204
        assert response["Cache-Control"] == "no-store"
        assert not response.cookies
        assert viewable() == 2
    stat = BannerStat.objects.get()
    assert (stat.impressions, stat.viewable_impressions) == (3, 2)


def test_the_endpoint_touches_no_database(placement, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(2)
        with django_assert_num_queries(0):
            assert beacon(tokens).status_code == 204
            assert beacon(["forged.1.2.3.4.5"]).status_code == 204
            assert beacon(b"{not json").status_code == 400


def test_a_replayed_beacon_counts_zero(placement):
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(2)
        beacon(tokens)
        beacon(tokens)
        beacon([tokens[0], tokens[0], tokens[1]])
        assert viewable() == 2


def test_forged_and_expired_tokens_count_zero(placement):
    with time_machine.travel(NOW, tick=False):
        [token] = served_tokens()
    with time_machine.travel(NOW, tick=False):
        forged = [forge(token, serial=str(n)) for n in range(2, 12)]
        assert beacon(forged).status_code == 204
        assert viewable() == 0
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert beacon([token]).status_code == 204
        assert viewable() == 0


def test_bots_and_prefetches_are_never_counted(placement):
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(1)
        for user_agent in NOT_READERS.values():
            assert beacon(tokens, user_agent=user_agent).status_code == 204
        assert beacon(tokens, HTTP_SEC_PURPOSE="prefetch").status_code == 204
        assert beacon(tokens, HTTP_PURPOSE="prefetch").status_code == 204
        assert beacon(tokens, user_agent="").status_code == 204
        assert viewable() == 0
        beacon(tokens)  # the same token from the reader's browser still counts
        assert viewable() == 1


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch", "head", "options"])
def test_other_methods_are_refused(method, placement):
    response = getattr(Client(), method)(URL, HTTP_USER_AGENT=CHROME)
    assert response.status_code == 405


@pytest.mark.parametrize(
    "body, status",
    [
        (b"{not json", 400),
        (b"\xff\xfe\x00", 400),
        (b'"a string"', 400),
        (b'{"v": "not a list"}', 400),
        (b'{"v": [1, 2, 3]}', 400),
        (b"[null]", 400),
        (b"", 400),
        (json.dumps(["x"] * 51).encode(), 400),
        (b"[" + b'"' + b"a" * 9000 + b'"]', 413),
    ],
)
def test_bad_bodies_are_refused_with_a_4xx_and_count_nothing(placement, body, status):
    with time_machine.travel(NOW, tick=False):
        served_tokens(1)
        assert beacon(body).status_code == status
        assert viewable() == 0


def test_a_body_claiming_a_huge_length_is_refused_unread(placement):
    response = Client().post(
        URL, b"[]", content_type="text/plain", HTTP_USER_AGENT=CHROME, CONTENT_LENGTH="99999999"
    )
    assert response.status_code == 413


def test_fifty_tokens_are_accepted(placement):
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(50)
        assert beacon(tokens).status_code == 204
        assert viewable() == 50


def test_no_csrf_token_is_needed_and_no_session_is_made(placement):
    client = Client(enforce_csrf_checks=True)
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(1)
        response = beacon(tokens, client=client)
    assert response.status_code == 204
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_a_client_address_is_rate_limited(placement, settings):
    settings.BANNER_BEACONS_PER_MINUTE = 3
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(5)
        statuses = [beacon([token]).status_code for token in tokens]
        assert statuses == [204, 204, 204, 429, 429]
        assert viewable() == 3
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert beacon([tokens[4]], client=other).status_code == 204
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert beacon([tokens[3]]).status_code == 204
        assert viewable() == 5


def test_the_flush_moves_viewable_impressions_of_each_day(placement):
    with time_machine.travel(NOW, tick=False):
        beacon(served_tokens(2))
    later = NOW + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        beacon(served_tokens(1))
        services.flush_stats()
    rows = {s.day: s.viewable_impressions for s in BannerStat.objects.all()}
    assert rows == {NOW.date(): 2, later.date(): 1}


# --- Redis: one script counts once, rate-limits and survives replays ---------------------------


def test_through_redis_a_token_counts_once_and_the_rate_is_limited(
    redis_caches, placement, settings
):
    settings.BANNER_BEACONS_PER_MINUTE = 4
    with time_machine.travel(NOW, tick=False):
        tokens = served_tokens(3)
        assert beacon(tokens).status_code == 204
        assert beacon(tokens).status_code == 204  # replay
        assert beacon([forge(tokens[0], serial="77")]).status_code == 204
        assert beacon(tokens[:1]).status_code == 204
        assert beacon(tokens[:1]).status_code == 429
        assert viewable() == 3
    stat = BannerStat.objects.get()
    assert (stat.impressions, stat.viewable_impressions) == (3, 3)
