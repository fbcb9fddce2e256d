"""Campaigns on the reader's page: priority, pacing toward a goal, the goal stopping delivery,
and the frequency cap per reader and day (banners/services.py `choose_banners`)."""

import random
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from banners import services
from banners.models import BannerStat, Campaign
from banners.pacing import CampaignPlan
from tests.user_agents import CHROME

from .conftest import NOW, show_slot

pytestmark = pytest.mark.django_db

START = NOW - timedelta(days=5)
END = NOW + timedelta(days=5)  # NOW is the middle of a ten-day campaign


@pytest.fixture
def campaign(advertiser):
    def make(name, *, priority=Campaign.Priority.STANDARD, **fields):
        fields = {"starts_at": START, "ends_at": END, **fields}
        return Campaign.objects.create(
            advertiser=advertiser, name=name, priority=priority, **fields
        )

    return make


@pytest.fixture
def run(make_banner, place, slot):
    """A campaign with one banner placed in the 300×250 slot; returns the banner's alt text."""

    def run(campaign, *, weight=1):
        banner = make_banner(name=campaign.name, campaign=campaign, starts_at=None, ends_at=None)
        place(banner, slot, weight=weight)
        return banner.alt_text

    return run


def shown(html: str, *alts: str) -> str | None:
    return next((alt for alt in alts if f'alt="{alt}"' in html), None)


def draws(n: int, *, now=NOW, seed=1) -> Counter:
    """`n` choices for the slot, as one process would make them (live set and counters read
    once), without counting."""
    rng = random.Random(seed)
    deliveries = services.live_deliveries(now)
    visit = services.start_visit(deliveries, reader=None, now=now)
    result = Counter()
    for _ in range(n):
        fresh = services.Visit(reader=None, delivered=dict(visit.delivered))
        [banner] = services.choose_banners(
            deliveries["article-side-1"], now=now, rng=rng, visit=fresh
        )
        result[banner.campaign.campaign_id] += 1
    return result


# --- priority ---------------------------------------------------------------------------------


def test_a_guaranteed_campaign_is_shown_before_standard_and_house_ones(campaign, run):
    guaranteed = run(campaign("보장형", priority=Campaign.Priority.GUARANTEED))
    run(campaign("일반"), weight=50)
    run(campaign("하우스", priority=Campaign.Priority.HOUSE), weight=50)
    with time_machine.travel(NOW, tick=False):
        assert {shown(show_slot(), guaranteed, "일반 광고", "하우스 광고") for _ in range(40)} == {
            guaranteed
        }


def test_house_ads_run_when_nothing_else_is_live(campaign, run):
    house = run(campaign("하우스", priority=Campaign.Priority.HOUSE))
    run(campaign("끝난 보장형", priority=Campaign.Priority.GUARANTEED, ends_at=NOW))
    with time_machine.travel(NOW, tick=False):
        assert shown(show_slot(), house)


def test_a_switched_off_campaign_is_not_shown(campaign, run):
    off = campaign("중지", is_active=False)
    run(off)
    with time_machine.travel(NOW, tick=False):
        assert show_slot() == ""


def test_a_banner_shows_only_within_its_campaigns_period(campaign, run):
    later = run(campaign("다음 달", starts_at=NOW + timedelta(days=30), ends_at=None))
    with time_machine.travel(NOW, tick=False):
        assert show_slot() == ""
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        assert shown(show_slot(), later)


# --- pacing -----------------------------------------------------------------------------------


def plan(**fields) -> CampaignPlan:
    return CampaignPlan(
        campaign_id=1, priority=30, starts_at=START, ends_at=END, goal=1000, **fields
    )


def test_expected_by_now_is_the_goal_times_the_elapsed_share_of_the_period():
    assert plan().expected_by(START) == 0
    assert plan().expected_by(NOW) == pytest.approx(500)
    assert plan().expected_by(START + timedelta(days=1)) == pytest.approx(100)
    assert plan().expected_by(END + timedelta(days=3)) == 1000


