"""The full-text feed for partners (issue 17): the whole sanitized body with absolute addresses,
the lead photo with caption and credit, bylines, category and correction notices; only with a
key an administrator issued; every fetch logged; it reads the newest articles from the index."""

from datetime import timedelta

import feedparser
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from articles import services, syndication
from articles.models import Article, CorrectionNotice, FeedPartner, PartnerFetch
from newsroom.site.roles import DESK
from tests.articles.desk.helpers import image_bytes
from tests.factories import publish, staff_user
from tests.security.htmlcheck import XSS_VECTORS as VECTORS
from tests.security.htmlcheck import executable_parts

pytestmark = pytest.mark.django_db


def partner(name="네이버 뉴스") -> tuple[FeedPartner, str]:
    item = FeedPartner(name=name)
    key = item.issue_key()
    item.save()
    return item, key


def fetch(client, key, **extra):
    return client.get("/partner/rss/", HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


def photo(**fields):
    upload = SimpleUploadedFile("scene.jpg", image_bytes(size=(1600, 1000)), "image/jpeg")
    return services.photo_add(upload=upload, by=None, **fields)


def test_a_partner_gets_the_whole_text_with_pictures_bylines_and_category(
    client, settings, make_reporter
):
    reporter = make_reporter(name="김보건")
    lead = photo(caption="국회 보건복지위원회 전체회의", credit="사진=김보건 기자")
    article = publish(
        "약가 인하 고시 개정안 확정",
        body=(
            '<p>첫 문단 <a href="/news/1/">관련 기사</a>.</p>'
            '<figure class="image"><img src="/media/uploads/x.jpg" alt="도표"></figure>'
            "<p>둘째 문단.</p>"
        ),
        lead_photo=lead,
    )
    article.reporters.add(reporter)
    item_partner, key = partner()

    response = fetch(client, key)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    entry = feed.entries[0]
    assert entry.title == "약가 인하 고시 개정안 확정"
    html = entry.content[0].value
    assert "둘째 문단." in html
    assert f'href="{settings.SITE_URL}/news/1/"' in html
    assert f'src="{settings.SITE_URL}/media/uploads/x.jpg"' in html
    assert entry.author == "김보건"
    assert [tag.term for tag in entry.tags] == [article.section.name]
    media = entry.media_content[0]
    assert media["url"].startswith(f"{settings.SITE_URL}/media/photos/renditions/")
    assert (media["width"], media["height"], media["medium"]) == ("1200", "675", "image")
    assert entry.media_credit[0]["content"] == "사진=김보건 기자"
    assert "국회 보건복지위원회 전체회의" in response.content.decode()

    log = PartnerFetch.objects.get()
    assert (log.partner, log.items) == (item_partner, 1)


def test_correction_notices_lead_the_partners_text(client):
    article = publish("정정 대상 기사", body="<p>본문.</p>")
    CorrectionNotice.objects.create(
        article=article, kind=CorrectionNotice.Kind.CORRECTION, text="지원 규모를 바로잡습니다."
    )
    _, key = partner()
    html = feedparser.parse(fetch(client, key).content).entries[0].content[0].value
    assert html.startswith('<p class="correction"><strong>[정정보도]</strong> 지원 규모를')


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer nrp_wrong"},
        {"HTTP_AUTHORIZATION": "Basic bnJwOng="},
        {"QUERY_STRING": "key=nrp_wrong"},
    ],
    ids=["no key", "wrong key", "other scheme", "wrong key in the address"],
)
def test_without_a_valid_key_the_answer_is_403_in_korean_and_nothing_is_logged(client, headers):
    publish("공개 기사")
    partner()
    response = client.get("/partner/rss/", **headers)
    assert response.status_code == 403
    assert "제휴 피드 키" in response.content.decode()
    assert not PartnerFetch.objects.exists()


def test_a_revoked_or_replaced_key_stops_working_at_once(client):
    item, key = partner()
    assert fetch(client, key).status_code == 200
    new_key = item.issue_key()
    item.save()
    assert fetch(client, key).status_code == 403
    assert fetch(client, new_key).status_code == 200
    FeedPartner.objects.filter(pk=item.pk).update(revoked_at=timezone.now())
    assert fetch(client, new_key).status_code == 403


