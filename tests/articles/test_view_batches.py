"""Article views added up per worker and written in batches (articles.viewcounts)."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from articles import viewcounts
from articles.models import Article
from newsroom.postgresql.base import MAX_QUERY_PARAMS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def batched(settings):
    """Views wait a minute in memory; every test starts and ends with none pending."""
    settings.ARTICLE_VIEW_FLUSH_SECONDS = 60
    viewcounts.flush()
    yield
    viewcounts.flush()


def test_views_wait_in_memory_until_the_flush(make_article):
    first, second = make_article("첫 기사"), make_article("둘째 기사")
    for _ in range(3):
        viewcounts.add_view(first.pk)
    viewcounts.add_view(second.pk)
    first.refresh_from_db()
    assert first.view_count == 0
    assert viewcounts.flush() == 4
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.view_count, second.view_count) == (3, 1)
    assert viewcounts.pending() == 0


def test_the_flush_waits_for_its_interval(make_article):
    article = make_article()
    viewcounts.flush()  # starts the interval
    viewcounts.add_view(article.pk)
    viewcounts.flush_if_due()
    article.refresh_from_db()
    assert article.view_count == 0


def test_a_failed_write_gives_the_views_back(make_article, monkeypatch):
    article = make_article()
    viewcounts.add_view(article.pk)

    def broken(counts):
        raise DatabaseError("database went away")

    monkeypatch.setattr(viewcounts, "write", broken)
    assert viewcounts.flush() == 0
    assert viewcounts.pending() == 1
    monkeypatch.undo()
    assert viewcounts.flush() == 1
    article.refresh_from_db()
    assert article.view_count == 1


def test_views_of_a_withdrawn_article_are_not_written(make_article):
    article = make_article()
    viewcounts.add_view(article.pk)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    viewcounts.flush()
    article.refresh_from_db()
    assert article.view_count == 0


def test_the_reader_page_counts_through_the_batch(client, make_article, browser):
    article = make_article()
    client.get(article.get_absolute_url(), **browser)
    client.get(article.get_absolute_url(), **browser)
    assert viewcounts.pending() == 2
    viewcounts.flush()
    article.refresh_from_db()
    assert article.view_count == 2


@pytest.mark.postgres
def test_views_of_more_articles_than_a_query_may_name_are_written(make_article):
    article = make_article("조회 기사")
    counts = {pk: 1 for pk in range(10**9, 10**9 + MAX_QUERY_PARAMS + 1000)}
    counts[article.pk] = 1
    viewcounts.write(counts)
    article.refresh_from_db()
    assert article.view_count == 1


def test_view_counts_are_written_in_chunks(make_article, monkeypatch):
    monkeypatch.setattr(viewcounts, "WRITE_CHUNK", 2)
    articles = [make_article(f"조회 {n}") for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        viewcounts.write({a.pk: 3 for a in articles})
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 3
    for article in articles:
        article.refresh_from_db()
        assert article.view_count == 3
