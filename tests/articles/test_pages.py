import json
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from articles.models import Article, Section, Series, Tag
from articles.templatetags.reader_tags import most_read
from articles.views import render_article
from newsroom.pagecache.generation import generation
from newsroom.timezones import KST
from tests.user_agents import NOT_READERS

# Rendered live on every page with a cold cache: the banner slots (one query for all slots),
# the weather ticker (one query) and the 속보 banner (one query).
LIVE_PARTS = 3

pytestmark = pytest.mark.django_db

HIDDEN_STATES = [
    pytest.param({"status": Article.Status.DRAFT}, id="draft"),
    pytest.param({"status": Article.Status.SUBMITTED}, id="submitted"),
    pytest.param({"status": Article.Status.WITHDRAWN}, id="withdrawn"),
    pytest.param({"status": Article.Status.PUBLISHED, "ago": timedelta(hours=-3)}, id="scheduled"),
]


def html_of(response) -> str:
    return response.content.decode()


def main_column(html: str) -> str:
    """The page's main column, without the sidebar's most-read list."""
    return html.split('class="columns__main', 1)[1].split("<aside", 1)[0]


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


# --- Home -------------------------------------------------------------------------------------


def test_home_shows_headlines_in_desk_order_then_latest_articles(client, make_article):
    second = make_article("두 번째 헤드라인", is_headline=True, headline_order=2)
    first = make_article(
        "첫 번째 헤드라인", is_headline=True, headline_order=1, ago=timedelta(days=2)
    )
    latest = make_article("방금 나온 기사", ago=timedelta(minutes=5))
    html = html_of(client.get("/"))
    headlines = html.split('class="headlines"', 1)[1].split('class="columns"', 1)[0]
    assert headlines.index(first.title) < headlines.index(second.title)
    latest_block = html.split('id="latest-heading"', 1)[1]
    assert latest.title in latest_block.split("</section>", 1)[0]


def test_home_has_a_block_per_section_with_newest_articles_and_a_more_link(client, make_article):
    make_article("데스크 헤드라인", is_headline=True, section=Section.objects.get(slug="etc"))
    for slug in ("policy", "pharma", "hospital"):
        section = Section.objects.get(slug=slug)
        make_article(f"{section.name} 옛 기사", section=section, ago=timedelta(days=3))
        make_article(
            f"{section.name} 새 기사",
            section=section,
            body="<p>첫 문단입니다.</p><p>둘째 문단입니다.</p>",
        )
    html = html_of(client.get("/"))
    for slug, name in (("policy", "행정"), ("pharma", "제약ㆍ약사"), ("hospital", "의료·병원")):
        block = html.split(f'id="block-{slug}"', 1)[1].split("</section>", 1)[0]
        assert f"{name} 새 기사" in block
        assert block.index(f"{name} 새 기사") < block.index(f"{name} 옛 기사")
        assert f'href="/section/{slug}/"' in block and "더보기" in block
    # The snippet is plain text, with a space between paragraphs.
    assert "첫 문단입니다. 둘째 문단입니다." in html


def test_home_blocks_leave_out_sections_without_articles(client, make_article):
    make_article("행정 헤드라인", is_headline=True)
    make_article("행정 기사")
    make_article("제약 기사", section=Section.objects.get(slug="pharma"))
    html = html_of(client.get("/"))
    assert 'id="block-pharma"' in html and 'id="block-policy"' in html
    assert 'id="block-hospital"' not in html and 'id="block-people"' not in html


def test_home_most_read_ranks_recent_articles_by_views(client, make_article):
    make_article("조회 적은 기사", view_count=3)
    make_article("조회 많은 기사", view_count=300)
    make_article("오래된 인기 기사", view_count=9000, ago=timedelta(days=30))
    html = html_of(client.get("/"))
    box = html.split('id="most-read-heading"', 1)[1].split("</section>", 1)[0]
    assert box.index("조회 많은 기사") < box.index("조회 적은 기사")
    assert "오래된 인기 기사" not in box


def test_most_read_box_renders_without_more_queries(make_article, django_assert_num_queries):
    articles = [make_article(f"인기 기사 {n}", view_count=n) for n in range(3)]
    context = {"most_read": most_read()}
    with django_assert_num_queries(0):
        box = render_to_string("includes/_most_read.html", context)
    for article in articles:
        assert f'<a href="{article.get_absolute_url()}">{article.title}</a>' in box


