import io
import threading
import time

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from articles.bigrams import search_document
from articles.management.commands import generate_articles
from articles.models import Article
from articles.richtext import sanitize_html
from articles.scale import SENTENCES, article_texts, generated_article

pytestmark = pytest.mark.django_db


def generate(*args):
    """Run the command quietly; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_articles", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored_document(article) -> str:
    text = Article.objects.values_list("search_document", flat=True).get(pk=article.pk)
    # PostgreSQL prints a tsvector with quotes around each lexeme; SQLite keeps our text.
    return text.replace("'", "")


def test_generate_articles_tops_up_to_the_total_and_is_safe_to_run_twice():
    call_command("generate_articles", "30", "--batch-size", "7")
    assert Article.objects.published().count() == 30
    call_command("generate_articles", "30")
    assert Article.objects.count() == 30
    call_command("generate_articles", "45")
    assert Article.objects.count() == 45


def test_generated_articles_have_sections_reporters_tags_and_spread_dates():
    call_command("generate_articles", "40")
    articles = Article.objects.prefetch_related("reporters", "tags")
    assert all(a.section_id and a.reporters.all() and a.tags.all() for a in articles)
    dates = sorted(a.published_at for a in articles)
    assert (dates[-1] - dates[0]).days > 300  # spread over years, not one day
    assert len({a.section_id for a in articles}) == 8


def test_generated_text_is_korean_and_deterministic():
    title, subtitle, body = article_texts(7)
    assert (title, subtitle, body) == article_texts(7)
    assert any("가" <= ch <= "힣" for ch in title)
    assert len(body) > 400


@pytest.mark.parametrize("first", [0, 5_000, 999_900])
def test_generated_search_document_is_exactly_the_one_of_the_texts(first):
    """The index is put together from each piece's bigrams, never by parsing the body: it must
    be what the model would store for the same texts, and the body what the sanitizer keeps."""
    for number in range(first, first + 100):
        title, subtitle, body, document = generated_article(number)
        assert document == search_document(title, subtitle, body)
        assert sanitize_html(body) == body
    # What makes the union exact: no word runs from one sentence into the next.
    assert all(not sentence[-1].isalnum() for sentence in SENTENCES)


def test_generated_rows_are_what_the_model_would_store():
    """COPY on PostgreSQL and bulk_create on SQLite write what Article.save() would: the search
    document of the texts, sanitized bodies, the defaults and insert times of the other fields."""
    before = timezone.now()
    out, err = generate(12, "--batch-size", 5)
    blank = Article()
    articles = list(Article.objects.prefetch_related("reporters__user", "tags"))
    assert len(articles) == 12
    for article in articles:
        assert stored_document(article) == article.build_search_document()
        assert sanitize_html(article.body) == article.body
        assert article.is_public()
        assert before <= article.created_at <= article.updated_at <= timezone.now()
        for name in ("lead_photo_id", "lead_photo_caption", "version"):
            assert getattr(article, name) == getattr(blank, name)
        assert (article.is_headline, article.created_by_id) == (False, None)
        assert [r.user.username for r in article.reporters.all()] == ["archive-generator"]
        assert len(article.tags.all()) == 1
    assert len({a.view_count for a in articles}) == 12
    assert "생성 기사 12건을 추가했습니다 (합계 12건" in out
    assert "12/12" in err  # the progress bar is on stderr, the summary alone on stdout
    assert "이미 12건" in generate(12)[0]


def test_a_rerun_extends_the_archive_backwards():
    generate(10)
    first = set(Article.objects.values_list("published_at", flat=True))
    generate(20)
    added = set(Article.objects.values_list("published_at", flat=True)) - first
    assert len(added) == 10 and max(added) < min(first)


@pytest.mark.parametrize(
    "args", [["-1"], ["5", "--batch-size", "0"], ["5", "--years", "0"]], ids=str
)
def test_generate_articles_rejects_bad_input_with_a_clear_message(args):
    with pytest.raises(CommandError, match="이상이어야 합니다"):
        call_command("generate_articles", *args)
    assert not Article.objects.exists()


INDEX = generate_articles.SEARCH_INDEX


def search_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [INDEX])
        return cursor.fetchone() is not None


def advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_postgres_large_load_builds_the_search_index_once_at_the_end(monkeypatch):
    monkeypatch.setattr(generate_articles, "REINDEX_FROM", 10)
    seen = []
    copy_batch = generate_articles.Command._copy_batch

    def watched(self, *args):
        seen.append(search_index_exists())
        copy_batch(self, *args)

    monkeypatch.setattr(generate_articles.Command, "_copy_batch", watched)
    generate(30, "--batch-size", 8)
    assert seen == [False] * 4 and search_index_exists()
    # A small top-up of a bigger table keeps the index up to date instead.
    generate(35, "--batch-size", 8)
    assert seen[4:] == [True] and search_index_exists()
    assert Article.objects.count() == 35


@pytest.mark.postgres
def test_postgres_failed_load_keeps_its_batches_and_the_search_index(monkeypatch):
    monkeypatch.setattr(generate_articles, "REINDEX_FROM", 10)
    copy_batch = generate_articles.Command._copy_batch
    calls = []

    def failing(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        copy_batch(self, *args)

    monkeypatch.setattr(generate_articles.Command, "_copy_batch", failing)
    with pytest.raises(RuntimeError):
        generate(30, "--batch-size", 8)
    assert search_index_exists()
    assert advisory_locks_held() == 0
    assert Article.objects.count() == 8  # the first batch, whole
    monkeypatch.setattr(generate_articles.Command, "_copy_batch", copy_batch)
    generate(30, "--batch-size", 8)
    assert Article.objects.count() == 30


@pytest.mark.postgres
def test_postgres_next_run_rebuilds_a_search_index_a_killed_run_left_dropped():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {INDEX}")
    generate(0)
    assert search_index_exists()


@pytest.mark.postgres
def test_postgres_a_second_run_waits_for_the_first():
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
        port=settings["PORT"], password=settings["PASSWORD"], autocommit=True,
    )  # fmt: skip
    with other:
        taken = other.execute("SELECT pg_try_advisory_lock(%s)", [generate_articles.LOCK_KEY])
        assert taken.fetchone()[0]
        release = threading.Timer(
            0.5, other.execute, ["SELECT pg_advisory_unlock(%s)", [generate_articles.LOCK_KEY]]
        )
        started = time.monotonic()
        release.start()
        out, err = generate(3)
        waited = time.monotonic() - started
        release.join()
    assert "기다립니다" in err and waited >= 0.5
    assert "3건을 추가했습니다" in out


def test_generated_bodies_have_a_news_articles_length():
    """The benchmarks measure articles of realistic length: 2,000+ syllables of body."""
    import re

    from articles.richtext import plain_text
    from articles.scale import generated_article

    syllables = [
        len(re.findall(r"[\uac00-\ud7a3]", plain_text(generated_article(number).body)))
        for number in range(300)
    ]
    assert min(syllables) >= 2000
