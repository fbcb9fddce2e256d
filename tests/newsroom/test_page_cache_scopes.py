"""A desk edit invalidates what shows the article, not the other articles' cached pages
(newsroom.pagecache.generation's scopes): the edit is on its page, the home page, its section's
and tags' lists, the feed and the sitemap at once, while an unrelated article's cached page is
served from the cache without being rendered again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Section, Tag
from newsroom.pagecache.generation import bump_generation, generation_key, page_cache
from tests.factories import publish
from tests.user_agents import BROWSER

from .test_page_cache import count_renders

pytestmark = pytest.mark.django_db


def text_of(client, url) -> str:
    response = client.get(url, **BROWSER)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def tagged():
    tag = Tag.objects.create(name="약가", slug="약가")
    article = publish("약가 개편안 발표", ago=timedelta(hours=2))
    article.tags.add(tag)
    return article


def pages_showing(article) -> list[str]:
    return [
        f"/news/{article.pk}/",
        "/",
        "/news/",
        article.section.get_absolute_url(),
        f"/tag/{article.tags.get().slug}/",
        "/rss/",
        "/sitemap-news.xml",
    ]


def test_an_edit_shows_at_once_wherever_the_article_appears(client, tagged):
    bump_generation()  # a generation exists, as on a running site
    urls = pages_showing(tagged)
    for url in urls:
        text_of(client, url)  # stored
        assert "약가 개편안 발표" in text_of(client, url), url
    tagged.title = "약가 개편안 수정 발표"
    tagged.save()
    for url in urls:
        assert "약가 개편안 수정 발표" in text_of(client, url), url


def test_an_edit_leaves_an_unrelated_articles_cached_page_in_place(client, tagged, monkeypatch):
    other_section = Section.objects.exclude(pk=tagged.section_id).filter(parent=None).first()
    unrelated = publish("다른 분야 기사", ago=timedelta(hours=3), section=other_section)
    bump_generation()
    url = f"/news/{unrelated.pk}/"
    text_of(client, url)
    renders = count_renders(monkeypatch)
    tagged.title = "약가 개편안 수정 발표"
    tagged.save()
    publish("새로 게재한 기사", ago=timedelta(minutes=1))
    with CaptureQueriesContext(connection) as queries:
        html = text_of(client, url)
    assert renders == []  # served from the cache, not rendered again
    assert "다른 분야 기사" in html
    # Only the live parts ask the database (the side column's lists changed).
    assert not any('"articles_article"."body"' in q["sql"] for q in queries.captured_queries)
    # The home page, which shows both, is rendered anew.
    assert "새로 게재한 기사" in text_of(client, "/")
    assert len(renders) == 1


def test_an_edit_reaches_the_page_that_lists_the_article_as_related(client, tagged, monkeypatch):
    other_section = Section.objects.exclude(pk=tagged.section_id).filter(parent=None).first()
    linking = publish("관련 기사를 단 기사", ago=timedelta(hours=3), section=other_section)
    linking.related.add(tagged)
    bump_generation()
    url = f"/news/{linking.pk}/"
    assert "약가 개편안 발표" in text_of(client, url)
    tagged.title = "약가 개편안 수정 발표"
    tagged.save()
    assert "약가 개편안 수정 발표" in text_of(client, url)


def test_a_new_article_in_the_section_reaches_the_same_section_fallback(client, tagged):
    bump_generation()
    url = f"/news/{tagged.pk}/"
    text_of(client, url)
    publish("같은 분야 새 기사", ago=timedelta(minutes=1), section=tagged.section)
    assert "같은 분야 새 기사" in text_of(client, url)


def test_a_withdrawn_article_page_is_gone_at_once(client, tagged):
    bump_generation()
    url = f"/news/{tagged.pk}/"
    text_of(client, url)
    tagged.status = Article.Status.WITHDRAWN
    tagged.save()
    assert client.get(url, **BROWSER).status_code == 404


def test_a_process_whose_memo_is_behind_serves_the_page_rendered_after_an_edit(
    client, tagged, settings, monkeypatch
):
    from newsroom.pagecache import generation

    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    bump_generation()
    url = f"/news/{tagged.pk}/"
    text_of(client, url)  # stored; this process's memo holds the scopes' versions
    behind = dict(generation._scope_memo._values)  # what another process's memo still holds
    tagged.title = "약가 개편안 수정 발표"
    tagged.save()
    assert "수정 발표" in text_of(client, url)  # rendered after the edit, with the new versions
    renders = count_renders(monkeypatch)
    generation._scope_memo._values.update(behind)  # that process, a moment after the edit
    assert "수정 발표" in text_of(client, url)
    assert renders == []  # the newer page is served, not taken for stale and rendered again
    assert "수정 발표" in text_of(client, url)
    assert renders == []  # and the memo has learnt the new versions


def test_a_process_whose_memo_is_behind_still_sees_a_page_older_than_an_edit_as_stale(
    client, tagged, settings, monkeypatch
):

    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    bump_generation()
    url = f"/news/{tagged.pk}/"
    text_of(client, url)
    renders = count_renders(monkeypatch)
    tagged.title = "약가 개편안 수정 발표"
    tagged.save()  # bumps the scopes: the stored page is older than the edit
    assert "수정 발표" in text_of(client, url)
    assert len(renders) == 1


def _article_reads(queries) -> int:
    return sum('FROM "articles_article"' in q["sql"] for q in queries.captured_queries)


def test_a_page_rendered_for_the_page_cache_keeps_no_copy_of_its_article_beside_it(client):
    article = publish("약가 개편안 발표", ago=timedelta(hours=2))
    bump_generation()
    url = f"/news/{article.pk}/"
    assert "약가 개편안 발표" in text_of(client, url)  # rendered and stored
    data_key = generation_key(f"article:{article.pk}", scopes=(f"article:{article.pk}",))
    assert page_cache().get(data_key) is None  # the page is kept, not its article's data
    # The page recorded the article's scope: its own edit shows at once.
    article.title = "약가 개편안 수정 발표"
    article.save()
    assert "약가 개편안 수정 발표" in text_of(client, url)


def test_a_page_not_stored_keeps_its_article_for_the_next_request(client):
    article = publish("약가 개편안 발표", ago=timedelta(hours=2))
    bump_generation()
    # A parameter the view does not read: answered, never stored; the article is kept instead.
    url = f"/news/{article.pk}/?x=1"
    text_of(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert "약가 개편안 발표" in text_of(client, url)
    assert _article_reads(queries) == 0
