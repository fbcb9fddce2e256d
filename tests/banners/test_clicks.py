from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from banners import services
from banners.models import Banner, BannerStat
from tests.user_agents import BROWSER, CHROME, NOT_READERS

from .conftest import NOW, show_slot

pytestmark = pytest.mark.django_db

STORED = "https://ads.example.com/landing?id=1"


def flush() -> None:
    """Move the cache's click counters into BannerStat: those of the tests' days (NOW and the
    day after, flushed then: the cache's counters expire by its clock) and those of today, for
    the tests that click at the real time."""
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        services.flush_stats()
    services.flush_stats()


def clicks_of(placement) -> int:
    """The placement's clicks in BannerStat, once the cache's counters are flushed."""
    flush()
    return sum(
        BannerStat.objects.filter(banner=placement.banner, slot=placement.slot).values_list(
            "clicks", flat=True
        )
    )


@pytest.fixture
def placement(make_banner, place, slot):
    return place(make_banner(target_url=STORED), slot)


def test_click_counts_and_redirects_with_302_to_the_stored_address(client, placement):
    with time_machine.travel(NOW, tick=False):
        show_slot()  # the reader was served the banner
        response = client.get(f"/banners/c/{placement.pk}/", **BROWSER)
    assert response.status_code == 302
    assert response["Location"] == STORED
    assert "no-store" in response["Cache-Control"]
    flush()
    stat = BannerStat.objects.get(banner=placement.banner, slot=placement.slot)
    assert stat.clicks == 1
    assert stat.day == timezone.localdate(NOW)


@pytest.mark.parametrize(
    "query",
    [
        "?next=https://evil.example.com/",
        "?url=https://evil.example.com/",
        "?dest=//evil.example.com&target=javascript:alert(1)",
        "?redirect=https%3A%2F%2Fevil.example.com",
        "?oadest=https://evil.example.com/",  # Revive's CVE-2021-22873 parameter
    ],
)
def test_no_query_parameter_can_choose_the_redirect_target(client, placement, query):
    response = client.get(f"/banners/c/{placement.pk}/{query}", **BROWSER)
    assert response.status_code == 302
    assert response["Location"] == STORED


@pytest.mark.parametrize(
    "path",
    [
        "/banners/c/{pk}/https://evil.example.com/",
        "/banners/c/{pk}//evil.example.com",
        "/banners/c/{pk}/..%2F..%2Fevil.example.com",
        "/banners/c/https://evil.example.com/",
        "/banners/c/-1/",
        "/banners/c/999999/",
    ],
)
def test_path_tricks_never_redirect_anywhere(client, placement, path):
    response = client.get(path.format(pk=placement.pk), **BROWSER)
    assert response.status_code == 404
    assert "evil" not in response.get("Location", "")


def test_headers_cannot_choose_the_redirect_target(client, placement):
    response = client.get(
        f"/banners/c/{placement.pk}/",
        **BROWSER,
        HTTP_REFERER="https://evil.example.com/",
        HTTP_X_FORWARDED_HOST="evil.example.com",
    )
    assert response["Location"] == STORED


def test_a_stored_address_that_went_bad_is_not_followed(client, placement):
    Banner.objects.filter(pk=placement.banner_id).update(target_url="javascript:alert(1)")
    response = client.get(f"/banners/c/{placement.pk}/", **BROWSER)
    assert response.status_code == 404
    assert clicks_of(placement) == 0


def test_ad_tag_banner_has_no_click_url(client, make_banner, place, slot):
    tag = place(make_banner(kind=Banner.Kind.AD_TAG, ad_tag="<p>ad</p>", target_url=""), slot)
    assert client.get(f"/banners/c/{tag.pk}/", **BROWSER).status_code == 404


@pytest.mark.parametrize("user_agent", NOT_READERS.values(), ids=NOT_READERS.keys())
def test_bots_are_redirected_but_not_counted(client, placement, user_agent):
    response = client.get(f"/banners/c/{placement.pk}/", HTTP_USER_AGENT=user_agent)
    assert response.status_code == 302
    assert response["Location"] == STORED
    assert clicks_of(placement) == 0


def test_head_request_redirects_without_counting(client, placement):
    response = client.head(f"/banners/c/{placement.pk}/", **BROWSER)
    assert response.status_code == 302
    assert clicks_of(placement) == 0


def test_post_to_the_click_url_is_refused(client, placement):
    response = client.post(f"/banners/c/{placement.pk}/", **BROWSER)
    assert response.status_code == 405
    assert clicks_of(placement) == 0