def test_a_daily_goal_is_spread_over_the_day_and_over_the_part_a_first_day_runs():
    per_day = plan(goal_period="day")
    noon = NOW  # 12:00 in Seoul
    assert per_day.expected_by(noon) == pytest.approx(500)
    started_at_noon = CampaignPlan(
        campaign_id=1, priority=30, starts_at=noon, ends_at=END, goal=1000, goal_period="day"
    )
    assert started_at_noon.expected_by(noon + timedelta(hours=6)) == pytest.approx(500)


def test_the_factor_is_below_one_ahead_above_one_behind_and_zero_at_the_goal():
    assert plan().factor(700, NOW) < 0.8  # 700 delivered, 500 expected: ahead
    assert plan().factor(300, NOW) > 1.5  # behind
    assert plan().factor(500, NOW) == pytest.approx(1)
    assert plan().factor(1000, NOW) == 0
    assert 0 < plan().factor(999, START + timedelta(minutes=1)) <= 1  # far ahead: never < 0
    assert plan().factor(0, END - timedelta(minutes=1)) == 4.0  # far behind: bounded


def test_a_campaign_ahead_of_schedule_yields_impressions_to_a_lower_priority(campaign, run, slot):
    paced = campaign("보장형", priority=Campaign.Priority.GUARANTEED, goal_impressions=1000)
    house = campaign("하우스", priority=Campaign.Priority.HOUSE)
    run(paced), run(house)
    # 800 delivered on earlier days (flushed to BannerStat) where 500 are expected by now.
    BannerStat.objects.create(
        banner=paced.banners.get(), slot=slot, day=timezone.localdate(START), impressions=800
    )
    with time_machine.travel(NOW, tick=False):
        counts = draws(4000)
    share = counts[paced.pk] / 4000
    expected = (500 + 10) / (800 + 10)  # the pacing factor
    assert share == pytest.approx(expected, abs=0.03)
    assert counts[house.pk] > 0


def test_a_campaign_behind_schedule_is_shown_more_than_its_weight(campaign, run):
    behind = campaign("뒤처진 캠페인", goal_impressions=1000)
    other = campaign("목표 없는 캠페인")
    run(behind), run(other)  # equal weights; nothing delivered yet, 500 expected
    with time_machine.travel(NOW, tick=False):
        counts = draws(4000)
    assert counts[behind.pk] / 4000 == pytest.approx(4 / 5, abs=0.03)  # factor 4 against 1


def test_delivered_counts_come_from_the_cache_counters_of_served_impressions(campaign, run):
    paced = campaign("보장형", priority=Campaign.Priority.GUARANTEED, goal_impressions=1000)
    run(paced)
    with time_machine.travel(NOW, tick=False):
        for number in range(7):
            show_slot(user_agent=f"{CHROME} reader/{number}")
        visit = services.start_visit(services.live_deliveries(), reader=None, now=NOW)
        assert cache.get(f"banners:cimp:{timezone.localdate(NOW)}:{paced.pk}") == 7
    assert visit.delivered == {paced.pk: 7}


def test_a_met_daily_goal_stops_the_campaign_until_the_next_day(campaign, run):
    daily = run(
        campaign(
            "하루 목표",
            priority=Campaign.Priority.GUARANTEED,
            goal_impressions=3,
            goal_period=Campaign.GoalPeriod.DAY,
        )
    )
    house = run(campaign("하우스", priority=Campaign.Priority.HOUSE))
    late = NOW + timedelta(hours=11, minutes=50)  # 23:50 in Seoul: far behind, shown first
    with time_machine.travel(late, tick=False):
        seen = [shown(show_slot(user_agent=f"{CHROME} r/{n}"), daily, house) for n in range(5)]
    assert seen == [daily, daily, daily, house, house]
    with time_machine.travel(late + timedelta(hours=1), tick=False):  # a new day
        assert shown(show_slot(user_agent=f"{CHROME} r/9"), daily, house) == daily


