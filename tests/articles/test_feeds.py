import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from articles.models import Article, Section
from newsroom.timezones import KST
from tests.factories import site_info

pytestmark = pytest.mark.django_db


def channel(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel")


def test_site_feed_is_rss_2_with_korean_dates_and_permanent_guids(
    client, make_article, reporter, settings
):
    article = make_article(
        "피드 기사",
        body="<p>첫 문단.</p><p>둘째 문단.</p>",
        published_at=datetime(2025, 8, 26, 14, 5, tzinfo=KST),
        reporters=[reporter],
    )
    feed = channel(client, "/rss/")
    assert feed.findtext("title").endswith("전체기사")
    assert feed.findtext("language") == "ko"
    item = feed.find("item")
    url = f"{settings.SITE_URL}/news/{article.pk}/"
    assert item.findtext("title") == "피드 기사"
    assert item.findtext("link") == url
    assert item.findtext("description") == "첫 문단. 둘째 문단."
    assert item.findtext("pubDate") == "Tue, 26 Aug 2025 14:05:00 +0900"
    guid = item.find("guid")
    assert guid.text == url and guid.get("isPermaLink", "true") == "true"
    assert item.findtext("author") == f"{reporter.email} ({reporter.name} 기자)"
    assert item.findtext("category") == "행정"


def test_guid_stays_the_same_when_the_title_is_corrected(client, make_article):
    article = make_article("처음 제목")
    before = channel(client, "/rss/").find("item").findtext("guid")
    article.title = "고친 제목"
    article.save()
    item = channel(client, "/rss/").find("item")
    assert item.findtext("title") == "고친 제목"
    assert item.findtext("guid") == before


def test_feeds_show_only_published_articles(client, make_article):
    make_article("게재 기사")
    make_article("초안", status=Article.Status.DRAFT)
    make_article("출고대기", status=Article.Status.SUBMITTED)
    make_article("게재중지", status=Article.Status.WITHDRAWN)
    make_article("예약", ago=timedelta(hours=-1))
    for url in ("/rss/", "/rss/policy/"):
        titles = [item.findtext("title") for item in channel(client, url).iter("item")]
        assert titles == ["게재 기사"], url


def test_section_feed_has_only_that_sections_articles(client, make_article):
    make_article("행정 기사")
    make_article("병원 기사", section=Section.objects.get(slug="hospital"))
    feed = channel(client, "/rss/hospital/")
    assert "의료·병원" in feed.findtext("title")
    assert [item.findtext("title") for item in feed.iter("item")] == ["병원 기사"]
    assert client.get("/rss/nope/").status_code == 404


def test_pages_link_their_feeds(client, make_article):
    make_article()
    home = client.get("/").content.decode()
    assert re.search(r'<link rel="alternate" type="application/rss\+xml" [^>]*href="/rss/"', home)
    section = client.get("/section/policy/").content.decode()
    assert 'type="application/rss+xml" title="행정 기사" href="/rss/policy/"' in section


def test_feed_query_ceiling_and_cache(
    client, make_article, reporter, django_assert_max_num_queries
):
    for _ in range(20):
        make_article(reporters=[reporter])
    with django_assert_max_num_queries(4):
        assert client.get("/rss/").status_code == 200
    with django_assert_max_num_queries(0):
        response = client.get("/rss/")
    assert "public" in response["Cache-Control"]


# Fits every name field (a reporter's name is at most 30 characters).
MARKUP = "<script>x</script> & <b>굵</b>"
ESCAPED = "&lt;script&gt;x&lt;/script&gt; & &lt;b&gt;굵&lt;/b&gt;"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def markup_everywhere(make_article, make_reporter):
    """A site, a section and reporters whose names hold markup and an ampersand."""
    site_info(name=f"일보 {MARKUP}").save()
    section = Section.objects.create(name=MARKUP, slug="markup")
    one = make_reporter(name=MARKUP)
    two = make_reporter(name="이준호")
    make_article("단독 기사", section=section, reporters=[one])
    make_article("공동 기사", section=section, reporters=[one, two], ago=timedelta(hours=2))
    return section


@pytest.mark.parametrize("url", ["/rss/", "/rss/markup/"])
def test_names_in_feeds_carry_no_markup_after_one_xml_decode(client, markup_everywhere, url):
    feed = channel(client, url)
    assert feed.findtext("copyright") == f"일보 {ESCAPED} 무단전재 및 재배포 금지"
    items = feed.findall("item")
    assert [item.findtext("category") for item in items] == [ESCAPED, ESCAPED]
    single, shared = (item.findtext("author") or item.findtext(f"{DC}creator") for item in items)
    assert single.endswith(f"({ESCAPED} 기자)")
    assert shared == f"{ESCAPED} 기자, 이준호 기자"
    for text in (feed.findtext("copyright"), single, shared):
        assert "<" not in text and ">" not in text, text
