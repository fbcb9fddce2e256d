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


def lists_version() -> int:
    return page_cache.scope_versions((page_cache.LISTS,))[0]


def test_saving_an_article_bumps_what_shows_it_and_the_site_info_bumps_the_generation(
    make_article,
):
    generation = page_cache.generation()
    lists = lists_version()
    article = make_article()
    own = page_cache.scope_versions((f"article:{article.pk}",))[0]
    assert lists_version() != lists
    assert page_cache.generation() == generation  # other articles' pages stay cached
    article.title = "고친 제목"
    article.save()
    assert page_cache.scope_versions((f"article:{article.pk}",))[0] != own
    from newsroom.site.demo import ensure_site_info

    ensure_site_info()
    assert page_cache.generation() != generation


def test_the_lists_expire_when_a_scheduled_article_goes_live(make_article):
    publish_at = timezone.now() + timedelta(minutes=10)
    make_article(status=Article.Status.PUBLISHED, published_at=publish_at)
    first = lists_version()
    with time_machine.travel(publish_at - timedelta(minutes=1), tick=False):
        assert lists_version() == first
    with time_machine.travel(publish_at + timedelta(seconds=2), tick=False):
        assert lists_version() != first


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
    lists = lists_version()
    draft.title = "고쳐 쓴 초안"
    draft.save()
    draft.tags.add(tag)
    assert page_cache.generation() == before
    assert lists_version() == lists


def test_publishing_and_unpublishing_an_article_bump_what_shows_it(make_article):
    article = make_article(status=Article.Status.DRAFT)

    def versions():
        return page_cache.scope_versions((page_cache.LISTS, f"article:{article.pk}"))

    before = versions()
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    article.save()
    published = versions()
    assert all(a != b for a, b in zip(published, before, strict=True))
    article.tags.add(Tag.objects.create(name="공개태그", slug="공개태그"))
    tagged = versions()
    assert all(a != b for a, b in zip(tagged, published, strict=True))
    article.status = Article.Status.WITHDRAWN
    article.save()
    assert all(a != b for a, b in zip(versions(), tagged, strict=True))
