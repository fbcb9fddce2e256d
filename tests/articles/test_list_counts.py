"""List pages count at most LIST_COUNT_CAP articles: the cost of a page stays flat however long
the archive grows, and the page says "…건 이상" when counting stopped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import pagination
from articles.models import Article
from articles.pagination import PageOf, paginate

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(pagination, "LIST_COUNT_CAP", 5)


def test_a_list_longer_than_the_cap_says_more_than(small_cap, client, make_article, section):
    for n in range(8):
        make_article(f"기사 {n}")
    html = client.get(f"/section/{section.slug}/").content.decode()
    assert "기사 5건 이상" in html


def test_a_list_within_the_cap_gives_the_exact_count(small_cap, client, make_article, section):
    for n in range(3):
        make_article(f"기사 {n}")
    html = client.get(f"/section/{section.slug}/").content.decode()
    assert "기사 3건" in html and "이상" not in html.split("list-page__count", 1)[1][:80]


def test_the_count_reads_no_more_than_cap_plus_one_rows(small_cap, make_article):
    for n in range(8):
        make_article(f"기사 {n}")
    with CaptureQueriesContext(connection) as queries:
        page = paginate(Article.objects.published().for_listing(), 1, ids_first=True)
    assert page.count == 6
    count_sql = next(q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper())
    assert "LIMIT 6" in count_sql


def test_thousands_are_written_with_a_comma():
    page = PageOf(articles=[], number=1, num_pages=70, count=1234, count_cap=10_000)
    assert page.count_label == "1,234건"
    capped = PageOf(articles=[], number=1, num_pages=501, count=10_001, count_cap=10_000)
    assert capped.count_label == "10,000건 이상"


def test_a_tag_page_counts_to_the_tag_cap(monkeypatch, client, make_article, make_tag):
    monkeypatch.setattr(pagination, "TAG_COUNT_CAP", 2)
    tag = make_tag("임상")
    for n in range(4):
        make_article(f"임상 기사 {n}").tags.add(tag)
    html = client.get(f"/tag/{tag.slug}/").content.decode()
    assert "관련 기사 2건 이상" in html
