"""The list machinery (articles.pagination): counts that stop at a cap, and PostgreSQL's own row
estimate read in one place for the desk's change list and for search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.pagination import capped_count, estimated_rows

pytestmark = pytest.mark.django_db


def test_a_capped_count_stops_one_past_the_cap(make_article):
    for n in range(5):
        make_article(f"기사 {n}")
    published = Article.objects.published()
    assert capped_count(published, 3) == 4  # "more than 3"
    assert capped_count(published, 10) == 5


def test_a_database_without_a_row_estimate_answers_none_without_a_query(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with CaptureQueriesContext(connection) as captured:
        assert estimated_rows(Article) is None
    assert captured.captured_queries == []


@pytest.mark.postgres
def test_postgres_row_estimate_is_one_read_of_pg_class():
    with CaptureQueriesContext(connection) as captured:
        rows = estimated_rows(Article)
    assert isinstance(rows, int)
    assert [q["sql"] for q in captured] == [
        "SELECT reltuples::bigint FROM pg_class WHERE oid = 'articles_article'::regclass"
    ]
