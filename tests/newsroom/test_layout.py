"""base.html on every page: date bar, ticker, banner slots, footer, head tags, valid markup."""

import re
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from articles.models import Section
from banners.templatetags import banner_tags
from newsroom.models import SiteInfo
from tests.articles import conftest as article_fixtures
from tests.factories import site_info
from weather.templatetags import weather_tags

pytestmark = pytest.mark.django_db

# The articles tests' fixtures (a section of the demo paper, an article factory).
make_article = article_fixtures.make_article
section = article_fixtures.section

UTC = ZoneInfo("UTC")
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class TagBalance(HTMLParser):
    """Checks that every element is closed in order and that ids are unique."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.errors.append(f"duplicate id {value}")
                self.ids.add(value)
            if name.startswith("on"):
                self.errors.append(f"inline event handler {name} on <{tag}>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def check_markup(html: str) -> list[str]:
    parser = TagBalance()
    parser.feed(html)
    parser.close()
    return parser.errors + [f"unclosed <{tag}>" for tag in parser.stack]


def reset_templates():
    for loader in engines["django"].engine.template_loaders:
        if hasattr(loader, "reset"):
            loader.reset()


@pytest.fixture
def live_slots(monkeypatch):
    """Banner slots and ticker that render something, as the banners/weather apps will."""
    fake = template.Library()

    @fake.simple_tag(takes_context=True)
    def banner_slot(context, code):
        return mark_safe(
            f'<div class="banner-slot banner-slot--{code}"><div class="banner">'
            f'<img src="/media/b.png" alt="광고 {code}"></div></div>'
        )

    @fake.simple_tag
    def weather_ticker():
        return mark_safe(
            '<div class="weather-ticker"><ul><li class="weather-ticker__item">서울 29.7℃</li>'
            '</ul><span class="weather-ticker__credit">기상청 제공</span></div>'
        )

    monkeypatch.setitem(banner_tags.register.tags, "banner_slot", fake.tags["banner_slot"])
    monkeypatch.setitem(weather_tags.register.tags, "weather_ticker", fake.tags["weather_ticker"])
    reset_templates()
    yield
    monkeypatch.undo()
    reset_templates()


@pytest.fixture
def pages(make_article):
    article = make_article("배치 확인용 기사")
    return {"home": "/", "article": article.get_absolute_url(), "section": "/section/policy/"}


def slots(html: str) -> list[str]:
    return re.findall(r'class="banner-slot banner-slot--([a-z0-9-]+)"', html)


def test_banner_slots_sit_where_the_reference_page_has_banners(client, pages, live_slots):
    home = client.get(pages["home"]).content.decode()
    article = client.get(pages["article"]).content.decode()
    common = ["top", "header-left", "header-right", "footer"]
    assert slots(home) == [*common[:3], "home-between-1", "home-between-2", "footer"]
    assert slots(article) == [
        *common[:3],
        "article-inline",
        "article-side-1",
        "article-side-2",
        "article-side-3",
        "footer",
    ]


def test_weather_ticker_sits_in_the_top_bar_next_to_the_date(client, pages, live_slots):
    html = client.get("/").content.decode()
    bar = html.split('class="topbar"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert bar.index('class="topbar__date"') < bar.index('class="weather-ticker"')
    assert "기상청 제공" in bar


def test_empty_slots_and_ticker_leave_no_markup(client, pages):
    html = client.get(pages["article"]).content.decode()
    assert "banner-slot" not in html and "weather-ticker" not in html
    assert '<div class="masthead__ad masthead__ad--left"></div>' in html  # :empty in CSS


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 8, 26, 14, 59, 59, tzinfo=UTC), "2025.08.26 (화)"),  # 23:59:59 KST
        (datetime(2025, 8, 26, 15, 0, 0, tzinfo=UTC), "2025.08.27 (수)"),  # 00:00 KST
        (datetime(2025, 1, 4, 15, 30, tzinfo=UTC), "2025.01.05 (일)"),
    ],
)
def test_date_bar_shows_todays_date_in_korea_across_midnight(client, moment, expected):
    with time_machine.travel(moment, tick=False):
        html = client.get("/").content.decode()
    assert f'<p class="topbar__date">{expected}</p>' in html


def test_footer_shows_the_publishers_details_editable_by_staff(client):
    site_info(tagline="보건의료 전문지").save()
    html = client.get("/").content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    for text in (
        "(주)건강미디어",
        "서울특별시 종로구 1",
        "02-123-4567",
        "서울 아12345",
        "2019.05.02",
        "홍길동",
        "김편집",
        "이보호",
        "무단전재 및 재배포 금지",
    ):
        assert text in footer, text
    assert "<title>건강일보 - 보건의료 전문지</title>" in html
    info = SiteInfo.objects.get()
    info.phone = "02-999-9999"
    info.save()
    assert "02-999-9999" in client.get("/").content.decode()


def test_every_page_has_lang_title_description_canonical_and_social_tags(client, pages):
    for url in [*pages.values(), "/search/?q=의료", "/no-such-page/"]:
        html = client.get(url).content.decode()
        assert html.startswith('<!doctype html>\n<html lang="ko">'), url
        assert re.search(r"<title>[^<]+</title>", html), url
        assert re.search(r'<meta name="description" content="[^"]+">', html), url
        assert '<link rel="canonical" href="http' in html, url
        for tag in ('property="og:title"', 'property="og:image"', 'name="twitter:card"'):
            assert tag in html, (url, tag)


def test_pages_are_well_formed_with_landmarks_and_no_inline_script(
    client, pages, live_slots, make_article
):
    make_article("이미지 기사", image=True)
    for url in [*pages.values(), "/search/?q=기사", "/search/?q=", "/no-such-page/"]:
        html = client.get(url).content.decode()
        assert check_markup(html) == [], url
        for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
            assert landmark in html, (url, landmark)
        for attributes in re.findall(r"<script([^>]*)>", html):
            assert "src=" in attributes or 'type="application/ld+json"' in attributes, url
        for img in re.findall(r"<img[^>]*>", html):
            assert " alt=" in img, (url, img)


def test_navigation_lists_the_sections_and_a_search_box(client):
    html = client.get("/").content.decode()
    nav = html.split('<nav class="gnb"', 1)[1].split("</nav>", 1)[0]
    for desk in Section.objects.filter(in_navigation=True, parent__isnull=True):
        assert f'href="{desk.get_absolute_url()}"' in nav
    assert 'action="/search/"' in nav and 'name="q"' in nav


def test_robots_meta_keeps_search_and_error_pages_out_of_the_index(client):
    assert 'content="noindex' in client.get("/search/?q=의료").content.decode()
    assert 'content="noindex' in client.get("/no-such-page/").content.decode()
    assert 'name="robots"' not in client.get("/").content.decode()