def test_the_most_read_box_is_one_query_then_comes_from_the_cache(
    make_article, django_assert_num_queries
):
    make_article("인기 기사", view_count=5)
    generation()  # the content generation exists, as it does after any page
    box = Template("{% load reader_tags %}{% most_read_box %}")
    with django_assert_num_queries(1):
        first = box.render(Context())
    with django_assert_num_queries(0):
        again = box.render(Context())
    assert again == first
    assert first == render_to_string("includes/_most_read.html", {"most_read": most_read()})
    assert "인기 기사" in first


def test_home_runs_a_fixed_number_of_queries_however_many_articles(
    client, make_article, make_reporter, make_tag, django_assert_max_num_queries
):
    reporters = [make_reporter() for _ in range(3)]
    tags = [make_tag(f"태그{n}") for n in range(5)]
    for section in Section.objects.all():
        for n in range(6):
            make_article(
                section=section,
                reporters=reporters[: n % 3 + 1],
                tags=tags[: n % 5 + 1],
                is_headline=n == 0,
                image=n == 0 and section.slug == "policy",
            )
    with django_assert_max_num_queries(8 + LIVE_PARTS):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(1):  # warm cache: the generation is cached too
        assert client.get("/").status_code == 200


# --- Sections, reporters, tags --------------------------------------------------------------


def test_section_page_lists_newest_first_with_page_numbers(client, make_article, settings):
    articles = [make_article(f"행정 기사 {n:02d}", ago=timedelta(hours=n)) for n in range(45)]
    first = html_of(client.get("/section/policy/"))
    assert first.index("행정 기사 00") < first.index("행정 기사 01")
    assert "행정 기사 25" not in first
    assert 'href="?page=2"' in first and 'href="?page=3"' in first
    third = client.get("/section/policy/?page=3")
    assert third.status_code == 200
    assert articles[44].title in html_of(third)
    assert '<link rel="canonical" href="http://127.0.0.1:8000/section/policy/?page=3">' in (
        html_of(third).replace(settings.SITE_URL, "http://127.0.0.1:8000")
    )


@pytest.mark.parametrize(
    "url",
    [
        "/section/nope/",
        "/section/policy/?page=99",
        "/section/policy/?page=abc",
        "/section/policy/?page=0",
    ],
)
def test_unknown_section_or_page_out_of_range_is_the_404_page(client, make_article, url):
    make_article()
    response = client.get(url)
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in html_of(response)


def test_section_page_marks_its_section_in_the_navigation(client, make_article):
    make_article()
    html = html_of(client.get("/section/policy/"))
    assert 'href="/section/policy/" aria-current="page"' in html


def test_reporter_page_lists_that_reporters_articles(client, make_article, make_reporter):
    kim, lee = make_reporter("김기자"), make_reporter("이기자")
    make_article("김기자의 기사", reporters=[kim])
    make_article("이기자의 기사", reporters=[lee])
    html = main_column(html_of(client.get(kim.get_absolute_url())))
    assert "김기자 기자" in html and kim.email in html
    assert "김기자의 기사" in html and "이기자의 기사" not in html
    assert client.get("/reporter/999999/").status_code == 404


def test_tag_page_lists_the_tagged_articles(client, make_article, make_tag):
    tag = make_tag("필수의료")
    make_article("태그 붙은 기사", tags=[tag])
    make_article("태그 없는 기사")
    assert tag.get_absolute_url() == "/tag/%ED%95%84%EC%88%98%EC%9D%98%EB%A3%8C/"
    html = main_column(html_of(client.get(tag.get_absolute_url())))
    assert "#필수의료" in html and "태그 붙은 기사" in html and "태그 없는 기사" not in html
    assert client.get("/tag/없는태그/").status_code == 404


# --- Article page ---------------------------------------------------------------------------


@pytest.fixture
def full_article(make_article, reporter, make_tag):
    related = make_article("관련된 다른 기사")
    article = make_article(
        "지역수가 시범사업 착수",
        subtitle="분만·소아 우선\n가산율 차등",
        body="<p>보건복지부가 <strong>시범사업</strong>을 시작한다.</p>",
        published_at=datetime(2025, 8, 26, 14, 5, tzinfo=KST),
        reporters=[reporter],
        tags=[make_tag("지역수가")],
        image=True,
    )
    article.related.set([related])
    return article


