"""Article views added up per worker and written in batches (articles.viewcounts)."""

import pytest
from django.db import DatabaseError

from articles import viewcounts
from articles.models import Article

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