def test_clicks_on_a_later_day_go_to_that_days_row(client, placement):
    for moment in (NOW, NOW + timedelta(minutes=5), NOW + timedelta(days=1)):
        with time_machine.travel(moment, tick=False):
            show_slot()
            client.get(f"/banners/c/{placement.pk}/", **BROWSER)
    flush()
    by_day = dict(BannerStat.objects.values_list("day", "clicks"))
    assert by_day == {timezone.localdate(NOW): 2, timezone.localdate(NOW) + timedelta(days=1): 1}


def test_a_failing_database_still_sends_the_reader_to_the_advertiser(client, placement):
    from unittest import mock

    with mock.patch("banners.services.add_to_stat", side_effect=RuntimeError("db down")):
        response = client.get(f"/banners/c/{placement.pk}/", **BROWSER)
    assert response.status_code == 302
    assert response["Location"] == STORED


def test_a_browsers_prefetch_of_the_click_url_is_not_counted(client, placement):
    response = client.get(f"/banners/c/{placement.pk}/", **BROWSER, HTTP_SEC_PURPOSE="prefetch")
    assert response.status_code == 302
    assert clicks_of(placement) == 0


# --- honest clicks ------------------------------------------------------------------------------


def flagged_of(placement) -> int:
    flush()
    return sum(
        BannerStat.objects.filter(banner=placement.banner).values_list("flagged_clicks", flat=True)
    )


def click(client, placement, **headers):
    response = client.get(f"/banners/c/{placement.pk}/", **{**BROWSER, **headers})
    assert response.status_code == 302
    assert response["Location"] == STORED
    return response


def test_a_click_on_next_months_campaign_redirects_but_is_not_counted(
    client, make_banner, place, slot, advertiser
):
    from banners.models import Campaign

    later = Campaign.objects.create(
        advertiser=advertiser, name="다음 달", starts_at=NOW + timedelta(days=30)
    )
    placement = place(make_banner(target_url=STORED, campaign=later), slot)
    with time_machine.travel(NOW, tick=False):
        click(client, placement)
    flush()
    assert BannerStat.objects.count() == 0  # the report shows no click, and no impression


def test_a_click_on_a_switched_off_placement_is_not_counted(client, placement):
    with time_machine.travel(NOW, tick=False):
        show_slot()
        placement.is_active = False
        placement.save()  # as the admin does: the cached live set is dropped
        click(client, placement)
    assert clicks_of(placement) == 0


def test_the_same_readers_clicks_within_30_seconds_count_once(client, placement):
    with time_machine.travel(NOW, tick=False) as traveller:
        show_slot()
        click(client, placement)
        traveller.shift(10)
        click(client, placement)
        traveller.shift(19)  # 29 s after the first
        click(client, placement)
        assert clicks_of(placement) == 1
        traveller.shift(2)  # 31 s after the first
        click(client, placement)
    assert clicks_of(placement) == 2
    assert flagged_of(placement) == 0


def test_another_readers_click_within_30_seconds_counts(client, placement):
    other = f"{CHROME} other"
    with time_machine.travel(NOW, tick=False):
        show_slot()
        show_slot(user_agent=other)
        click(client, placement)
        click(client, placement, HTTP_USER_AGENT=other)
    assert clicks_of(placement) == 2


def test_a_click_without_an_impression_is_redirected_and_flagged_not_counted(client, placement):
    with time_machine.travel(NOW, tick=False):
        click(client, placement)
    assert clicks_of(placement) == 0
    assert flagged_of(placement) == 1


def test_a_click_after_an_impression_to_another_reader_is_flagged(client, placement):
    with time_machine.travel(NOW, tick=False):
        show_slot(user_agent=f"{CHROME} someone else")
        click(client, placement)
    assert (clicks_of(placement), flagged_of(placement)) == (0, 1)


def test_an_impression_counts_for_a_click_for_half_an_hour(client, placement):
    with time_machine.travel(NOW, tick=False) as traveller:
        show_slot()
        traveller.shift(29 * 60)
        click(client, placement)
        assert (clicks_of(placement), flagged_of(placement)) == (1, 0)
        traveller.shift(36 * 60)  # 65 minutes after the impression
        click(client, placement)
    assert (clicks_of(placement), flagged_of(placement)) == (1, 1)