def test_article_page_shows_everything_a_reader_expects(client, full_article, reporter, browser):
    html = html_of(client.get(full_article.get_absolute_url(), **browser))
    assert '<a href="/section/policy/">행정</a>' in html  # breadcrumb
    assert '<h1 class="article__title" id="article-title">지역수가 시범사업 착수</h1>' in html
    assert "<p>분만·소아 우선</p><p>가산율 차등</p>" in html
    assert f"{reporter.name} 기자" in html and f"mailto:{reporter.email}" in html
    assert "입력 <time" in html and ">2025.08.26 14:05</time>" in html
    assert "사진 설명입니다" in html and "ⓒ 뉴스룸" in html
    assert "<strong>시범사업</strong>" in html
    assert 'href="/tag/%EC%A7%80%EC%97%AD%EC%88%98%EA%B0%80/">#지역수가</a>' in html
    assert "관련된 다른 기사" in html
    assert "무단전재 및 재배포 금지" in html


def test_article_page_has_share_links_print_and_font_buttons_without_outside_scripts(
    client, full_article, browser
):
    html = html_of(client.get(full_article.get_absolute_url(), **browser))
    url = f"{full_article.get_absolute_url()}"
    assert "https://www.facebook.com/sharer/sharer.php?u=" in html
    assert "https://x.com/intent/post?url=" in html
    assert "data-copy-link" in html and "카카오톡" in html
    assert 'data-font-step="1"' in html and "data-print" in html
    assert url in html
    scripts = re.findall(r"<script([^>]*)>", html)
    for attributes in scripts:
        assert 'src="/static/' in attributes or 'type="application/ld+json"' in attributes
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_article_page_has_news_article_json_ld_in_korean_time(
    client, full_article, reporter, browser, settings
):
    html = html_of(client.get(full_article.get_absolute_url(), **browser))
    data = json_ld(html)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "지역수가 시범사업 착수"
    assert data["datePublished"] == "2025-08-26T14:05:00+09:00"
    assert data["dateModified"].endswith("+09:00")
    renditions = {r.spec: r for r in full_article.lead_photo.renditions.all()}
    # The lead photo at 16:9 and as the 1200×630 link preview, both absolute.
    assert data["image"] == [
        f"{settings.SITE_URL}{renditions['w1200'].url}",
        f"{settings.SITE_URL}{renditions['og'].url}",
    ]
    # The person's name: "기자" belongs to the byline text, not to the name.
    assert data["author"][0]["name"] == reporter.name
    assert data["publisher"]["@type"] == "Organization"
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    breadcrumb = json.loads(scripts[1])
    assert breadcrumb["@type"] == "BreadcrumbList"
    assert [item["name"] for item in breadcrumb["itemListElement"]] == ["홈", "행정"]


def test_article_page_has_open_graph_twitter_and_canonical_tags(
    client, full_article, browser, settings
):
    html = html_of(client.get(full_article.get_absolute_url() + "?utm_source=x", **browser))
    canonical = f"{settings.SITE_URL}{full_article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="지역수가 시범사업 착수">' in html
    og = full_article.lead_photo.renditions.get(spec="og")
    assert (og.width, og.height) == (1200, 630)
    assert f'<meta property="og:image" content="{settings.SITE_URL}{og.url}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta property="og:image:height" content="630">' in html
    assert '<meta property="og:image:alt" content="사진 설명입니다">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert "<title>지역수가 시범사업 착수 - " in html
    assert '<meta name="description" content="보건복지부가 시범사업을 시작한다.">' in html


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unpublished_article_is_a_404_for_readers(client, make_article, state, browser):
    article = make_article("숨은 기사", **state)
    assert client.get(article.get_absolute_url(), **browser).status_code == 404
    assert "숨은 기사" not in html_of(client.get("/"))
    assert "숨은 기사" not in html_of(client.get("/section/policy/"))


def test_scheduled_article_is_hidden_until_its_time_even_with_cached_pages(
    client, make_article, browser
):
    publish_at = timezone.now() + timedelta(hours=2)
    article = make_article("예약된 기사", published_at=publish_at)
    assert "예약된 기사" not in html_of(client.get("/"))  # caches the home page's data
    assert client.get(article.get_absolute_url(), **browser).status_code == 404
    with time_machine.travel(publish_at + timedelta(seconds=2), tick=False):
        assert "예약된 기사" in html_of(client.get("/"))
        assert client.get(article.get_absolute_url(), **browser).status_code == 200


