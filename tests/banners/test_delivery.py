import random
import re
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory

from banners import services
from banners.models import Banner, BannerSlot
from tests.user_agents import BROWSER, CHROME

from .conftest import NOW

pytestmark = pytest.mark.django_db

PAGE = Template(
    "{% load banner_tags %}"
    '{% banner_slot "top" %}|{% banner_slot "header-left" %}|{% banner_slot "article-side-1" %}|'
    '{% banner_slot "article-side-2" %}|{% banner_slot "footer" %}'
)


def render(code: str, *, user_agent: str = CHROME, request=None) -> str:
    request = request or RequestFactory().get("/", HTTP_USER_AGENT=user_agent)
    template = Template("{% load banner_tags %}{% banner_slot code %}")
    return template.render(Context({"request": request, "code": code}))


def test_weighted_pick_follows_the_weights_over_many_draws():
    candidates = ["a", "b", "c"]
    weights = {"a": 1, "b": 3, "c": 6}
    rng = random.Random(20260310)
    draws = 20_000
    counts = Counter(
        services.pick_weighted(candidates, count=1, rng=rng, weight=weights.get)[0]
        for _ in range(draws)
    )
    for name, weight in weights.items():
        assert counts[name] / draws == pytest.approx(weight / 10, abs=0.015), name


def test_weighted_pick_of_several_never_repeats_a_banner():
    rng = random.Random(7)
    for _ in range(200):
        chosen = services.pick_weighted([1, 2, 3, 4], count=3, rng=rng, weight=lambda c: c)
        assert len(chosen) == len(set(chosen)) == 3


def test_slot_rotation_shows_banners_in_proportion_to_their_placement_weights(
    make_banner, place, slot
):
    heavy = place(make_banner(name="무거운 배너"), slot, weight=3)
    light = place(make_banner(name="가벼운 배너"), slot, weight=1)
    with time_machine.travel(NOW, tick=False):
        delivery = services.live_deliveries()["article-side-1"]
        rng = random.Random(42)
        shown = Counter(
            services.choose_banners(delivery, now=NOW, rng=rng)[0].placement_id for _ in range(8000)
        )
    assert shown[heavy.pk] / 8000 == pytest.approx(0.75, abs=0.02)
    assert shown[light.pk] / 8000 == pytest.approx(0.25, abs=0.02)


def test_empty_slot_renders_nothing_at_all():
    with time_machine.travel(NOW, tick=False):
        assert render("article-side-1") == ""
        assert render("no-such-slot") == ""


def test_slot_whose_banners_have_all_ended_renders_nothing(make_banner, place, slot):
    place(make_banner(ends_at=NOW - timedelta(minutes=1)), slot)
    with time_machine.travel(NOW, tick=False):
        assert render("article-side-1") == ""


def test_banner_renders_as_a_link_through_the_click_url_with_image_size_and_alt(
    make_banner, place, slot
):
    placement = place(make_banner(alt_text="한빛제약 <신제품> 안내"), slot)
    with time_machine.travel(NOW, tick=False):
        html = render("article-side-1")
    assert html.startswith('<div class="banner-slot banner-slot--article-side-1">')
    assert html.count('<div class="banner" data-view="') == 1
    assert f'href="/banners/c/{placement.pk}/"' in html
    assert 'rel="noopener sponsored" target="_blank"' in html
    assert 'width="300" height="250"' in html
    assert 'alt="한빛제약 &lt;신제품&gt; 안내"' in html
    assert "ads.example.com" not in html  # the target is only reached through the click URL


def test_banner_opening_in_the_same_window_has_no_target_blank(make_banner, place, slot):
    place(make_banner(opens_new_window=False), slot)
    with time_machine.travel(NOW, tick=False):
        html = render("article-side-1")
    assert 'rel="sponsored"' in html
    assert "_blank" not in html


def test_banner_appears_and_disappears_on_the_second_even_from_the_cache(make_banner, place, slot):
    starts = NOW + timedelta(seconds=20)
    place(make_banner(starts_at=starts, ends_at=starts + timedelta(seconds=20)), slot)
    with time_machine.travel(NOW, tick=False):
        assert render("article-side-1") == ""  # fills the cache
    with time_machine.travel(starts, tick=False):
        assert "banner-slot" in render("article-side-1")
    with time_machine.travel(starts + timedelta(seconds=20), tick=False):
        assert render("article-side-1") == ""


