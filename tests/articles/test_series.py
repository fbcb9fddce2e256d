"""기획·연재 (issue 17): the desk groups articles into a series; the article page shows its
place ("연재 3/7") with the previous and next parts; a series page lists them, first part first."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Series
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER
from tests.factories import publish, staff_user
from tests.security.htmlcheck import XSS_VECTORS as VECTORS
from tests.security.htmlcheck import executable_parts
from tests.user_agents import BROWSER

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    return Series.objects.create(
        title="지역 필수의료, 무너지는 현장을 가다", description="현장을 찾아가는 기획 연재."
    )


def parts(series, count=3):
    """`count` published parts, the first the oldest."""
    return [
        publish(f"{number}편 제목", ago=timedelta(hours=count - number + 1), series=series)
        for number in range(1, count + 1)
    ]


def test_the_article_page_shows_its_place_and_the_neighbouring_parts(client, series):
    first, second, third = parts(series)
    html = client.get(second.get_absolute_url()).content.decode()
    assert "연재 2/3" in html
    assert f'href="{series.get_absolute_url()}"' in html
    label = '<span class="series-nav__label">{}</span> {}편 제목</a>'
    assert f'<a href="{first.get_absolute_url()}" rel="prev">' + label.format("이전 편", 1) in html
    assert f'<a href="{third.get_absolute_url()}" rel="next">' + label.format("다음 편", 3) in html
    first_html = client.get(first.get_absolute_url()).content.decode()
    assert "연재 1/3" in first_html and "첫 편입니다" in first_html
    assert "최신 편입니다" in client.get(third.get_absolute_url()).content.decode()


def test_unpublished_and_scheduled_parts_are_neither_counted_nor_linked(client, series):
    _, second = parts(series, 2)
    Article.objects.create(title="초고 편", body="<p>x</p>", series=series)
    publish("예약된 편", ago=-timedelta(hours=3), series=series)
    html = client.get(second.get_absolute_url()).content.decode()
    assert "연재 2/2" in html and "초고 편" not in html and "예약된 편" not in html


def test_an_article_outside_a_series_shows_no_series_box(client):
    html = client.get(publish("단독 기사").get_absolute_url()).content.decode()
    assert "series-nav" not in html and "연재 " not in html


def test_the_series_page_lists_its_parts_first_part_first(client, series):
    parts(series)
    publish("다른 기사")
    response = client.get(series.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<h1 class="list-page__title" id="list-heading">지역 필수의료, 무너지는 현장을 가다</h1>'
        in html
    )
    assert "현장을 찾아가는 기획 연재." in html and "모두 3건" in html
    assert html.index("1편 제목") < html.index("2편 제목") < html.index("3편 제목")
    assert "다른 기사" not in html.split('id="list-heading"')[1].split("</section>")[0]


@pytest.mark.parametrize("url", ["/series/999/", "/series/abc/", "/series/1/?page=99"])
def test_a_missing_series_or_page_is_a_404(client, series, url):
    parts(series, 1)
    assert client.get(url).status_code == 404


def test_a_new_part_shows_at_once_on_the_cached_pages(client, series):
    _, second = parts(series, 2)
    client.get(second.get_absolute_url(), **BROWSER)
    client.get(series.get_absolute_url(), **BROWSER)
    publish("3편 제목", ago=timedelta(minutes=1), series=series)
    assert "연재 2/3" in client.get(second.get_absolute_url(), **BROWSER).content.decode()
    assert "3편 제목" in client.get(series.get_absolute_url(), **BROWSER).content.decode()


def test_a_renamed_series_shows_at_once(client, series):
    (first,) = parts(series, 1)
    client.get(first.get_absolute_url(), **BROWSER)
    series.title = "새 연재 제목"
    series.save()
    assert "새 연재 제목" in client.get(first.get_absolute_url(), **BROWSER).content.decode()


def test_the_pages_stay_within_their_query_ceilings(client, series, django_assert_max_num_queries):
    parts(series, 5)
    middle = Article.objects.get(title="3편 제목")
    with django_assert_max_num_queries(10):
        assert client.get(series.get_absolute_url()).status_code == 200
    plain = publish("연재 아닌 기사")
    other = publish("연재 아닌 기사 2")
    client.get(other.get_absolute_url())  # what every article page shares is cached now
    with CaptureQueriesContext(connection) as without_series:
        client.get(plain.get_absolute_url())
    with CaptureQueriesContext(connection) as with_series:
        assert "연재 3/5" in client.get(middle.get_absolute_url()).content.decode()
    # The series (joined to the article) and its parts: one query more, cached per generation.
    assert len(with_series) <= len(without_series) + 1


def test_the_desk_creates_a_series_and_a_reporter_puts_an_article_in_it(client):
    client.force_login(staff_user("desk", role=DESK))
    response = client.post(
        "/admin/articles/series/add/", {"title": "의약품 품절 대란", "description": "연속 기획"}
    )
    assert response.status_code == 302
    assert Series.objects.get().title == "의약품 품절 대란"
    assert client.get("/admin/articles/series/").status_code == 200


@pytest.mark.parametrize("role", [REPORTER, AD_MANAGER])
def test_other_roles_cannot_create_or_change_a_series(client, series, role):
    client.force_login(staff_user("someone", role=role))
    assert client.post("/admin/articles/series/add/", {"title": "x"}).status_code == 403
    url = f"/admin/articles/series/{series.pk}/change/"
    assert client.post(url, {"title": "바뀐 제목"}).status_code == 403
    series.refresh_from_db()
    assert series.title == "지역 필수의료, 무너지는 현장을 가다"


def test_the_xss_corpus_through_title_and_description_leaves_nothing_executable(client, series):
    (part,) = parts(series, 1)
    problems = []
    for vector in VECTORS:
        Series.objects.filter(pk=series.pk).update(title=vector[:100], description=vector[:500])
        for url in (series.get_absolute_url(), part.get_absolute_url()):
            from newsroom.pagecache.generation import bump_generation

            bump_generation()
            html = client.get(url).content.decode()
            problems += [f"{url} {vector!r}: {p}" for p in executable_parts(html)]
    assert not problems, "\n".join(problems)


def test_the_demo_fills_a_series(client):
    from articles import demo

    demo.load()
    series = Series.objects.get()
    assert series.articles.count() == 4
    html = client.get(series.get_absolute_url()).content.decode()
    assert "모두 4건" in html


def test_the_series_index_lists_series_with_published_parts_latest_first(client, series):
    parts(series, 2)
    older = Series.objects.create(title="의약품 품절 대란")
    publish("품절 1편", ago=timedelta(days=3), series=older)
    Series.objects.create(title="아직 빈 연재")
    html = client.get("/series/").content.decode()
    assert html.index("지역 필수의료") < html.index("의약품 품절 대란")
    assert "아직 빈 연재" not in html
    assert "2편 · 최근" in html and "1편 · 최근" in html
    # Every page links it from the top bar.
    assert '<a href="/series/">기획·연재</a>' in client.get("/").content.decode()