def test_withdrawing_an_article_hides_it_at_once(client, make_article, browser):
    article = make_article("곧 내려갈 기사")
    assert client.get(article.get_absolute_url(), **browser).status_code == 200
    article.status = Article.Status.WITHDRAWN
    article.save()
    assert client.get(article.get_absolute_url(), **browser).status_code == 404
    assert "곧 내려갈 기사" not in html_of(client.get("/"))


def test_publishing_or_editing_an_article_shows_up_at_once_on_cached_pages(
    client, make_article, browser
):
    article = make_article("원래 제목")
    draft = make_article("출고 전 기사", status=Article.Status.DRAFT)
    for url in ("/", "/section/policy/", article.get_absolute_url()):
        assert "원래 제목" in html_of(client.get(url, **browser))
    article.title = "고친 제목"
    article.save()
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()
    for url in ("/", "/section/policy/", article.get_absolute_url()):
        html = html_of(client.get(url, **browser))
        assert "고친 제목" in html and "원래 제목" not in html
    assert "출고 전 기사" in html_of(client.get("/"))


def test_article_page_query_ceiling_and_cache(
    client, full_article, browser, django_assert_max_num_queries
):
    # A cold cache: the shared parts too (the page's own share: tests/articles/test_query_ceilings).
    with django_assert_max_num_queries(10 + LIVE_PARTS):
        assert client.get(full_article.get_absolute_url(), **browser).status_code == 200
    # From the cache: the generation is cached, only the view count's UPDATE runs.
    with django_assert_max_num_queries(1):
        assert client.get(full_article.get_absolute_url(), **browser).status_code == 200


