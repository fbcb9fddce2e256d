"""The project's PostgreSQL engine (newsroom.postgresql): Django's, with bulk writes split
under PostgreSQL's 65,535 parameters a query, which server-side binding (the prepared
statements of DATABASE_PREPARE_THRESHOLD) cannot exceed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from newsroom.postgresql.base import MAX_QUERY_PARAMS, DatabaseOperations


@pytest.mark.parametrize("fields", [1, 2, 25, 70_000])
def test_a_batch_of_rows_never_takes_more_parameters_than_a_query_may(fields):
    rows = DatabaseOperations(connection).bulk_batch_size(["f"] * fields, range(100_000))
    assert rows >= 1
    assert rows * fields <= MAX_QUERY_PARAMS or rows == 1


def _concrete_insert_fields() -> int:
    return len([f for f in Article._meta.concrete_fields if not f.primary_key])


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_bulk_create_over_postgresqls_parameter_limit_goes_in_batches():
    # The site's connections bind on the server (prepared statements) unless turned off.
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    fields = _concrete_insert_fields()
    count = MAX_QUERY_PARAMS // fields + 50  # one batch would be over the limit
    rows = [Article(title=f"대량 입력 {n}", body="<p>본문</p>") for n in range(count)]
    with CaptureQueriesContext(connection) as queries:
        Article.objects.bulk_create(rows)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2
    assert Article.objects.filter(title__startswith="대량 입력 ").count() == count
