"""Accounts and form data for posting through the real admin forms."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Section
from banners.models import Advertiser, BannerSlot


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="chief", email="chief@example.com", password="pw-for-tests-only-1234"
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def section(db):
    return Section.objects.get(slug="policy")


@pytest.fixture
def advertiser(db):
    return Advertiser.objects.create(name="한빛제약")


@pytest.fixture
def slot(db):
    return BannerSlot.objects.get(code="article-side-1")  # 300×250, made by the migration


def article_form(*, section, **overrides) -> dict:
    """What the admin's add form posts for a new article (save and publish with `_publish`)."""
    now = timezone.localtime() - timezone.timedelta(minutes=5)
    data = {
        "title": "보건복지부, 필수의료 지원 대책 발표",
        "subtitle": "",
        "section": section.pk,
        "body": "<p>본문입니다.</p>",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "published_at_0": f"{now:%Y-%m-%d}",
        "published_at_1": f"{now:%H:%M:%S}",
        "headline_order": "0",
        "expected_version": "",
    }
    data.update(overrides)
    return data


def banner_form(*, advertiser, slot, **overrides) -> dict:
    now = timezone.localtime()
    start, end = now - timezone.timedelta(days=1), now + timezone.timedelta(days=30)
    data = {
        "advertiser": advertiser.pk,
        "name": "한빛제약 봄 캠페인",
        "kind": "image",
        "alt_text": "한빛제약 봄 캠페인 안내",
        "target_url": "https://ads.example.com/spring",
        "opens_new_window": "on",
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "ends_at_0": f"{end:%Y-%m-%d}",
        "ends_at_1": f"{end:%H:%M:%S}",
        "weight": "1",
        "is_active": "on",
        "placements-TOTAL_FORMS": "1",
        "placements-INITIAL_FORMS": "0",
        "placements-MIN_NUM_FORMS": "0",
        "placements-MAX_NUM_FORMS": "1000",
        "placements-0-slot": slot.pk,
        "placements-0-weight": "1",
        "placements-0-sort_order": "0",
        "placements-0-is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def plain_rendering(monkeypatch):
    """Templates render as in production, without the test runner's instrumentation (which
    copies every context for response.context): the corpus tests render thousands of pages
    and read only their HTML."""
    from django.template import Template
    from django.test.utils import _TestState

    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)
