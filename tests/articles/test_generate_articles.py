import pytest
from django.core.management import CommandError, call_command

from articles.bigrams import search_document
from articles.models import Article
from articles.richtext import sanitize_html
from articles.scale import SENTENCES, article_texts, generated_article

pytestmark = pytest.mark.django_db


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


def test_generate_articles_rejects_a_negative_total():
    with pytest.raises(CommandError):
        call_command("generate_articles", "-1")
