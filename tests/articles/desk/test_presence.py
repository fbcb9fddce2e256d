"""Someone else is editing: the article form names the others who have it open and since when,
kept current by a heartbeat, gone within a minute of their leaving. A warning, not a lock."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from articles import presence
from articles.models import Article
from newsroom.pagecache import redis_cache
from newsroom.settings.base import redis_cache_entry
from newsroom.site.roles import DESK

from .helpers import change_url

pytestmark = pytest.mark.django_db

Status = Article.Status
# 14:05 in Seoul.
OPENED = dt.datetime(2026, 3, 2, 5, 5, tzinfo=dt.UTC)
WARNING = (
    "김서연 님이 14:05부터 이 기사를 편집하고 있습니다. 저장하면 서로의 변경을 덮어쓸 수 있습니다."
)


def presence_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/presence/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def draft(make_article, reporter_user):
    return make_article(by=reporter_user, title="필수의료 수가 개편안")


@pytest.fixture
def reporter(reporter_user):
    return signed_in(reporter_user)


@pytest.fixture
def desk(desk_user):
    return signed_in(desk_user)


def beat(client, article, **data):
    return client.post(presence_url(article), data)


def test_the_form_names_who_else_has_the_article_open_and_since_when(reporter, desk, draft):
    with time_machine.travel(OPENED, tick=False):
        own = reporter.get(change_url(draft)).content.decode()
    with time_machine.travel(OPENED + dt.timedelta(seconds=30), tick=False):
        html = desk.get(change_url(draft)).content.decode()

    assert WARNING in html
    assert 'role="status" aria-live="polite"' in html
    assert "articles/admin/presence.js" in html
    assert presence_url(draft) in html
    # Alone with the article: an empty live region, no warning.
    assert "편집하고 있습니다" not in own
    assert 'id="article-presence"' in own


def test_the_heartbeat_answers_with_the_others_and_keeps_since(reporter, desk, draft):
    with time_machine.travel(OPENED, tick=False):
        beat(reporter, draft)
    with time_machine.travel(OPENED + dt.timedelta(seconds=40), tick=False):
        beat(reporter, draft)  # a later beat keeps "since"
        response = beat(desk, draft)
        mine = beat(reporter, draft).json()

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "editors": [{"name": "김서연", "since": "14:05부터"}],
        "notice": WARNING,
    }
    assert mine["editors"] == [{"name": "박데스크", "since": "14:05부터"}]


def test_several_editors_are_named_earliest_first(reporter, desk, draft, make_user):
    with time_machine.travel(OPENED + dt.timedelta(seconds=50), tick=False):
        beat(reporter, draft)
    with time_machine.travel(OPENED + dt.timedelta(seconds=80), tick=False):
        beat(desk, draft)
        admin = make_user("chief", is_staff=True)
        admin.first_name, admin.last_name, admin.is_superuser = "영희", "최", True
        admin.save()
        notice = beat(signed_in(admin), draft).json()["notice"]

    assert notice.startswith("김서연 님이 14:05부터, 박데스크 님이 14:06부터 이 기사를")


def test_a_name_without_a_byline_is_the_full_name_else_the_username(draft, make_user):
    named = make_user("chief", DESK)
    named.first_name, named.last_name = "영희", "최"
    named.save()
    bare = make_user("night_desk", DESK)
    with time_machine.travel(OPENED, tick=False):
        beat(signed_in(named), draft)
        beat(signed_in(bare), draft)
        names = [e["name"] for e in beat(signed_in(make_user("x", DESK)), draft).json()["editors"]]

    assert sorted(names) == ["night_desk", "영희 최"]


def test_names_are_escaped_in_the_form(desk, draft, reporter_user):
    reporter_user.reporter.name = "<b>김</b>"
    reporter_user.reporter.save()
    beat(signed_in(reporter_user), draft)

    html = desk.get(change_url(draft)).content.decode()

    assert "&lt;b&gt;김&lt;/b&gt; 님이" in html
    assert "<b>김</b>" not in html


def test_leaving_removes_the_editor_at_once(reporter, desk, draft):
    beat(reporter, draft)
    assert beat(desk, draft).json()["editors"]

    left = beat(reporter, draft, left="1")

    assert left.status_code == 204
    assert beat(desk, draft).json() == {"editors": [], "notice": ""}


def test_an_editor_who_stops_beating_is_gone_within_a_minute(reporter, desk, draft):
    with time_machine.travel(OPENED, tick=False):
        beat(reporter, draft)
    with time_machine.travel(OPENED + dt.timedelta(seconds=presence.TTL_SECONDS - 1), tick=False):
        assert beat(desk, draft).json()["editors"]
    with time_machine.travel(OPENED + dt.timedelta(seconds=presence.TTL_SECONDS), tick=False):
        assert beat(desk, draft).json()["editors"] == []
        assert "편집하고 있습니다" not in desk.get(change_url(draft)).content.decode()


def test_one_who_may_only_view_is_told_but_not_counted(make_article, desk, reporter):
    # A published article: the desk may change it, its reporter may only view it.
    published = make_article(status=Status.PUBLISHED, published_at=OPENED - dt.timedelta(hours=1))
    with time_machine.travel(OPENED, tick=False):
        beat(desk, published)
        html = reporter.get(change_url(published)).content.decode()
        told = beat(reporter, published).json()
        counted = beat(desk, published).json()

    assert "박데스크 님이 14:05부터 이 기사를 편집하고 있습니다." in html
    assert told["editors"] == [{"name": "박데스크", "since": "14:05부터"}]
    assert counted["editors"] == []


def test_the_heartbeat_refuses_who_may_not_see_the_article(
    client, draft, other_reporter_user, admanager_user
):
    # Another reporter's draft is not in their list: no such article for them.
    assert beat(signed_in(other_reporter_user), draft).status_code == 404
    assert beat(signed_in(admanager_user), draft).status_code in (403, 404)
    assert beat(signed_in(other_reporter_user), Article(pk=99999)).status_code == 404

    anonymous = beat(client, draft)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")


def test_the_heartbeat_is_a_post(desk, draft):
    response = desk.get(presence_url(draft))

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_heartbeat_needs_the_csrf_token(desk_user, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk_user)

    assert client.post(presence_url(draft)).status_code == 403
    assert client.post(presence_url(draft), {"left": "1"}).status_code == 403

    client.get(change_url(draft))  # sets the CSRF cookie, as the form does
    token = client.cookies["csrftoken"].value
    assert client.post(presence_url(draft), {"csrfmiddlewaretoken": token}).status_code == 200


def test_a_heartbeat_costs_a_few_queries(desk, reporter, draft, django_assert_max_num_queries):
    # Session, user, the two permission reads, the article; the byline's name on a first beat.
    with django_assert_max_num_queries(6):
        beat(reporter, draft)
    beat(desk, draft)
    with django_assert_max_num_queries(5):
        assert beat(desk, draft).json()["editors"]
    with django_assert_max_num_queries(5):
        assert beat(reporter, draft).json()["editors"]


@pytest.fixture
def redis_down(settings):
    redis_cache._outages.clear()
    settings.CACHES = {**settings.CACHES, "default": redis_cache_entry("redis://127.0.0.1:1/0")}
    yield
    redis_cache._outages.clear()


def test_an_unreachable_cache_means_no_notice_not_an_error(redis_down, reporter, desk, draft):
    assert reporter.get(change_url(draft)).status_code == 200
    assert beat(reporter, draft).status_code == 200

    response = desk.get(change_url(draft))
    answer = beat(desk, draft)

    assert response.status_code == 200
    assert "편집하고 있습니다" not in response.content.decode()
    assert answer.json() == {"editors": [], "notice": ""}
    assert beat(reporter, draft, left="1").status_code == 204
