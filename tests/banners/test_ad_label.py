"""Every banner carries a visible, accessible 광고 label in the markup (portal rules forbid ads
that pass for articles); the demo's pictures no longer draw "AD" into the creative."""

import re

import pytest
import time_machine
from django.test import Client
from PIL import ImageDraw

from banners import demo
from tests.user_agents import BROWSER, NOT_READERS

from .conftest import NOW, show_slot

pytestmark = pytest.mark.django_db

LABEL = '<span class="banner__label">광고</span>'
BANNER = re.compile(r'<div class="banner(?: banner--tag)?"[^>]*>(.*?)</div>', re.S)


def test_an_image_banner_starts_with_its_label_before_the_link(make_banner, place, slot):
    place(make_banner(), slot)
    with time_machine.travel(NOW, tick=False):
        html = show_slot()
    [inside] = BANNER.findall(html)
    assert inside.startswith(LABEL + "<a ")  # read out before the advertiser's link
    assert "aria-hidden" not in inside  # the label is text for screen readers too


def test_an_ad_tag_banner_has_the_label_outside_its_frame(make_banner, place, slot):
    place(make_banner(kind="ad_tag", ad_tag="<p>tag</p>", target_url=""), slot)
    with time_machine.travel(NOW, tick=False):
        html = show_slot()
    [inside] = BANNER.findall(html)
    assert inside.startswith(LABEL + "<iframe ")


def test_bots_see_the_label_too(make_banner, place, slot):
    place(make_banner(), slot)
    with time_machine.travel(NOW, tick=False):
        assert LABEL in show_slot(user_agent=NOT_READERS["Googlebot"])


def test_every_banner_on_the_demo_pages_is_labelled(settings):
    settings.BANNER_CACHE_SECONDS = 0
    from tests.factories import publish

    demo.load()
    article = publish("광고 표시 확인 기사")
    client = Client()
    for url in ["/", article.get_absolute_url()]:
        html = client.get(url, **BROWSER).content.decode()
        banners = html.count('<div class="banner"') + html.count('<div class="banner banner--tag"')
        assert banners >= 3, url
        assert html.count(LABEL) == banners, url


def test_the_label_is_styled_visible_in_the_corner():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    rule = re.search(r"\.banner__label \{(.*?)\}", css, re.S).group(1)
    assert "position: absolute" in rule and "top: 0" in rule and "left: 0" in rule
    assert "color: #fff" in rule and "background: rgba(17, 17, 17" in rule
    assert "display: none" not in rule and "visibility" not in rule


def test_demo_creatives_draw_no_ad_mark(monkeypatch):
    drawn = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, value, *args, **kwargs):
        drawn.append(value)
        return original(self, xy, value, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    demo.demo_banner_image("HANBIT PHARMA", 600, 500, (20, 80, 160), scale=2)
    assert drawn == ["HANBIT PHARMA"]  # the headline only: the page's markup says 광고
