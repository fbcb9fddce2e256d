"""Library photos on the reader's pages: cards, the article's lead photo and body pictures, the
link preview, JSON-LD and feeds all read stored renditions, in one query per list, and no
picture is ever made on a reader's request once its renditions exist."""

import re
import xml.etree.ElementTree as ET
from unittest import mock

import pytest

from articles import photos, services
from articles.models import PhotoRendition, Section

from .test_pages import LIVE_PARTS, html_of, json_ld, main_column

pytestmark = pytest.mark.django_db

MEDIA = "{http://search.yahoo.com/mrss/}"


def renditions(photo) -> dict:
    return {r.spec: r for r in photo.renditions.all()}


def no_rendering():
    """Fails the test if a picture is cut inside (on a reader's request)."""
    return mock.patch.object(photos, "render", side_effect=AssertionError("rendered on request"))


def test_the_article_page_shows_the_lead_photo_at_every_width_with_its_caption_and_credit(
    client, make_article, make_photo, browser
):
    photo = make_photo(caption="장관이 브리핑하고 있다", credit="사진기자 김서연")
    article = make_article(lead_photo=photo)
    with no_rendering():
        html = html_of(client.get(article.get_absolute_url(), **browser))
    sizes = renditions(photo)
    w480, w800, w1200 = sizes["w480"], sizes["w800"], sizes["w1200"]
    assert (
        f'<img src="{w1200.url}" srcset="{w480.url} 480w, {w800.url} 800w, {w1200.url} 1200w" '
        f'sizes="{photos.COLUMN_SIZES}" alt="장관이 브리핑하고 있다" width="1200" height="675" '
        'fetchpriority="high" decoding="async">'
    ) in html
    assert (
        '<figcaption>장관이 브리핑하고 있다 <span class="credit">ⓒ 사진기자 김서연</span>'
        "</figcaption>"
    ) in html


def test_the_articles_own_caption_replaces_the_photos_on_its_page(
    client, make_article, make_photo, browser
):
    photo = make_photo(caption="사진DB의 설명")
    article = make_article(lead_photo=photo, lead_photo_caption="이 기사에서의 설명")
    html = html_of(client.get(article.get_absolute_url(), **browser))
    assert "<figcaption>이 기사에서의 설명 " in html and "사진DB의 설명" not in html


def test_cards_show_the_thumbnail_rendition_in_one_query_per_list(
    client, make_article, make_photo, django_assert_max_num_queries
):
    pictured = [make_article(f"사진 기사 {n}", lead_photo=make_photo()) for n in range(5)]
    make_article("사진 없는 기사")
    with no_rendering(), django_assert_max_num_queries(8 + LIVE_PARTS):
        html = main_column(html_of(client.get("/section/policy/")))
    for article in pictured:
        thumb = article.lead_photo.renditions.get(spec="thumb")
        assert f'<img src="{thumb.url}" alt="" loading="lazy" decoding="async" ' in html
        assert f'width="{thumb.width}" height="{thumb.height}"' in html
    assert html.count('class="card__thumb"') == 5


def test_home_draws_the_top_headline_wide_and_the_others_as_cards(client, make_article, make_photo):
    top = make_article("톱 기사", is_headline=True, headline_order=1, lead_photo=make_photo())
    second = make_article("둘째", is_headline=True, headline_order=2, lead_photo=make_photo())
    with no_rendering():
        html = html_of(client.get("/"))
    top_sizes, second_thumb = renditions(top.lead_photo), renditions(second.lead_photo)["thumb"]
    assert f'<img src="{top_sizes["w1200"].url}" srcset="{top_sizes["w480"].url} 480w' in html
    assert f'<img src="{second_thumb.url}" alt="" width="320" height="180"' in html


def test_link_previews_and_json_ld_use_the_1200_by_630_picture(
    client, make_article, make_photo, browser, settings
):
    article = make_article(lead_photo=make_photo(caption="미리보기"))
    html = html_of(client.get(article.get_absolute_url(), **browser))
    og = renditions(article.lead_photo)["og"]
    assert f'<meta property="og:image" content="{settings.SITE_URL}{og.url}">' in html
    assert f'<meta name="twitter:image" content="{settings.SITE_URL}{og.url}">' in html
    assert f"{settings.SITE_URL}{og.url}" in json_ld(html)["image"]


