"""The blocks every page shares are fragment caches (`cached_fragment()`, `{% fragment %}`): kept
as HTML also with the page cache off (PAGE_CACHE_SECONDS=0), under the same scope-versioned keys
as the page cache, so an article page that is not cached costs its own article's queries only, and
a change shows at once in every fragment that shows it."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Section, Series, Tag
from banners import services as banner_services
from banners.models import Banner, BannerStat
from newsroom.pagecache.generation import bump_generation
from tests.articles.conftest import library_photo
from tests.banners.conftest import placed_banner
from tests.factories import publish
from tests.user_agents import BROWSER

pytestmark = pytest.mark.django_db

# An article page whose shared blocks are kept: the article (with its lead photo, and its
# reporters, tags and related ids in the same row; its section and series from the kept copy of
# every section and series), its related articles, and the view count (written at once in the
# tests; batched per worker on the site).
ARTICLE_OWN_QUERIES = 3


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 300


def get(client, url):
    response = client.get(url, **BROWSER)
    assert response.status_code == 200, url
    return response


def text_of(client, url) -> str:
    return get(client, url).content.decode()


def templates_of(response) -> set[str]:
    return {template.name for template in response.templates}


def other_section(article) -> Section:
    return Section.objects.filter(parent=None, on_home=True).exclude(pk=article.section_id).first()


@pytest.fixture
def article():
    related = publish("관련 보도", ago=timedelta(hours=3))
    article = publish("지역수가 시범사업 착수", ago=timedelta(hours=2))
    article.tags.add(Tag.objects.create(name="지역수가", slug="지역수가"))
    article.related.add(related)
    return article


def test_a_second_article_page_reads_only_its_own_article(
    client, article, django_assert_max_num_queries
):
    url = article.get_absolute_url()
    get(client, url)  # the shared blocks are kept from here on
    with django_assert_max_num_queries(ARTICLE_OWN_QUERIES) as captured:
        html = text_of(client, url)
    assert "지역수가 시범사업 착수" in html and "관련 보도" in html
    # No shared block asked: every query is about this article.
    own = re.compile(rf"(= |IN \(){article.pk}\b")
    assert all(own.search(query["sql"]) for query in captured.captured_queries)


def test_an_article_without_related_ones_reads_its_sections_newest_from_the_kept_list(
    client, django_assert_max_num_queries
):
    neighbour = publish("같은 분야 기사", ago=timedelta(hours=3))
    first = publish("첫째 기사", ago=timedelta(hours=2))
    second = publish("둘째 기사", ago=timedelta(hours=1))
    get(client, first.get_absolute_url())
    with django_assert_max_num_queries(ARTICLE_OWN_QUERIES):
        html = text_of(client, second.get_absolute_url())
    related = html[html.index('<section class="related"') :]
    related = related[: related.index("</section>")]
    # The section's newest, the article itself left out.
    assert f'href="/news/{neighbour.pk}/"' in related and "첫째 기사" in related
    assert "둘째 기사" not in related


def test_articles_outside_their_sections_newest_share_one_kept_related_box(client):
    old = [publish(f"지난 기사 {n}", ago=timedelta(days=2, hours=n)) for n in range(2)]
    for n in range(7):
        publish(f"최근 기사 {n}", ago=timedelta(hours=n + 1))
    first = get(client, old[0].get_absolute_url())
    assert "includes/_related.html" in templates_of(first)
    second = get(client, old[1].get_absolute_url())
    assert "includes/_related.html" not in templates_of(second)  # the box, kept as HTML
    boxes = [
        html[html.index('<section class="related"') :].split("</section>")[0]
        for html in (first.content.decode(), second.content.decode())
    ]
    assert boxes[0] == boxes[1] and boxes[0].count('<li class="related__item">') == 6
    assert "최근 기사 0" in boxes[0] and "최근 기사 6" not in boxes[0]


def test_the_kept_same_section_list_brings_its_thumbnails(
    client, media_root, django_assert_max_num_queries
):
    neighbour = publish("사진 있는 기사", ago=timedelta(hours=3), lead_photo=library_photo())
    first = publish("첫째 기사", ago=timedelta(hours=2))
    second = publish("둘째 기사", ago=timedelta(hours=1))
    get(client, first.get_absolute_url())
    # The second article has no photo and no related ones: its own row and the view count,
    # no picture read for the section's newest.
    with django_assert_max_num_queries(2) as captured:
        html = text_of(client, second.get_absolute_url())
    # (The article row names the renditions in a subquery of its own: LeadRenditions.)
    assert not any(
        'FROM "articles_photorendition"' in query["sql"] for query in captured.captured_queries
    )
    related = html[html.index('<section class="related"') :]
    related = related[: related.index("</section>")]
    thumb = neighbour.lead_photo.renditions.get(spec="thumb")
    assert f'<img src="{thumb.url}"' in related


def test_a_second_home_page_reads_no_article(client, article, django_assert_max_num_queries):
    get(client, "/")
    with django_assert_max_num_queries(0):
        html = text_of(client, "/")
    assert "지역수가 시범사업 착수" in html


def test_an_edit_shows_at_once_in_every_fragment_that_lists_the_article(client, article):
    Article.objects.filter(pk=article.pk).update(view_count=50)  # in 많이 본 뉴스
    bump_generation()
    elsewhere = publish("다른 분야 기사", ago=timedelta(hours=5), section=other_section(article))
    pages = ["/", elsewhere.get_absolute_url()]  # home: headlines, latest, blocks; side column
    for url in pages:
        text_of(client, url)
        assert text_of(client, url).count("지역수가 시범사업 착수") >= 2, url  # kept, and shown
    article.title = "지역수가 시범사업 확대"
    article.save()
    for url in pages:
        html = text_of(client, url)
        assert "지역수가 시범사업 착수" not in html, url
        assert html.count("지역수가 시범사업 확대") >= 2, url


def test_a_section_rename_shows_at_once_in_the_menu_and_the_home_blocks(client, article):
    urls = ["/", article.get_absolute_url(), "/news/"]
    for url in urls:
        text_of(client, url)
    section = article.section
    old_name = section.name
    section.name = "보건행정"
    section.save()
    for url in urls:
        html = text_of(client, url)
        assert f'href="/section/{section.slug}/">보건행정</a>' in html, url  # the menu
        assert f">{old_name}</a>" not in html, url
    assert '<a href="/section/policy/">보건행정</a></h2>' in text_of(client, "/")  # its block


def breadcrumb_of(html: str) -> str:
    crumbs = html[html.index('<nav class="breadcrumb"') :]
    return crumbs[: crumbs.index("</nav>")]


@pytest.mark.parametrize("page_cache_seconds", [0, 300])
def test_the_article_pages_section_and_series_are_kept_and_follow_a_rename(
    client, settings, django_assert_max_num_queries, page_cache_seconds
):
    settings.PAGE_CACHE_SECONDS = page_cache_seconds
    bump_generation()
    parent = Section.objects.get(slug="policy")
    child = Section.objects.create(name="국회", slug="assembly", parent=parent)
    series = Series.objects.create(title="지역의료 연속 기획")
    first = publish("연재 1회", ago=timedelta(hours=2), section=child, series=series)
    second = publish("연재 2회", ago=timedelta(hours=1), section=child, series=series)
    get(client, first.get_absolute_url())  # every section and series kept from here on
    # The article and the view count: its section, its series and the series' parts are kept.
    with django_assert_max_num_queries(2) as captured:
        html = text_of(client, second.get_absolute_url())
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert '"articles_section"' not in tables and '"articles_series"' not in tables
    crumbs = breadcrumb_of(html)
    assert (
        '<a href="/section/policy/">' in crumbs
        and '<a href="/section/assembly/">국회</a>' in crumbs
    )
    assert "지역의료 연속 기획" in html and "연재 2/2" in html
    parent.name = "보건행정"
    parent.save()
    series.title = "지역의료 기획"
    series.save()
    html = text_of(client, second.get_absolute_url())
    assert '<a href="/section/policy/">보건행정</a>' in breadcrumb_of(html)
    assert "지역의료 기획" in html and "지역의료 연속 기획" not in html


def test_an_article_edit_leaves_the_menu_and_the_footer_in_place(client, article):
    url = article.get_absolute_url()
    assert {"includes/_section_nav.html", "includes/_footer.html"} <= templates_of(get(client, url))
    article.title = "지역수가 시범사업 확대"
    article.save()
    publish("새로 게재한 기사", ago=timedelta(minutes=1))
    response = get(client, url)
    assert "지역수가 시범사업 확대" in response.content.decode()
    assert not {"includes/_section_nav.html", "includes/_footer.html"} & templates_of(response)


def test_a_draft_saved_again_leaves_the_home_page_fragment_in_place(client, article):
    draft = Article.objects.create(
        title="초안", status=Article.Status.DRAFT, section=article.section, body="<p>초안</p>"
    )
    assert "includes/_section_block.html" in templates_of(get(client, "/"))
    draft.title = "고쳐 쓴 초안"
    draft.save()
    response = get(client, "/")
    assert "includes/_section_block.html" not in templates_of(response)
    assert "지역수가 시범사업 착수" in response.content.decode()


def test_a_scheduled_article_appears_in_the_home_page_fragment_when_its_time_comes(client):
    publish("지난 기사")
    # Sooner than FRAGMENT_CACHE_SECONDS: the kept fragment itself has not expired by then.
    due = timezone.now() + timedelta(minutes=2)
    publish("예약 기사", published_at=due)
    text_of(client, "/")
    assert "예약 기사" not in text_of(client, "/")
    with time_machine.travel(due + timedelta(seconds=2), tick=False):
        assert "예약 기사" in text_of(client, "/")


def place_banner(name: str, slot: str) -> Banner:
    return placed_banner(name, slot, (728, 90))


@pytest.mark.parametrize("page_cache_seconds", [0, 300])
def test_banners_inside_a_kept_fragment_are_drawn_and_counted_per_request(
    client, article, settings, page_cache_seconds
):
    settings.PAGE_CACHE_SECONDS = page_cache_seconds
    bump_generation()
    inside_home = place_banner("홈 중간", "home-between-1")
    inside_footer = place_banner("바닥", "footer")
    for _ in range(3):
        html = text_of(client, "/")
        assert 'alt="홈 중간 광고"' in html and 'alt="바닥 광고"' in html
        assert "<!--live:" not in html
    banner_services.flush_stats()
    for banner in (inside_home, inside_footer):
        assert BannerStat.objects.get(banner=banner).impressions == 3


def test_with_zero_fragment_seconds_every_block_is_rendered_every_time(client, article, settings):
    settings.FRAGMENT_CACHE_SECONDS = 0
    get(client, "/")
    with CaptureQueriesContext(connection) as queries:
        response = get(client, "/")
    assert {"includes/_section_nav.html", "includes/_section_block.html"} <= templates_of(response)
    assert queries.captured_queries