def test_a_met_total_goal_stops_the_campaign_for_good(campaign, run, slot):
    total = campaign("전체 목표", priority=Campaign.Priority.GUARANTEED, goal_impressions=100)
    alt = run(total)
    house = run(campaign("하우스", priority=Campaign.Priority.HOUSE))
    BannerStat.objects.create(
        banner=total.banners.get(), slot=slot, day=timezone.localdate(START), impressions=100
    )
    with time_machine.travel(NOW, tick=False):
        assert {shown(show_slot(), alt, house) for _ in range(10)} == {house}


# --- frequency cap ----------------------------------------------------------------------------


def test_the_fourth_view_of_a_reader_capped_at_three_shows_another_campaigns_banner(campaign, run):
    capped = run(campaign("보장형", priority=Campaign.Priority.GUARANTEED, daily_cap=3))
    other = run(campaign("다른 캠페인"))
    with time_machine.travel(NOW, tick=False):
        seen = [shown(show_slot(), capped, other) for _ in range(5)]
        another_reader = shown(show_slot(user_agent=f"{CHROME} other"), capped, other)
    assert seen == [capped, capped, capped, other, other]
    assert another_reader == capped  # the cap is per reader
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert shown(show_slot(), capped, other) == capped  # and per day


def test_a_capped_slot_with_nothing_else_to_show_is_empty(campaign, run):
    run(campaign("한도 1", daily_cap=1))
    with time_machine.travel(NOW, tick=False):
        assert show_slot() != ""
        assert show_slot() == ""


def test_the_cap_holds_across_the_slots_of_one_page(campaign, make_banner, place):
    from banners.models import BannerSlot

    capped = campaign("한도 1", daily_cap=1)
    for code in ("article-side-1", "article-side-2"):
        banner = make_banner(name=f"한도 {code}", campaign=capped, starts_at=None, ends_at=None)
        place(banner, BannerSlot.objects.get(code=code))
    page = Template(
        '{% load banner_tags %}{% banner_slot "article-side-1" %}{% banner_slot "article-side-2" %}'
    )
    with time_machine.travel(NOW, tick=False):
        request = RequestFactory().get("/", HTTP_USER_AGENT=CHROME)
        html = page.render(Context({"request": request}))
    assert html.count("<img") == 1


def test_bots_are_never_capped_nor_count_toward_a_readers_cap(campaign, run):
    from tests.user_agents import NOT_READERS

    capped = run(campaign("한도 1", daily_cap=1))
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            assert shown(show_slot(user_agent=NOT_READERS["Googlebot"]), capped)
        assert shown(show_slot(), capped)


def test_serving_capped_and_paced_campaigns_reads_the_database_once_per_live_set(
    campaign, run, django_assert_max_num_queries, django_assert_num_queries
):
    run(campaign("보장형", priority=Campaign.Priority.GUARANTEED, daily_cap=3))
    run(campaign("목표", goal_impressions=1000))
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(1):
            show_slot()
        with django_assert_num_queries(0):  # goals and caps from the cache's counters
            for number in range(5):
                show_slot(user_agent=f"{CHROME} r/{number}")


def test_a_failing_cache_still_serves_a_capped_campaign(campaign, run, monkeypatch):
    alt = run(campaign("보장형", priority=Campaign.Priority.GUARANTEED, daily_cap=1))

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    with time_machine.travel(NOW, tick=False):
        services.live_deliveries()
        monkeypatch.setattr(cache, "get_many", broken)
        assert shown(show_slot(), alt)  # served; the cap cannot be read, the page still works


