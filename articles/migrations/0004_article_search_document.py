import django.contrib.postgres.search
from django.db import migrations

from articles.bigrams import fill_search_documents

INDEX = "article_search_document_gin"


def backfill(apps, schema_editor):
    fill_search_documents(apps.get_model("articles", "Article"))


def create_gin_index(apps, schema_editor):
    # The index is PostgreSQL's alone (SQLite searches by substring), so it lives here rather
    # than in Meta.indexes, which would try to create it on SQLite too.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles_article USING gin (search_document)"
        )
        schema_editor.execute("ANALYZE articles_article")


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_article_events_and_lead_thumbnail"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, verbose_name="검색 색인"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_gin_index, drop_gin_index),
    ]
