"""Deep list pages pick their ids first (a "deferred join"): the same articles in the same order
as a plain OFFSET, without fetching the skipped rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Section
from articles.pagination import IDS_FIRST_FROM, PAGE_SIZE, paginate

pytestmark = pytest.mark.django_db

DEEP_PAGE = IDS_FIRST_FROM // PAGE_SIZE + 2


@pytest.fixture
def archive(section):
    """Enough articles in `section` for DEEP_PAGE pages, with ties on published_at (the id
    decides), and hidden or other-section articles in between."""
    now = timezone.now()
    other = Section.objects.exclude(pk=section.pk).first()
    rows = []
    for n in range(PAGE_SIZE * (DEEP_PAGE + 1)):
        # Pairs of articles share a publish time.
        at = now - timezone.timedelta(minutes=n // 2 + 1)
        rows.append(
            Article(
                title=f"기사 {n}",
                section=section,
                status=Article.Status.PUBLISHED,
                published_at=at,
            )
        )
        if n % 7 == 0:
            published = Article.Status.PUBLISHED
            rows += [
                Article(title=f"다른 섹션 {n}", section=other, status=published, published_at=at),
                Article(title=f"초고 {n}", section=section, published_at=at),
            ]
    Article.objects.bulk_create(rows)
    return section


def section_list(section):
    return Article.objects.published().for_listing().filter(section_id__in=[section.pk])


def test_a_deep_page_is_the_same_with_ids_first(archive):
    plain = paginate(section_list(archive), DEEP_PAGE)
    ids_first = paginate(section_list(archive), DEEP_PAGE, ids_first=True)
    expected = list(
        Article.objects.published()
        .filter(section=archive)
        .order_by("-published_at", "-id")
        .values_list("title", flat=True)[(DEEP_PAGE - 1) * PAGE_SIZE :][:PAGE_SIZE]
    )
    assert [a.title for a in ids_first.articles] == expected
    assert [a.pk for a in ids_first.articles] == [a.pk for a in plain.articles]
    assert (ids_first.count, ids_first.num_pages) == (plain.count, plain.num_pages)
    # The cards' section and bylines came with the rows.
    assert all(a.section == archive for a in ids_first.articles)


def test_a_deep_page_skips_rows_by_id_only(archive):
    with CaptureQueriesContext(connection) as captured:
        page = paginate(section_list(archive), DEEP_PAGE, ids_first=True)
    offset_queries = [q["sql"] for q in captured if "OFFSET" in q["sql"].upper()]
    assert len(offset_queries) == 1
    selected = offset_queries[0].split("FROM", 1)[0]
    assert "title" not in selected and "body" not in selected
    assert len(page.articles) == PAGE_SIZE


def test_first_pages_read_their_rows_in_one_query(archive, django_assert_num_queries):
    # A page within IDS_FIRST_FROM rows: the count and the rows with their section, bylines.
    with django_assert_num_queries(3):
        paginate(section_list(archive), 2, ids_first=True)


def test_the_deep_section_page_lists_the_right_articles(client, archive):
    html = client.get(f"/section/{archive.slug}/", {"page": DEEP_PAGE}).content.decode()
    first = (DEEP_PAGE - 1) * PAGE_SIZE
    titles = [f"기사 {n}" for n in range(first, first + PAGE_SIZE)]
    # Ties on the publish time are ordered by id, newest (the later created) first.
    for n in range(0, PAGE_SIZE, 2):
        titles[n], titles[n + 1] = titles[n + 1], titles[n]
    positions = [html.index(f">{title}</a>") for title in titles]
    assert positions == sorted(positions)
    assert f">기사 {first - 1}</a>" not in html and f">기사 {first + PAGE_SIZE}</a>" not in html