def test_counters_are_read_once_a_page_and_only_for_slots_with_goals_or_caps(
    campaign, make_banner, place, slot, monkeypatch
):
    from banners.models import BannerSlot

    run_plain = make_banner(name="일반", campaign=campaign("일반"), starts_at=None, ends_at=None)
    place(run_plain, slot)  # article-side-1: no goal, no cap
    capped = make_banner(
        name="한도", campaign=campaign("한도", daily_cap=2), starts_at=None, ends_at=None
    )
    place(capped, BannerSlot.objects.get(code="article-side-2"))
    place(capped, BannerSlot.objects.get(code="article-side-3"))
    reads = []
    real = cache.get_many
    monkeypatch.setattr(
        cache, "get_many", lambda keys, **kw: reads.append(keys) or real(keys, **kw)
    )
    with time_machine.travel(NOW, tick=False):
        services.live_deliveries()
        assert show_slot("article-side-1") != ""
        assert reads == []  # no slot of this page has a goal or a cap: no round trip
        page = Template(
            "{% load banner_tags %}{% banner_slot 'article-side-1' %}"
            "{% banner_slot 'article-side-2' %}{% banner_slot 'article-side-3' %}"
        )
        request = RequestFactory().get("/", HTTP_USER_AGENT=CHROME)
        page.render(Context({"request": request}))
    assert len(reads) == 1  # one read for the whole page, when the first capped slot came


# --- the page cache's hit path with a capped campaign (one Redis server) ------------------------


def capped_campaign_on_every_page(advertiser, make_banner, place) -> str:
    """A guaranteed campaign with a cap of 3 a day in the top slot (on every page), live now
    (Redis keeps its own clock: no time travel); returns its banner's alt text."""
    from banners.models import BannerSlot

    capped = Campaign.objects.create(
        advertiser=advertiser,
        name="한도",
        priority=Campaign.Priority.GUARANTEED,
        starts_at=timezone.now() - timedelta(days=1),
        daily_cap=3,
    )
    banner = make_banner(name="한도", campaign=capped, starts_at=None, ends_at=None)
    place(banner, BannerSlot.objects.get(code="top"))
    return banner.alt_text


def test_a_page_cache_hit_reads_the_page_and_the_readers_cap_count_in_one_round_trip(
    redis_caches, round_trips, client, settings, advertiser, make_banner, place
):
    from newsroom.pagecache.generation import bump_generation

    settings.PAGE_CACHE_LOCAL_SECONDS = 60  # the process's memos, as in production
    alt = capped_campaign_on_every_page(advertiser, make_banner, place)
    bump_generation()
    assert f'alt="{alt}"' in client.get("/", HTTP_USER_AGENT=CHROME).content.decode()  # stored
    assert f'alt="{alt}"' in client.get("/", HTTP_USER_AGENT=CHROME).content.decode()  # a hit
    round_trips.start()
    third = client.get("/", HTTP_USER_AGENT=CHROME).content.decode()
    # One MGET for the page and the reader's cap counter, then the request's one counter write.
    assert round_trips.count == 2
    assert f'alt="{alt}"' in third
    fourth = client.get("/", HTTP_USER_AGENT=CHROME).content.decode()
    assert f'alt="{alt}"' not in fourth  # the cap read with the page holds


def test_with_the_page_cache_on_a_server_of_its_own_the_cap_is_read_apart(
    redis_caches, redis_url, round_trips, client, settings, advertiser, make_banner, place
):
    import redis

    from newsroom.pagecache.generation import bump_generation
    from newsroom.settings.base import redis_cache_entry

    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    own = f"{redis_url.rsplit('/', 1)[0]}/1"  # another LOCATION: another server, for the cache
    prefix = settings.CACHES["pages"]["KEY_PREFIX"]
    settings.CACHES = {**settings.CACHES, "pages": redis_cache_entry(own, prefix)}
    try:
        alt = capped_campaign_on_every_page(advertiser, make_banner, place)
        bump_generation()
        for _ in range(2):
            client.get("/", HTTP_USER_AGENT=CHROME)
        round_trips.start()
        third = client.get("/", HTTP_USER_AGENT=CHROME).content.decode()
        assert round_trips.count == 3  # the page, the cap counter, the counter write
        assert f'alt="{alt}"' in third
        assert f'alt="{alt}"' not in client.get("/", HTTP_USER_AGENT=CHROME).content.decode()
    finally:
        pages = redis.Redis.from_url(own)
        keys = list(pages.scan_iter(f"{prefix}*"))
        if keys:
            pages.delete(*keys)
