"""The pseudonymous reader of the frequency cap and honest clicks (banners/audience.py): no
cookie, no address stored, a new hash every day."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory

from banners import audience
from tests.user_agents import CHROME, NOT_READERS

from .conftest import NOW

pytestmark = pytest.mark.django_db


def request(user_agent=CHROME, address="203.0.113.7", **headers):
    return RequestFactory().get("/", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address, **headers)


def test_the_same_browser_is_the_same_reader_all_day():
    with time_machine.travel(NOW, tick=False) as traveller:
        first = audience.reader_id(request())
        traveller.shift(timedelta(hours=11))  # 23:00 in Seoul
        assert audience.reader_id(request()) == first


def test_another_address_or_browser_is_another_reader():
    with time_machine.travel(NOW, tick=False):
        ids = {
            audience.reader_id(request()),
            audience.reader_id(request(address="203.0.113.8")),
            audience.reader_id(request(user_agent=f"{CHROME} Edg/131.0")),
        }
    assert len(ids) == 3


def test_the_reader_is_a_new_hash_the_next_day_under_a_new_key():
    with time_machine.travel(NOW, tick=False):
        today = audience.reader_id(request())
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        tomorrow = audience.reader_id(request())
    assert today != tomorrow


def test_the_hash_holds_neither_the_address_nor_the_agent():
    with time_machine.travel(NOW, tick=False):
        reader = audience.reader_id(request())
    assert len(reader) == 24 and int(reader, 16) >= 0
    assert "203" not in reader and "Chrome" not in reader


def test_the_days_key_is_shared_through_the_cache_and_expires_after_the_day():
    with time_machine.travel(NOW, tick=False):
        first = audience.reader_id(request())
        audience.forget_keys()  # another process, same cache
        assert audience.reader_id(request()) == first
        assert (
            cache.ttl("banners:reader-key:2026-03-10") <= 12 * 3600 + 300 + 1
            if hasattr(cache, "ttl")
            else True
        )


@pytest.mark.parametrize("name", ["Googlebot", "KakaoTalk link preview", "curl"])
def test_bots_and_previews_are_no_reader(name):
    assert audience.reader_id(request(user_agent=NOT_READERS[name])) is None


def test_a_prefetch_is_no_reader():
    assert audience.reader_id(request(HTTP_SEC_PURPOSE="prefetch")) is None


def test_pages_with_campaign_banners_set_no_cookie(client, make_banner, place, slot):
    from tests.factories import publish

    place(make_banner(), slot)
    with time_machine.travel(NOW, tick=False):
        article = publish("쿠키 없는 기사")
        response = client.get(article.get_absolute_url(), HTTP_USER_AGENT=CHROME)
    assert response.status_code == 200
    assert not response.cookies
