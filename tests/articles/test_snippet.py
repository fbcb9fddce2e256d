"""The card's snippet is stored with the article: cards, blocks and feeds never load a body."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.richtext import SNIPPET_STORED_LENGTH

pytestmark = pytest.mark.django_db

LONG_BODY = "".join(f"<p>{n}번째 문단입니다. 의약품 안전 정책이 바뀝니다.</p>" for n in range(60))


def test_the_snippet_is_the_start_of_the_readable_body(make_article):
    article = make_article(body="<p>첫 문단.</p><p>둘째 &amp; 셋째</p>")
    article.refresh_from_db()
    assert article.snippet == "첫 문단. 둘째 & 셋째"
    assert article.summary(5) == "첫 문단.…"


def test_a_long_body_keeps_only_what_a_summary_can_ask_for(make_article):
    article = make_article(body=LONG_BODY)
    article.refresh_from_db()
    assert len(article.snippet) == SNIPPET_STORED_LENGTH + 1
    assert article.summary(300).endswith("…")
    with pytest.raises(ValueError):
        article.summary(SNIPPET_STORED_LENGTH + 1)


def test_a_save_of_the_body_alone_updates_the_snippet(make_article):
    article = make_article(body="<p>예전 본문</p>")
    article.body = "<p>고친 본문</p>"
    article.save(update_fields=["body"])
    assert Article.objects.get(pk=article.pk).snippet == "고친 본문"


def test_a_save_without_the_body_leaves_the_snippet(make_article):
    article = make_article(body="<p>본문</p>")
    Article.objects.filter(pk=article.pk).update(snippet="그대로")
    article = Article.objects.get(pk=article.pk)
    article.title = "새 제목"
    article.save(update_fields=["title"])
    assert Article.objects.get(pk=article.pk).snippet == "그대로"


@pytest.mark.parametrize("url", ["/", "/news/", "/rss/"])
def test_cards_and_feeds_never_load_a_body(client, make_article, url):
    for _ in range(3):
        make_article(body=LONG_BODY)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert "1번째 문단입니다" in response.content.decode()
    article_reads = [q["sql"] for q in captured if 'FROM "articles_article"' in q["sql"]]
    assert article_reads
    assert not any('"articles_article"."body"' in sql for sql in article_reads)


def test_the_migration_fills_existing_articles_snippets(make_article):
    article = make_article(body="<p>옛 기사</p>")
    Article.objects.filter(pk=article.pk).update(snippet="")
    migration = importlib.import_module("articles.migrations.0017_article_snippet")
    migration.fill_snippets(django_apps, None)
    assert Article.objects.get(pk=article.pk).snippet == "옛 기사"
