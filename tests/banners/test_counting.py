import threading
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from banners import services
from banners.models import BannerStat
from tests.user_agents import BROWSER, CHROME, NOT_READERS

from .conftest import NOW, show_slot

pytestmark = pytest.mark.django_db

SLOT = Template('{% load banner_tags %}{% banner_slot "article-side-1" %}')


def show(times: int = 1, user_agent: str = CHROME) -> None:
    for _ in range(times):
        request = RequestFactory().get("/", HTTP_USER_AGENT=user_agent)
        assert "banner-slot" in SLOT.render(Context({"request": request}))


def impressions() -> int:
    return sum(BannerStat.objects.values_list("impressions", flat=True))


@pytest.fixture
def placement(make_banner, place, slot):
    return place(make_banner(), slot)


def test_impressions_are_counted_in_the_cache_without_a_database_write(
    placement, django_assert_num_queries
):
    with time_machine.travel(NOW, tick=False):
        show()  # warms the cache of live placements
        with django_assert_num_queries(0):
            show(4)
        assert not BannerStat.objects.exists()
        assert services.flush_stats() == 5
    stat = BannerStat.objects.get()
    assert (stat.banner_id, stat.slot_id, stat.impressions) == (
        placement.banner_id,
        placement.slot_id,
        5,
    )
    assert stat.day == timezone.localdate(NOW)


def test_flushing_twice_counts_each_impression_once(placement):
    with time_machine.travel(NOW, tick=False):
        show(3)
        services.flush_stats()
        assert services.flush_stats() == 0
        show(2)
        services.flush_stats()
    assert impressions() == 5


def test_flush_adds_to_the_days_row_with_an_atomic_update(placement):
    BannerStat.objects.create(
        banner=placement.banner, slot=placement.slot, day=timezone.localdate(NOW), impressions=10
    )
    with time_machine.travel(NOW, tick=False):
        show(3)
        services.flush_stats()
    assert impressions() == 13


def test_impressions_counted_while_a_flush_runs_are_kept_for_the_next(placement):
    real_add = services.add_to_stat

    def add_while_readers_arrive(**kwargs):
        show(2)  # two more readers between the read and the write
        real_add(**kwargs)

    with time_machine.travel(NOW, tick=False):
        show(3)
        with mock.patch("banners.services.add_to_stat", side_effect=add_while_readers_arrive):
            assert services.flush_stats() == 3
        assert impressions() == 3
        assert services.flush_stats() == 2
    assert impressions() == 5


def test_a_failed_flush_gives_the_counts_back(placement):
    with time_machine.travel(NOW, tick=False):
        show(4)
        failing = mock.patch("banners.services.add_to_stat", side_effect=RuntimeError("db down"))
        with failing, pytest.raises(RuntimeError):
            services.flush_stats()
        assert impressions() == 0
        assert services.flush_stats() == 4
    assert impressions() == 4


def test_impressions_of_yesterday_go_to_yesterdays_row(placement):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        show(2)
    with time_machine.travel(NOW, tick=False):
        show(1)
        services.flush_stats()
    today = timezone.localdate(NOW)
    assert dict(BannerStat.objects.values_list("day", "impressions")) == {
        today - timedelta(days=1): 2,
        today: 1,
    }


def test_bots_see_the_banner_but_are_not_counted(placement):
    with time_machine.travel(NOW, tick=False):
        show(3, user_agent=NOT_READERS["Googlebot"])
        show(1)
        services.flush_stats()
    assert impressions() == 1


def test_a_request_flushes_the_counters_when_the_interval_has_passed(placement, settings, client):
    settings.BANNER_FLUSH_SECONDS = 60
    with time_machine.travel(NOW, tick=False):
        show(2)
        client.get("/healthz")  # any request; the flush runs when it finishes
        assert impressions() == 2
        show(1)
        client.get("/healthz")  # within the interval: stays in the cache
        assert impressions() == 2
        services._next_flush[0] = 0.0  # the interval has passed
        client.get("/healthz")
    assert impressions() == 3


def test_a_second_flush_waits_while_one_is_running(placement):
    with time_machine.travel(NOW, tick=False):
        show(2)
        cache.add(services.FLUSH_LOCK_KEY, 1)
        assert services.flush_stats() == 0
        cache.delete(services.FLUSH_LOCK_KEY)
        assert services.flush_stats() == 2


def test_flush_banner_stats_command_reports_what_it_moved(placement, capsys):
    with time_machine.travel(NOW, tick=False):
        show(3)
        call_command("flush_banner_stats")
    assert "3건" in capsys.readouterr().out
    assert impressions() == 3


def test_flush_banner_stats_command_fails_with_one_readable_line(placement):
    failing = mock.patch(
        "banners.management.commands.flush_banner_stats.flush_stats",
        side_effect=RuntimeError("연결 거부"),
    )
    with failing, pytest.raises(CommandError) as error:
        call_command("flush_banner_stats")
    assert "배너 통계를 옮기지 못했습니다" in str(error.value)
    assert "\n" not in str(error.value)


def run_in_threads(count: int, work) -> None:
    errors = []
    start = threading.Barrier(count)

    def runner(index):
        try:
            start.wait()
            work(index)
        except Exception as error:  # reported below, a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_clicks_are_counted_exactly(make_banner, place, slot):
    placement = place(make_banner(), slot)
    readers = [[f"{CHROME} reader/{i}.{n}" for n in range(10)] for i in range(8)]

    def click(index):
        client = Client()
        for agent in readers[index]:
            response = client.get(f"/banners/c/{placement.pk}/", HTTP_USER_AGENT=agent)
            assert response.status_code == 302

    with time_machine.travel(NOW):  # the placement's period
        for agents in readers:  # each of 80 readers was served the banner, then clicks once
            for agent in agents:
                assert "banner" in show_slot(user_agent=agent)
        run_in_threads(8, click)
        services.flush_stats()
    stat = BannerStat.objects.get()
    assert stat.clicks == 80


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_impressions_and_flushes_lose_and_double_count_nothing(make_banner, place, slot):
    place(make_banner(starts_at=timezone.now() - timedelta(hours=1), ends_at=None), slot)
    show(1)  # the live placements are cached: readers then only touch the cache

    def read_or_flush(index):
        for _ in range(150):
            if index == 0:
                services.flush_stats()
            else:
                show(1)

    run_in_threads(7, read_or_flush)
    services.flush_stats()
    assert impressions() == 1 + 6 * 150


def test_head_requests_and_prefetches_of_a_page_are_not_counted(placement):
    with time_machine.travel(NOW, tick=False):
        for request in (
            RequestFactory().head("/", **BROWSER),
            RequestFactory().get("/", **BROWSER, HTTP_SEC_PURPOSE="prefetch"),
            RequestFactory().get("/", **BROWSER, HTTP_PURPOSE="prerender"),
        ):
            assert "banner-slot" in SLOT.render(Context({"request": request}))
        services.flush_stats()
    assert impressions() == 0