def test_ordered_slot_shows_all_its_banners_in_order_up_to_its_count(make_banner, place):
    slot = BannerSlot.objects.get(code="home-between-2")  # three at once, in order
    names = ["셋째", "첫째", "둘째", "넷째"]
    for order, name in zip([3, 1, 2, 4], names, strict=True):
        place(make_banner(name=name, size=(360, 100)), slot, sort_order=order)
    with time_machine.travel(NOW, tick=False):
        html = render("home-between-2")
    alts = re.findall(r'alt="([^"]+) 광고"', html)
    assert alts == ["첫째", "둘째", "셋째"]


def test_ad_tag_runs_only_inside_a_sandboxed_iframe_without_same_origin(make_banner, place, slot):
    tag = '<script>document.write("<b>ad</b>")</script><a href="x" onclick=\'y()\'>&amp;</a>'
    banner = make_banner(kind=Banner.Kind.AD_TAG, ad_tag=tag, target_url="")
    place(banner, slot)
    with time_machine.travel(NOW, tick=False):
        html = render("article-side-1")
    assert '<iframe sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"' in html
    assert f'src="/banners/tag/{banner.pk}/"' in html
    assert "allow-same-origin" not in html
    # The tag itself is served by its frame's own URL, never written into the page.
    assert "document.write" not in html
    assert "onclick" not in html


def test_a_page_reads_all_its_slots_with_one_query_and_then_none_from_the_cache(
    make_banner, place, django_assert_max_num_queries, django_assert_num_queries
):
    for code, size in [("top", (1200, 90)), ("article-side-1", (300, 250)), ("footer", (1200, 90))]:
        place(make_banner(name=f"{code} 배너", size=size), BannerSlot.objects.get(code=code))
    request = RequestFactory().get("/", **BROWSER)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(1):
            html = PAGE.render(Context({"request": request}))
        assert html.count('class="banner-slot ') == 3
        again = RequestFactory().get("/", **BROWSER)
        with django_assert_num_queries(0):
            assert PAGE.render(Context({"request": again})).count('class="banner-slot ') == 3


def test_changing_a_banner_shows_at_once_despite_the_cache(make_banner, place, slot):
    banner = make_banner()
    place(banner, slot)
    with time_machine.travel(NOW, tick=False):
        assert "banner-slot" in render("article-side-1")
        banner.is_active = False
        banner.save()
        assert render("article-side-1") == ""


def test_broken_banner_never_breaks_the_page(make_banner, place, slot):
    place(make_banner(), slot)
    with time_machine.travel(NOW, tick=False):
        with mock.patch("banners.services.choose_banners", side_effect=RuntimeError("boom")):
            assert render("article-side-1") == ""
        with mock.patch("banners.services.load_deliveries", side_effect=RuntimeError("db down")):
            cache.clear()
            assert render("article-side-1") == ""


def test_a_failing_cache_falls_back_to_the_database(make_banner, place, slot):
    place(make_banner(), slot)
    down = ConnectionError("redis down")
    with (
        time_machine.travel(NOW, tick=False),
        mock.patch.object(cache, "get", side_effect=down),
        mock.patch.object(cache, "set", side_effect=down),
        mock.patch.object(cache, "incr", side_effect=down),
        mock.patch.object(cache, "add", side_effect=down),
    ):
        assert "banner-slot" in render("article-side-1")


def test_reader_pages_show_the_slots_of_the_base_layout(client, make_banner, place):
    place(make_banner(name="최상단", size=(1200, 90)), BannerSlot.objects.get(code="top"))
    with time_machine.travel(NOW, tick=False):
        html = client.get("/", **BROWSER).content.decode()
    assert '<div class="banner-slot banner-slot--top">' in html
    assert "banner-slot--footer" not in html  # empty: no empty box


def test_a_page_that_loaded_during_a_change_cannot_store_stale_banners_over_it(
    make_banner, place, slot
):
    """The race seen in the browser journey: a page loads the live set, the ad manager's save
    commits (and invalidates the cache) meanwhile, then the page stores what it had loaded."""
    old = place(make_banner(name="기존 배너"), slot)
    real_load = services.load_deliveries
    added = []

    def load_while_a_banner_is_placed(now, seconds):
        stale = real_load(now, seconds)  # loaded before the save commits
        added.append(place(make_banner(name="새 배너"), slot))
        services.forget_deliveries()  # what the save's on_commit hook does
        return stale

    with time_machine.travel(NOW, tick=False):
        with mock.patch.object(services, "load_deliveries", load_while_a_banner_is_placed):
            services.live_deliveries()
        shown = {b.placement_id for b in services.live_deliveries()["article-side-1"].banners}
    assert {old.pk, added[0].pk} <= shown
