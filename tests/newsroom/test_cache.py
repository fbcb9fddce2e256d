from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article, Tag
from newsroom.pagecache import generation as page_cache
from tests.articles import conftest as article_fixtures

pytestmark = pytest.mark.django_db

make_article = article_fixtures.make_article
section = article_fixtures.section


def test_cached_value_is_kept_until_the_generation_is_bumped():
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert page_cache.cached("thing", build) == 1
    assert page_cache.cached("thing", build) == 1
    page_cache.bump_generation()
    assert page_cache.cached("thing", build) == 2


def test_a_missing_object_is_cached_too():
    calls = []

    def build():
        calls.append(1)

    assert page_cache.cached("nothing", build) is None
    assert page_cache.cached("nothing", build) is None
    assert len(calls) == 1


def test_long_or_korean_names_make_valid_cache_keys():
    key = page_cache.generation_key("tag:필수의료 " + "x" * 300)
    assert key.isascii() and len(key) < 120 and " " not in key


def test_saving_an_article_or_the_site_info_bumps_the_generation(make_article):
    before = page_cache.generation()
    article = make_article()
    after_article = page_cache.generation()
    assert after_article != before
    article.tags.clear()
    from newsroom.site.demo import ensure_site_info

    ensure_site_info()
    assert page_cache.generation() != after_article


def test_generation_expires_when_a_scheduled_article_goes_live(make_article):
    publish_at = timezone.now() + timedelta(minutes=10)
    make_article(status=Article.Status.PUBLISHED, published_at=publish_at)
    first = page_cache.generation()
    with time_machine.travel(publish_at - timedelta(minutes=1), tick=False):
        assert page_cache.generation() == first
    with time_machine.travel(publish_at + timedelta(seconds=2), tick=False):
        assert page_cache.generation() != first


def test_with_the_cache_off_the_builder_runs_and_the_cache_is_not_asked(settings, monkeypatch):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 0
    asked = []
    monkeypatch.setattr(cache, "get", lambda *a, **k: asked.append(a))
    monkeypatch.setattr(cache, "set", lambda *a, **k: asked.append(a))
    calls = []
    assert page_cache.cached("thing", lambda: calls.append(1) or len(calls)) == 1
    assert page_cache.cached("thing", lambda: calls.append(1) or len(calls)) == 2
    assert asked == []


def test_saving_a_draft_again_leaves_the_cached_pages_alone(make_article):
    draft = make_article(status=Article.Status.DRAFT)
    tag = Tag.objects.create(name="초안태그", slug="초안태그")
    before = page_cache.generation()
    draft.title = "고쳐 쓴 초안"
    draft.save()
    draft.tags.add(tag)
    assert page_cache.generation() == before


def test_publishing_and_unpublishing_an_article_bump_the_generation(make_article):
    article = make_article(status=Article.Status.DRAFT)
    before = page_cache.generation()
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    article.save()
    published = page_cache.generation()
    assert published != before
    article.tags.add(Tag.objects.create(name="공개태그", slug="공개태그"))
    tagged = page_cache.generation()
    assert tagged != published
    article.status = Article.Status.WITHDRAWN
    article.save()
    assert page_cache.generation() != tagged
