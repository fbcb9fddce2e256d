"""Query budgets of the desk's article change list and change form, and no full COUNT(*) of a
big archive at every change-list view."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from articles.models import Article
from articles.pagination import EstimatedCountPaginator
from newsroom.site.roles import DESK, ensure_roles

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/articles/article/"


@pytest.fixture
def desk(client):
    ensure_roles()
    user = get_user_model().objects.create_user("desk.park", password="pw-tests", is_staff=True)
    user.groups.add(Group.objects.get(name=DESK))
    client.force_login(user)
    return client


@pytest.fixture
def archive(make_article, make_reporter, make_tag):
    reporters = [make_reporter(f"기자{n}") for n in range(3)]
    tags = [make_tag(f"태그{n}") for n in range(3)]
    articles = [
        make_article(f"의료 기사 {n}", reporters=reporters[: n % 3 + 1], tags=tags[: n % 3 + 1])
        for n in range(40)
    ]
    for article in articles[:5]:
        article.related.set(articles[10:14])
    return articles


def count_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]


def test_change_list_stays_within_its_query_budget_filtered_or_not(
    desk, archive, django_assert_max_num_queries
):
    section = archive[0].section_id
    for params in ({}, {"status__exact": "published"}, {"section__id__exact": section}):
        with django_assert_max_num_queries(12):
            assert desk.get(LIST_URL, params).status_code == 200


def test_a_filtered_change_list_counts_once_not_the_whole_table_again(
    desk, archive, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as captured:
        response = desk.get(LIST_URL, {"q": "의료", "status__exact": "published"})
    assert response.status_code == 200
    counts = count_queries(captured)
    assert len(counts) == 1, counts
    assert "WHERE" in counts[0].upper()


def test_desk_search_finds_words_inside_longer_words(desk, archive, make_article):
    make_article("대한약사회 성명", body="<p>약가 인하에 반대</p>")
    html = desk.get(LIST_URL, {"q": "약사"}).content.decode()
    assert "대한약사회 성명" in html
    assert "의료 기사 1<" not in html


def test_change_form_stays_within_its_query_budget(desk, archive, django_assert_max_num_queries):
    article = archive[0]
    with django_assert_max_num_queries(30):
        response = desk.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    # Related articles, tags and reporters are autocomplete widgets: only the chosen ones are
    # rendered as options, never the whole archive.
    assert html.count("<option") < 40


def test_change_form_query_budget_does_not_grow_with_the_archive(
    desk, archive, make_article, django_assert_max_num_queries
):
    for n in range(40):
        make_article(f"추가 기사 {n}")
    with django_assert_max_num_queries(30):
        response = desk.get(f"/admin/articles/article/{archive[0].pk}/change/")
    assert response.status_code == 200


def test_unfiltered_total_of_a_small_table_is_counted_exactly(archive):
    assert EstimatedCountPaginator(Article.objects.all(), 50).count == len(archive)


@pytest.mark.postgres
def test_postgres_change_list_of_a_big_archive_uses_the_estimate_not_count(
    desk, archive, monkeypatch, django_assert_max_num_queries
):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_FROM", 10)
    with django_assert_max_num_queries(12) as captured:
        response = desk.get(LIST_URL)
    assert response.status_code == 200
    assert count_queries(captured) == []
    assert any("reltuples" in q["sql"] for q in captured)
    # Filtered: exact.
    assert EstimatedCountPaginator(Article.objects.filter(title__contains="1"), 50).count == 13