def test_an_article_without_a_photo_keeps_the_default_preview(client, make_article, browser):
    article = make_article()
    html = html_of(client.get(article.get_absolute_url(), **browser))
    assert "og-default" in re.search(r'<meta property="og:image" content="([^"]+)"', html)[1]
    assert "og:image:width" not in html
    assert '<figure class="article__figure">' not in html


def test_feeds_carry_the_lead_photo_as_enclosure_and_media_content(
    client, make_article, make_photo, reporter, settings, django_assert_max_num_queries
):
    photo = make_photo(caption="피드 <사진>", credit="뉴스룸")
    for _ in range(10):
        make_article(reporters=[reporter], lead_photo=make_photo())
    make_article("사진 기사", reporters=[reporter], lead_photo=photo)
    with django_assert_max_num_queries(5):  # today's 4, and the pictures of all items: one
        response = client.get("/rss/")
    channel = ET.fromstring(response.content).find("channel")
    item = next(i for i in channel.iter("item") if i.findtext("title") == "사진 기사")
    image = renditions(photo)["w1200"]
    enclosure = item.find("enclosure")
    assert enclosure.get("url") == f"{settings.SITE_URL}{image.url}"
    assert enclosure.get("type") == "image/jpeg" and int(enclosure.get("length")) > 0
    content = item.find(f"{MEDIA}content")
    assert content.get("url") == f"{settings.SITE_URL}{image.url}"
    assert (content.get("width"), content.get("height")) == ("1200", "675")
    assert content.findtext(f"{MEDIA}description") == "피드 &lt;사진&gt;"
    assert content.findtext(f"{MEDIA}credit") == "뉴스룸"


def test_body_photos_are_read_as_stored_with_no_lookup_on_the_page(
    client, make_article, make_photo, browser, django_assert_max_num_queries
):
    photo = make_photo(caption="본문 사진")
    article = make_article(
        body=f'<p>앞</p><figure class="photo" data-photo="{photo.pk}"><img src="/x.jpg"></figure>'
    )
    services.article_sync_body_photos(article=article)
    body800 = renditions(photo)["body800"]
    with no_rendering(), django_assert_max_num_queries(12 + LIVE_PARTS):  # today's ceiling
        html = html_of(client.get(article.get_absolute_url(), **browser))
    assert f'<img src="{body800.url}" srcset=' in html and 'loading="lazy"' in html


def test_a_missing_rendition_is_made_once_then_only_read(client, make_article, make_photo, browser):
    article = make_article(lead_photo=make_photo())
    PhotoRendition.objects.filter(photo=article.lead_photo, spec="w800").delete()
    with mock.patch.object(photos, "render", wraps=photos.render) as render:
        client.get(article.get_absolute_url(), **browser)
        assert render.call_count == 1  # the first request after the spec went missing
        client.get("/section/policy/")
        article.title = "고친 제목"
        article.save()  # a new generation: the page is rendered again, from stored renditions
        client.get(article.get_absolute_url(), **browser)
        assert render.call_count == 1


def test_a_focal_point_move_shows_on_cached_pages_at_once(client, make_article, make_photo):
    article = make_article(lead_photo=make_photo())
    before = renditions(article.lead_photo)["thumb"].url
    assert before in html_of(client.get("/section/policy/"))
    services.photo_set_focal(photo=article.lead_photo, focal_x=0.1, focal_y=0.9, by=None)
    html = html_of(client.get("/section/policy/"))
    assert before not in html
    assert renditions(article.lead_photo)["thumb"].url in html


def test_home_with_pictures_everywhere_stays_under_todays_ceiling(
    client, make_article, make_photo, django_assert_max_num_queries
):
    for section in Section.objects.all():
        for n in range(3):
            make_article(section=section, is_headline=n == 0, lead_photo=make_photo())
    with django_assert_max_num_queries(8 + LIVE_PARTS):
        assert client.get("/").status_code == 200