def test_a_bots_click_after_an_impression_is_neither_counted_nor_flagged(client, placement):
    bot = NOT_READERS["KakaoTalk link preview"]
    with time_machine.travel(NOW, tick=False):
        show_slot(user_agent=bot)
        click(client, placement, HTTP_USER_AGENT=bot)
    flush()
    assert BannerStat.objects.filter(clicks__gt=0).count() == 0
    assert flagged_of(placement) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/banners/c/99999999999999999999999/",
        "/banners/c/0/",
        "/banners/c/%00/",
        "/banners/c/１/",  # a full-width digit
        "/banners/c/" + "9" * 5000 + "/",
    ],
)
def test_bad_click_addresses_answer_404_never_500(client, placement, path):
    response = client.get(path, **BROWSER)
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_other_methods_on_the_click_url_are_refused(client, placement, method):
    response = getattr(client, method)(f"/banners/c/{placement.pk}/", **BROWSER)
    assert response.status_code == 405
    assert clicks_of(placement) == 0


# --- no database on the click path; counted in the cache, flushed exactly -----------------------


def test_a_click_on_a_live_banner_makes_no_query(client, placement, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        show_slot()  # the page that showed the banner also loaded the slots' live set
        with django_assert_num_queries(0):
            click(client, placement)
            click(client, placement, HTTP_USER_AGENT=f"{CHROME} unseen")  # flagged
            click(client, placement)  # a repeat
    assert (clicks_of(placement), flagged_of(placement)) == (1, 1)


def test_a_click_on_a_placement_not_in_the_live_set_reads_it_once_and_is_not_counted(
    client, make_banner, place, slot, django_assert_num_queries
):
    ended = place(make_banner(target_url=STORED, ends_at=NOW - timedelta(hours=1)), slot)
    with time_machine.travel(NOW, tick=False):
        show_slot()  # the live set, without the ended banner
        with django_assert_num_queries(1):
            click(client, ended)
    assert (clicks_of(ended), flagged_of(ended)) == (0, 0)


def test_clicks_wait_in_the_cache_and_one_flush_moves_them_exactly(client, placement):
    with time_machine.travel(NOW, tick=False):
        for number in range(3):
            show_slot(user_agent=f"{CHROME} r/{number}")
            click(client, placement, HTTP_USER_AGENT=f"{CHROME} r/{number}")
        for number in range(2):
            click(client, placement, HTTP_USER_AGENT=f"{CHROME} never served/{number}")
        assert not BannerStat.objects.filter(clicks__gt=0).exists()
        services.flush_stats()
        services.flush_stats()  # nothing left to move
    stat = BannerStat.objects.get()
    assert (stat.impressions, stat.clicks, stat.flagged_clicks) == (3, 3, 2)


def test_a_failed_flush_gives_the_clicks_back(client, placement):
    from unittest import mock

    with time_machine.travel(NOW, tick=False):
        show_slot()
        click(client, placement)
        click(client, placement, HTTP_USER_AGENT=f"{CHROME} unseen")
        with (
            mock.patch("banners.services.add_to_stat", side_effect=RuntimeError("db down")),
            pytest.raises(RuntimeError),
        ):
            services.flush_stats()
        services.flush_stats()
    stat = BannerStat.objects.get()
    assert (stat.impressions, stat.clicks, stat.flagged_clicks) == (1, 1, 1)


def test_a_failing_cache_still_sends_the_reader_to_the_advertiser(client, placement):
    from unittest import mock

    with time_machine.travel(NOW, tick=False):
        show_slot()
        with mock.patch(
            "newsroom.pagecache.counters.add_once_then_read",
            side_effect=ConnectionError("cache down"),
        ):
            click(client, placement)


def test_through_redis_a_click_is_one_script_and_counts_exactly(
    redis_caches, client, placement, settings, round_trips
):
    settings.PAGE_CACHE_LOCAL_SECONDS = 60  # the live set and the day key, as in production
    with time_machine.travel(NOW, tick=False):
        show_slot()
        click(client, placement, HTTP_USER_AGENT=f"{CHROME} warming")  # flagged
        round_trips.start()
        click(client, placement)
        # The repeat mark and the impression marks in one script, the click in the
        # request's one write of counters.
        assert round_trips.count == 2
        click(client, placement)  # a repeat (Redis keeps its own clock: no time travel here)
        services.flush_stats()
    stat = BannerStat.objects.get()
    assert (stat.impressions, stat.clicks, stat.flagged_clicks) == (1, 1, 1)
