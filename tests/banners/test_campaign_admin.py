"""The ad manager's campaign pages: Korean labels and messages, banners inline, roles."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from banners.models import Banner, Campaign

from .conftest import png_upload

pytestmark = pytest.mark.django_db


def campaign_form(advertiser, **overrides) -> dict:
    now = timezone.localtime()
    start, end = now - timedelta(days=1), now + timedelta(days=30)
    data = {
        "advertiser": advertiser.pk,
        "name": "한빛제약 봄 캠페인",
        "priority": "30",
        "is_active": "on",
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "ends_at_0": f"{end:%Y-%m-%d}",
        "ends_at_1": f"{end:%H:%M:%S}",
        "goal_impressions": "30000",
        "goal_period": "total",
        "daily_cap": "3",
        "banners-TOTAL_FORMS": "0",
        "banners-INITIAL_FORMS": "0",
        "banners-MIN_NUM_FORMS": "0",
        "banners-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def with_banner(data: dict, index: int, **fields) -> dict:
    data = dict(data)
    data["banners-TOTAL_FORMS"] = str(index + 1)
    prefix = f"banners-{index}-"
    values = {
        "name": f"배너 {index}",
        "alt_text": f"배너 {index} 안내",
        "target_url": "https://ads.example.com/spring",
        "opens_new_window": "on",
        "is_active": "on",
        **fields,
    }
    data.update({prefix + key: value for key, value in values.items()})
    return data


def test_ad_manager_creates_a_campaign_with_a_goal_a_cap_and_two_banners(
    client, ad_manager, advertiser, media_root
):
    client.force_login(ad_manager)
    data = with_banner(with_banner(campaign_form(advertiser), 0), 1)
    files = {
        "banners-0-image": png_upload(300, 250, "a.png"),
        "banners-1-image": png_upload(300, 250, "b.png"),
    }
    response = client.post("/admin/banners/campaign/add/", {**data, **files})
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert (campaign.priority, campaign.goal_impressions, campaign.daily_cap) == (
        Campaign.Priority.GUARANTEED,
        30000,
        3,
    )
    banners = list(campaign.banners.order_by("name"))
    assert [b.name for b in banners] == ["배너 0", "배너 1"]
    assert {b.advertiser_id for b in banners} == {advertiser.pk}  # the campaign's advertiser
    assert all(b.image_width == 300 for b in banners)  # through the upload pipeline
    page = client.get(f"/admin/banners/campaign/{campaign.pk}/change/").content.decode()
    for label in ("캠페인 이름", "우선순위", "노출 목표", "독자당 하루 노출 한도", "이미지 배너"):
        assert label in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at_0": "2020-01-01", "ends_at_1": "00:00:00"}, "종료 시각은 시작 시각보다"),
        ({"goal_impressions": "0"}, "노출 목표는 1 이상이어야 합니다."),
        ({"goal_impressions": "-5"}, "노출 목표는 1 이상이어야 합니다."),
        ({"goal_impressions": "만"}, "노출 목표는 1 이상의 정수로 입력하세요."),
        ({"daily_cap": "0"}, "노출 한도는 1 이상이어야 합니다."),
        ({"daily_cap": "-1"}, "노출 한도는 1 이상이어야 합니다."),
        ({"daily_cap": "3.5"}, "노출 한도는 1 이상의 정수로 입력하세요."),
        ({"ends_at_0": "", "ends_at_1": ""}, "기간 전체 노출 목표에는 종료 시각이 필요합니다"),
        ({"name": ""}, "캠페인 이름을 입력하세요."),
        ({"priority": "99"}, "올바르게 선택해 주세요"),
        ({"goal_impressions": "9" * 30}, "노출 목표는 20억 이하로 입력하세요."),
        ({"daily_cap": "1001"}, "노출 한도는 1000 이하로 입력하세요."),
    ],
)
def test_bad_campaign_input_gets_a_korean_message_and_saves_nothing(
    client, ad_manager, advertiser, overrides, message
):
    client.force_login(ad_manager)
    response = client.post("/admin/banners/campaign/add/", campaign_form(advertiser, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_daily_goal_needs_no_end(client, ad_manager, advertiser):
    client.force_login(ad_manager)
    data = campaign_form(advertiser, goal_period="day", ends_at_0="", ends_at_1="")
    assert client.post("/admin/banners/campaign/add/", data).status_code == 302
    assert Campaign.objects.get().ends_at is None


def test_campaign_validation_in_the_model(advertiser):
    now = timezone.now()
    with pytest.raises(ValidationError) as problem:
        Campaign(
            advertiser=advertiser,
            name="잘못된 캠페인",
            starts_at=now,
            ends_at=now - timedelta(hours=1),
            goal_impressions=0,
            daily_cap=-2,
        ).full_clean()
    errors = problem.value.message_dict
    assert errors["ends_at"] == ["종료 시각은 시작 시각보다 늦어야 합니다."]
    assert "노출 목표는 1 이상이어야 합니다." in errors["goal_impressions"]
    assert "노출 한도는 1 이상이어야 합니다." in errors["daily_cap"]


def test_an_inline_banner_without_an_image_or_address_is_refused_in_korean(
    client, ad_manager, advertiser
):
    client.force_login(ad_manager)
    data = with_banner(campaign_form(advertiser), 0, target_url="javascript:alert(1)")
    response = client.post("/admin/banners/campaign/add/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "이미지 배너에는 이미지 파일이 필요합니다." in html
    assert "연결 주소는 http:// 또는 https://로 시작하는 전체 주소여야 합니다." in html
    assert not Campaign.objects.exists() and not Banner.objects.exists()


def test_a_banner_must_belong_to_a_campaign(client, ad_manager, advertiser, slot):
    from .conftest import banner_form

    client.force_login(ad_manager)
    data = banner_form(advertiser=advertiser, slot=slot, campaign=None)
    data["campaign"] = ""
    response = client.post("/admin/banners/banner/add/", {**data, "image": png_upload()})
    assert response.status_code == 200
    assert "캠페인을 고르세요." in response.content.decode()


def test_tag_banners_are_not_offered_for_editing_on_the_campaign_page(
    client, ad_manager, make_banner
):
    tag = make_banner(name="제3자 광고 코드", kind=Banner.Kind.AD_TAG, ad_tag="<p>x</p>")
    client.force_login(ad_manager)
    page = client.get(f"/admin/banners/campaign/{tag.campaign_id}/change/").content.decode()
    assert "제3자 광고 코드" not in page
    assert "&lt;p&gt;x" not in page and "<p>x</p>" not in page


@pytest.mark.parametrize("who", ["reporter_user", "desk_user"])
def test_reporters_and_desk_editors_cannot_add_a_campaign(client, who, request, advertiser):
    client.force_login(request.getfixturevalue(who))
    response = client.post("/admin/banners/campaign/add/", campaign_form(advertiser))
    assert response.status_code in (403, 404)
    assert not Campaign.objects.exists()


def test_the_campaign_list_does_not_grow_queries_with_campaigns(
    client, ad_manager, advertiser, django_assert_max_num_queries
):
    now = timezone.now()
    for number in range(15):
        Campaign.objects.create(advertiser=advertiser, name=f"캠페인 {number}", starts_at=now)
    client.force_login(ad_manager)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/banners/campaign/").status_code == 200