def test_the_key_may_come_in_the_address_for_portals_that_take_only_a_url(client):
    _, key = partner()
    assert client.get("/partner/rss/", {"key": key}).status_code == 200


def test_only_the_keys_hash_is_stored():
    item, key = partner()
    stored = FeedPartner.objects.filter(pk=item.pk).values().get()
    assert key not in str(stored)
    assert stored["key_prefix"] == key[:8]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_refused(client, method):
    _, key = partner()
    assert (
        getattr(client, method)("/partner/rss/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code
        == 405
    )


def test_unpublished_and_scheduled_articles_never_reach_partners(client):
    publish("공개된 기사")
    publish("예약 기사", ago=-timedelta(hours=2))
    Article.objects.create(title="초고 기사", body="<p>x</p>", status=Article.Status.DRAFT)
    _, key = partner()
    titles = [e.title for e in feedparser.parse(fetch(client, key).content).entries]
    assert titles == ["공개된 기사"]


def test_the_feed_is_rendered_once_per_content_generation_and_logged_per_fetch(
    client, settings, monkeypatch
):
    settings.PAGE_CACHE_SECONDS = 300
    publish("기사")
    _, key = partner()
    renders = []
    original = syndication.PartnerFeed.__call__
    monkeypatch.setattr(
        syndication.PartnerFeed, "__call__", lambda self, r: renders.append(1) or original(self, r)
    )
    first, second = fetch(client, key), fetch(client, key)
    assert first.content == second.content and len(renders) == 1
    assert PartnerFetch.objects.count() == 2
    publish("새 기사")
    assert "새 기사" in fetch(client, key).content.decode()


def test_the_feed_reads_a_few_queries_however_many_articles(client, django_assert_max_num_queries):
    for number in range(60):
        publish(f"기사 {number}", lead_photo=photo() if number < 2 else None)
    _, key = partner()
    # Key, articles, bylines, notices, renditions, the log row (and SiteInfo).
    with django_assert_max_num_queries(8):
        response = fetch(client, key)
    assert response.content.count(b"<item>") == syndication.FEED_SIZE


def test_the_xss_corpus_in_body_and_caption_leaves_nothing_executable(client):
    article = publish("XSS", body="<p>본문</p>")
    lead = photo(caption="설명")
    article.lead_photo = lead
    article.save()
    _, key = partner()
    problems = []
    for vector in VECTORS:
        Article.objects.filter(pk=article.pk).update(body=f"<p>{vector}</p>")
        type(lead).objects.filter(pk=lead.pk).update(caption=vector[:300], credit=vector[:100])
        entry = feedparser.parse(fetch(client, key).content).entries[0]
        html = entry.content[0].value
        problems += [f"{vector!r}: {part}" for part in executable_parts(html)]
    assert not problems, "\n".join(problems)


def test_an_administrator_issues_a_key_seen_once_and_revokes_it(client):
    client.force_login(staff_user("root", superuser=True))
    response = client.post(
        "/admin/articles/feedpartner/add/", {"name": "다음 뉴스", "contact": "", "memo": ""}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    item = FeedPartner.objects.get(name="다음 뉴스")
    key = html.split('id="partner-key" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert FeedPartner.hash_key(key) == item.key_hash
    assert "한 번만 보여 줍니다" in html
    # The change page never shows it again.
    assert key not in client.get(f"/admin/articles/feedpartner/{item.pk}/change/").content.decode()
    client.post(
        "/admin/articles/feedpartner/",
        {"action": "revoke_keys", "_selected_action": [item.pk]},
    )
    item.refresh_from_db()
    assert item.revoked_at is not None
    assert reader_fetch(key).status_code == 403


def reader_fetch(key):
    from django.test import Client

    return Client().get("/partner/rss/", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_desk_cannot_see_partners_or_their_keys(client):
    partner()
    client.force_login(staff_user("desk", role=DESK))
    assert client.get("/admin/articles/feedpartner/").status_code == 403
    assert client.get("/admin/articles/partnerfetch/").status_code == 403
    assert client.post("/admin/articles/feedpartner/add/", {"name": "x"}).status_code == 403


def test_robots_keep_crawlers_off_the_partner_feed(client):
    assert "Disallow: /partner/" in client.get("/robots.txt").content.decode()
