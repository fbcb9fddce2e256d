from django.db import migrations, models

from articles.richtext import stored_snippet

BATCH = 1000


def fill_snippets(apps, schema_editor):
    """Every existing article's snippet, a batch of rows at a time (a large archive is never
    loaded whole, and each batch is one UPDATE)."""
    Article = apps.get_model("articles", "Article")
    last = 0
    while True:
        batch = list(
            Article.objects.filter(pk__gt=last).order_by("pk").only("pk", "body")[:BATCH]
        )
        if not batch:
            return
        for article in batch:
            article.snippet = stored_snippet(article.body)
        Article.objects.bulk_update(batch, ["snippet"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_revision_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="snippet",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="요약문"),
        ),
        migrations.RunPython(fill_snippets, migrations.RunPython.noop, elidable=True),
    ]
