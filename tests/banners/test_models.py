from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from banners.models import Banner, BannerSlot, Placement

from .conftest import NOW

pytestmark = pytest.mark.django_db

REFERENCE_SLOTS = [
    "top",
    "header-left",
    "header-right",
    "article-side-1",
    "article-side-2",
    "article-side-3",
    "article-inline",
    "home-between-1",
    "home-between-2",
    "footer",
]


def test_migrating_creates_the_reference_page_slots_with_korean_names_and_sizes():
    slots = {slot.code: slot for slot in BannerSlot.objects.all()}
    assert set(REFERENCE_SLOTS) <= set(slots)
    for code in REFERENCE_SLOTS:
        slot = slots[code]
        assert slot.name and not slot.name.isascii(), code
        assert slot.width > 0 and slot.height > 0, code
        assert slot.position, code


def live_ids(moment):
    return set(Placement.objects.live_at(moment).values_list("pk", flat=True))


def test_placement_is_live_only_between_the_banners_start_and_end(make_banner, place, slot):
    banner = make_banner(starts_at=NOW, ends_at=NOW + timedelta(days=2))
    placement = place(banner, slot)
    with time_machine.travel(NOW - timedelta(seconds=1), tick=False):
        from django.utils import timezone

        assert placement.pk not in live_ids(timezone.now())
    with time_machine.travel(NOW, tick=False):
        assert placement.pk in live_ids(timezone.now())
    with time_machine.travel(NOW + timedelta(days=2) - timedelta(seconds=1), tick=False):
        assert placement.pk in live_ids(timezone.now())
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert placement.pk not in live_ids(timezone.now())


def test_placement_period_narrows_the_banners_period(make_banner, place, slot):
    banner = make_banner(starts_at=NOW - timedelta(days=10), ends_at=None)
    placement = place(
        banner, slot, starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(hours=5)
    )
    assert placement.pk not in live_ids(NOW)
    assert placement.pk in live_ids(NOW + timedelta(hours=1))
    assert placement.pk not in live_ids(NOW + timedelta(hours=5))
    assert placement.period_start == NOW + timedelta(hours=1)
    assert placement.period_end == NOW + timedelta(hours=5)


def test_banner_without_an_end_runs_until_it_is_switched_off(make_banner, place, slot):
    banner = make_banner(ends_at=None)
    placement = place(banner, slot)
    assert placement.pk in live_ids(NOW + timedelta(days=3650))
    Banner.objects.filter(pk=banner.pk).update(is_active=False)
    assert placement.pk not in live_ids(NOW)


def test_switched_off_placement_or_slot_is_not_live(make_banner, place, slot):
    placement = place(make_banner(), slot)
    assert placement.pk in live_ids(NOW)
    Placement.objects.filter(pk=placement.pk).update(is_active=False)
    assert placement.pk not in live_ids(NOW)
    Placement.objects.filter(pk=placement.pk).update(is_active=True)
    BannerSlot.objects.filter(pk=slot.pk).update(is_active=False)
    assert placement.pk not in live_ids(NOW)


def messages_of(error: ValidationError) -> str:
    return " ".join(" ".join(m) for m in error.message_dict.values())


def test_banner_ending_before_it_starts_is_refused_in_korean(make_banner):
    banner = make_banner()
    banner.ends_at = banner.starts_at - timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "종료 시각은 시작 시각보다 늦어야 합니다" in messages_of(error.value)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "/relative/path",
        "//evil.example.com/",
        "ftp://files.example.com/a",
        "https:///no-host",
    ],
)
def test_banner_target_must_be_an_absolute_http_address(make_banner, url):
    banner = make_banner()
    banner.target_url = url
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "target_url" in error.value.message_dict
    assert "http:// 또는 https://" in messages_of(error.value)


def test_banner_with_https_target_passes_validation(make_banner):
    banner = make_banner(target_url="https://www.example.co.kr/캠페인?a=1")
    banner.full_clean()


@pytest.mark.parametrize("weight", [0, -3])
def test_weight_of_zero_or_less_is_refused(make_banner, place, slot, weight):
    banner = make_banner()
    banner.weight = weight
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "가중치는 1 이상이어야 합니다" in messages_of(error.value)
    placement = Placement(banner=banner, slot=slot, weight=weight)
    with pytest.raises(ValidationError) as error:
        placement.full_clean()
    assert "가중치는 1 이상이어야 합니다" in messages_of(error.value)


def test_missing_alt_text_is_refused(make_banner):
    banner = make_banner()
    banner.alt_text = "   "
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "대체 텍스트" in messages_of(error.value)


def test_placement_ending_before_it_starts_is_refused(make_banner, slot):
    placement = Placement(banner=make_banner(), slot=slot, starts_at=NOW, ends_at=NOW)
    with pytest.raises(ValidationError) as error:
        placement.full_clean()
    assert "종료 시각은 시작 시각보다 늦어야 합니다" in messages_of(error.value)


def test_ad_tag_banner_needs_its_tag_but_no_image(make_banner):
    banner = make_banner(kind=Banner.Kind.AD_TAG, target_url="")
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "광고 네트워크 태그" in messages_of(error.value)
    banner.ad_tag = "<script>ads()</script>"
    banner.full_clean()


def test_image_of_another_size_than_the_slot_gets_a_warning(make_banner, slot):
    fitting = make_banner(name="맞는 배너", size=(300, 250))
    wrong = make_banner(name="큰 배너", size=(728, 90))
    assert fitting.size_warning(slot) == ""
    warning = wrong.size_warning(slot)
    assert "728×90" in warning and "300×250" in warning and "다릅니다" in warning


def test_a_high_density_image_of_exactly_twice_the_slot_size_fits(make_banner, slot):
    double = make_banner(name="고해상도 배너", size=(600, 500))
    almost = make_banner(name="거의 두 배", size=(600, 498))
    assert double.size_warning(slot) == ""
    assert "600×498" in almost.size_warning(slot)


def test_an_image_banner_is_stored_with_its_size_so_loading_it_reads_no_file(
    advertiser, media_root
):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from .conftest import campaign_of, png_bytes

    banner = Banner(
        campaign=campaign_of(advertiser),
        name="크기 저장",
        alt_text="대체 문자열",
        target_url="https://example.com/",
        starts_at=timezone.now(),
    )
    banner.image.save("size.png", ContentFile(png_bytes(300, 250)), save=False)
    banner.save()
    assert Banner.objects.filter(pk=banner.pk).values_list("image_width", "image_height")[0] == (
        300,
        250,
    )
    (media_root / banner.image.name).unlink()  # loading must not need the file any more
    assert Banner.objects.get(pk=banner.pk).image_width == 300
