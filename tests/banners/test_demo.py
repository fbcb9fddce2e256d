import pytest
from PIL import Image

from banners import demo
from banners.models import Banner, BannerStat, Placement

pytestmark = pytest.mark.django_db


def test_demo_fills_every_reference_slot_with_high_density_banners_and_statistics():
    counts = demo.load()
    assert counts["banners"] == len(demo.BANNERS) + 1  # and the ad-network demo tag
    placed = set(Placement.objects.values_list("slot__code", flat=True))
    assert {"top", "header-left", "article-side-1", "home-between-2", "footer"} <= placed
    for banner in Banner.objects.filter(kind=Banner.Kind.IMAGE):
        with Image.open(banner.image.path) as image:
            assert image.format == "PNG"
            slot = banner.placements.first().slot
            # Twice the slot's size: sharp on phones' high-density screens.
            assert image.size == (2 * slot.width, 2 * slot.height), banner.name
    assert BannerStat.objects.filter(impressions__gt=0, clicks__gt=0).count() > 50


def test_loading_the_demo_twice_duplicates_nothing():
    demo.load()
    before = (Banner.objects.count(), Placement.objects.count(), BannerStat.objects.count())
    figures = sorted(BannerStat.objects.values_list("impressions", flat=True))
    assert demo.load()["stats_created"] == 0
    after = (Banner.objects.count(), Placement.objects.count(), BannerStat.objects.count())
    assert after == before
    assert sorted(BannerStat.objects.values_list("impressions", flat=True)) == figures