def test_one_photos_renditions_are_those_a_list_finds(make_photo, django_assert_num_queries):
    first, second = make_photo(), make_photo()
    both = photos.renditions_for([first, second], photos.ARTICLE_SPECS)
    photos.renditions_for([first], photos.ARTICLE_SPECS)  # compiled on the first call
    with django_assert_num_queries(1):
        one = photos.renditions_for([first], photos.ARTICLE_SPECS)
    assert one == {first.pk: both[first.pk]} and set(one[first.pk]) == set(photos.ARTICLE_SPECS)


def rendition_queries(captured) -> list[str]:
    """Queries of the renditions' own table (Django quotes it; the article row's subquery,
    articles.models.LeadRenditions, does not)."""
    table = f'FROM "{PhotoRendition._meta.db_table}"'
    return [q["sql"] for q in captured.captured_queries if table in q["sql"]]


def test_the_article_page_and_its_related_cards_bring_their_pictures_in_their_own_rows(
    client, make_article, make_photo, browser, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_CACHE_SECONDS = 0  # every request renders
    related = make_article("사진 있는 관련 기사", lead_photo=make_photo())
    article = make_article(lead_photo=make_photo(caption="대표 사진"))
    article.related.add(related)
    client.get(article.get_absolute_url(), **browser)
    with no_rendering(), CaptureQueriesContext(connection) as captured:
        html = html_of(client.get(article.get_absolute_url(), **browser))
    assert rendition_queries(captured) == []
    lead, card = renditions(article.lead_photo), renditions(related.lead_photo)
    assert f'<img src="{lead["w1200"].url}" srcset="{lead["w480"].url} 480w' in html
    assert f'content="{settings.SITE_URL}{lead["og"].url}"' in html  # the link preview
    assert f'<img src="{card["thumb"].url}" alt="" width="160" height="90"' in html


def test_a_rendition_cut_for_an_old_focal_point_is_never_taken_from_the_row(
    make_article, make_photo
):
    from articles.models import Article, with_page_relations

    article = make_article(lead_photo=make_photo())
    photo = article.lead_photo
    old = renditions(photo)["w1200"]
    # The focal point moved and only w1200 is cut for it yet: the row is not enough.
    PhotoRendition.objects.filter(photo=photo, spec="w1200").update(focal_key="0.100,0.900")
    photo.focal_x, photo.focal_y = 0.1, 0.9
    photo.save(update_fields=["focal_x", "focal_y"])
    PhotoRendition.objects.filter(photo=photo).exclude(spec="w1200").delete()
    read = with_page_relations(Article.objects.for_article_page().get(pk=article.pk))
    assert photos._renditions_from_row(read, photos.ARTICLE_SPECS) is False
    # Now the row's one w1200 is the one cut for the old focal point.
    PhotoRendition.objects.filter(photo=photo, spec="w1200").update(focal_key="0.500,0.500")
    read = with_page_relations(Article.objects.for_article_page().get(pk=article.pk))
    with mock.patch.object(photos, "render", wraps=photos.render) as render:
        photos.attach_lead_renditions([read], photos.ARTICLE_SPECS)
    # Every spec is cut again for the new focal point, the old w1200 left out.
    assert render.call_count == len(photos.ARTICLE_SPECS)
    assert read.lead_renditions["w1200"].pk != old.pk
    assert {r.focal_key for r in read.lead_renditions.values()} <= {"0.100,0.900", "whole"}


def test_the_row_gives_the_same_renditions_as_their_own_query(make_article, make_photo):
    from articles.models import Article, with_page_relations

    with_photo = make_article(lead_photo=make_photo())
    without = make_article()
    for article in (with_photo, without):
        read = with_page_relations(Article.objects.for_article_page().get(pk=article.pk))
        assert photos._renditions_from_row(read, photos.ARTICLE_SPECS) is True
        expected = photos.renditions_for([article.lead_photo], photos.ARTICLE_SPECS)
        expected = expected.get(article.lead_photo_id, {})
        assert read.lead_renditions == expected  # the same rows, by key
        assert {s: (r.url, r.width, r.height) for s, r in read.lead_renditions.items()} == {
            s: (r.url, r.width, r.height) for s, r in expected.items()
        }
        assert bool(expected) is (article is with_photo)
