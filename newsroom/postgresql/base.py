"""Django's PostgreSQL backend, with writes of many rows kept under PostgreSQL's limit of
65,535 parameters a query.

With server-side binding (DATABASE_PREPARE_THRESHOLD, newsroom.settings.env.database_from_url)
psycopg sends a query's parameters in the protocol's Bind message, which counts them in 16
bits: a query of more is refused ("number of parameters must be between 0 and 65535"). Django
binds on the client for PostgreSQL and so never splits a bulk_create, bulk_update, in_bulk or a
delete's batches for it, as it does for SQLite and Oracle; this backend tells it the limit.
A list in one `pk__in=[…]` is still one query: code of ours that can pass thousands of values
splits them itself (articles.viewcounts.write).
"""

from django.db.backends.postgresql import base, features, operations

# The protocol's limit on one query's parameters (a 16-bit count).
MAX_QUERY_PARAMS = 65_535


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = MAX_QUERY_PARAMS


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        """As many rows a query as fit under the limit, `fields` parameters each."""
        return max(MAX_QUERY_PARAMS // max(len(fields), 1), 1)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