@pytest.mark.parametrize(
    "url", ["/section/policy/", "/tag/지역수가/", "/search/?q=시범사업", "/search/?q=의료+사업"]
)
def test_list_pages_query_ceiling(client, full_article, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(8 + LIVE_PARTS):
        assert client.get(url).status_code == 200


def test_reporter_page_query_ceiling(client, full_article, reporter, django_assert_max_num_queries):
    with django_assert_max_num_queries(8 + LIVE_PARTS):
        assert client.get(reporter.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("prefix", ["/", "/paper/"])
def test_article_section_tag_and_reporter_addresses_are_the_url_confs(
    make_article, make_reporter, prefix
):
    article = make_article()
    reporter = make_reporter()
    tags = [Tag(name=slug, slug=slug) for slug in ("약가", "drug-price_2025", "가산 수가", "a&b~c")]
    set_script_prefix(prefix)
    try:
        assert article.get_absolute_url() == reverse("articles:detail", kwargs={"pk": article.pk})
        for section in Section.objects.all():
            expected = reverse("articles:section", kwargs={"slug": section.slug})
            assert section.get_absolute_url() == expected
        for tag in tags:
            assert tag.get_absolute_url() == reverse("articles:tag", kwargs={"slug": tag.slug})
        expected = reverse("articles:reporter", kwargs={"pk": reporter.pk})
        assert reporter.get_absolute_url() == expected
        series = Series(pk=7, title="연재")
        assert series.get_absolute_url() == reverse("articles:series", kwargs={"pk": 7})
    finally:
        set_script_prefix("/")


# --- View counting ----------------------------------------------------------------------------


def test_opening_an_article_counts_one_view_even_from_the_cache(client, make_article, browser):
    article = make_article()
    for _ in range(3):
        client.get(article.get_absolute_url(), **browser)
    article.refresh_from_db()
    assert article.view_count == 3


def test_view_count_is_one_atomic_update_so_no_view_is_lost(client, make_article, browser):
    article = make_article()
    client.get(article.get_absolute_url(), **browser)  # the page's article is now cached
    # Other readers counted meanwhile: the cached copy's number is stale.
    Article.objects.filter(pk=article.pk).update(view_count=100)
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url(), **browser)
    article.refresh_from_db()
    assert article.view_count == 101
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert re.search(r'"view_count" = \("articles_article"\."view_count" \+ ', updates[0])


# Naver's and Daum's crawlers inflated 많이 본 뉴스 before the reader rule was shared.
@pytest.mark.parametrize("agent", NOT_READERS.values(), ids=NOT_READERS.keys())
def test_robots_and_link_previews_are_not_counted(client, make_article, agent):
    article = make_article()
    assert client.get(article.get_absolute_url(), HTTP_USER_AGENT=agent).status_code == 200
    article.refresh_from_db()
    assert article.view_count == 0


def test_browser_prefetch_of_an_article_is_not_counted(client, make_article, browser):
    article = make_article()
    response = client.get(article.get_absolute_url(), HTTP_SEC_PURPOSE="prefetch", **browser)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.view_count == 0


# --- Cache headers and preview ----------------------------------------------------------------


def test_anonymous_pages_send_public_cache_headers(client, full_article, browser):
    for url in ("/", "/section/policy/", full_article.get_absolute_url(), "/search/?q=의료"):
        response = client.get(url, **browser)
        assert "public" in response["Cache-Control"], url
        assert "max-age=60" in response["Cache-Control"], url
        assert "Cookie" in response["Vary"], url


def test_a_reader_with_a_session_gets_a_private_fresh_page(client, full_article, admin_user):
    client.force_login(admin_user)
    response = client.get("/")
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def test_404_is_not_cached_publicly(client):
    response = client.get("/news/999999/")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")


def test_preview_renders_a_draft_as_readers_will_see_it_never_indexed(make_article, reporter):
    draft = make_article("미리 보는 초안", status=Article.Status.DRAFT, reporters=[reporter])
    request = RequestFactory().get("/admin/preview/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = render_article(request, draft, preview=True)
    html = html_of(response)
    assert "미리 보는 초안" in html and "미리보기 화면입니다" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-cache" in response["Cache-Control"]
    assert f"{reporter.name} 기자" in html
    draft.refresh_from_db()
    assert draft.view_count == 0


def test_post_to_a_page_is_not_allowed(client, make_article):
    assert client.post("/").status_code == 405


def test_home_section_blocks_do_not_repeat_the_headlines(client, make_article):
    make_article("헤드라인 기사", is_headline=True)
    make_article("행정 일반 기사", ago=timedelta(hours=2))
    html = html_of(client.get("/"))
    block = html.split('id="block-policy"', 1)[1].split("</section>", 1)[0]
    assert "행정 일반 기사" in block and "헤드라인 기사" not in block


def test_home_of_an_empty_newsroom_is_a_friendly_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "아직 게재된 기사가 없습니다." in html_of(response)


def test_without_desk_headlines_the_newest_article_leads_the_home_page(client, make_article):
    make_article("오래된 기사", ago=timedelta(days=1))
    make_article("가장 새 기사")
    html = html_of(client.get("/"))
    top = html.split('class="headline-top', 1)[1].split("</article>", 1)[0]
    assert "가장 새 기사" in top


@pytest.mark.parametrize(
    "url",
    [
        "/news/99999999999999999999999/",
        "/reporter/99999999999999999999999/",
        "/section/policy/?page=9999999",
        "/tag/" + "가" * 300 + "/",
    ],
)
def test_out_of_range_ids_and_pages_are_404_not_500(client, url):
    assert client.get(url).status_code == 404


def test_all_articles_page_lists_every_published_article_newest_first(
    client, make_article, django_assert_max_num_queries
):
    make_article("어제 기사", ago=timedelta(days=1), section=Section.objects.get(slug="pharma"))
    make_article("오늘 기사")
    make_article("초안 기사", status=Article.Status.DRAFT)
    with django_assert_max_num_queries(8 + LIVE_PARTS):
        response = client.get("/news/")
    html = main_column(html_of(response))
    assert html.index("오늘 기사") < html.index("어제 기사")
    assert "초안 기사" not in html
    assert 'href="/news/" aria-current="page"' in html_of(response)


def test_preview_of_an_unsaved_article_renders(section):
    from django.contrib.auth.models import AnonymousUser

    article = Article(title="저장 전 미리보기", body="<p>본문</p>", section=section)
    request = RequestFactory().get("/admin/preview/")
    request.user = AnonymousUser()
    response = render_article(request, article, preview=True)
    assert response.status_code == 200
    assert "저장 전 미리보기" in html_of(response)


def test_an_unchanged_page_is_a_304_for_a_revalidating_browser(client, make_article, browser):
    article = make_article()
    first = client.get(article.get_absolute_url(), **browser)
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"], **browser)
    assert again.status_code == 304 and again.content == b""
    article.refresh_from_db()
    article.title = "바뀐 제목"
    article.save()
    changed = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"], **browser)
    assert changed.status_code == 200
    article.refresh_from_db()
    assert article.view_count == 3  # a revalidated view is still a view
