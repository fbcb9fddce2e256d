"""The photo library at 100,000 photos: a credit's photos by an index, and a GIN index of the
letters and letter pairs of each photo's caption, credit and keywords on PostgreSQL, so that
PhotoQuerySet.search finds a Korean substring (two syllables too, which trigrams cannot) without
reading the whole library. Other databases keep the plain LIKE scan."""

from django.db import migrations, models

# Lower-cased letters and letter pairs, none across whitespace, so none spans two fields.
# IMMUTABLE: the index stores its result; the query side calls it on the search term.
CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION newsroom_photo_grams(caption text, credit text, keywords text)
RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT gram), '{}'::text[])
  FROM (SELECT lower(caption || E'\n' || credit || E'\n' || keywords) AS t) AS source,
       LATERAL (
         SELECT substr(source.t, i, 2) AS gram FROM generate_series(1, length(source.t) - 1) AS i
         UNION ALL
         SELECT substr(source.t, i, 1) FROM generate_series(1, length(source.t)) AS i
       ) AS grams
  WHERE gram !~ '\s'
$$
"""
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS photo_search_grams_gin ON articles_photo "
    "USING gin (newsroom_photo_grams(caption, credit, keywords))"
)
DROP = [
    "DROP INDEX IF EXISTS photo_search_grams_gin",
    "DROP FUNCTION IF EXISTS newsroom_photo_grams(text, text, text)",
]


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION)
        schema_editor.execute(CREATE_INDEX)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_series"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="photo",
            index=models.Index(
                fields=["credit", "-uploaded_at", "-id"], name="photo_credit_idx"
            ),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
