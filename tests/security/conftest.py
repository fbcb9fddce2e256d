"""Accounts and form data for posting through the real admin forms."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Section


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


def article_form(*, section, **overrides) -> dict:
    """What the admin's add form posts for a new article (save and publish with `_publish`)."""
    now = timezone.localtime() - timezone.timedelta(minutes=5)
    data = {
        "title": "보건복지부, 필수의료 지원 대책 발표",
        "subtitle": "",
        "section": section.pk,
        "body": "<p>본문입니다.</p>",
        "lead_photo": "",
        "lead_photo_caption": "",
        "published_at_0": f"{now:%Y-%m-%d}",
        "published_at_1": f"{now:%H:%M:%S}",
        "headline_order": "0",
        "expected_version": "",
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
