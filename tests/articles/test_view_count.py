"""View counting under concurrency: many readers at once, no view lost."""

import threading

import pytest
from django.db import connection
from django.test import RequestFactory

from articles.models import Article
from articles.views import count_view
from tests.user_agents import BROWSER

READERS = 8
VIEWS_EACH = 10


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_readers_at_once_lose_no_view(make_article):
    article = make_article()
    # Every thread holds the same stale copy, as cached pages do.
    stale = Article.objects.get(pk=article.pk)
    errors = []
    start = threading.Barrier(READERS)

    def reader():
        try:
            request = RequestFactory().get(article.get_absolute_url(), **BROWSER)
            start.wait()
            for _ in range(VIEWS_EACH):
                count_view(request, stale)
        except Exception as exc:  # surfaced below: the test must see every failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    article.refresh_from_db()
    assert article.view_count == READERS * VIEWS_EACH
