"""The desk's admin screens: list, search, filters, validation, the edit lock, preview, history."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, ArticleEvent, Photo
from newsroom.site.roles import DESK

from .helpers import ADD_URL, LIST_URL, change_url, form_data

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


def errors_of(response) -> str:
    assert response.status_code == 200, "the form should come back with its errors"
    return response.content.decode()


# --- change list ------------------------------------------------------------------------------


def test_change_list_shows_status_and_publish_time_columns(desk, make_article):
    with time_machine.travel(timezone.now(), tick=False):
        make_article(title="게재된 기사", status=Status.PUBLISHED)
        make_article(
            title="예약된 기사",
            status=Status.PUBLISHED,
            published_at=timezone.now() + timedelta(days=1),
        )
        html = desk.get(LIST_URL).content.decode()
    assert "column-status_column" in html
    assert "column-published_column" in html
    assert "(예약)" in html
    assert "게재" in html


@pytest.mark.parametrize(
    ("term", "found"),
    [("필수의료", "제목 기사"), ("응급실", "부제 기사"), ("소아과", "본문 기사")],
)
def test_search_covers_title_subtitle_and_body(desk, make_article, term, found):
    make_article(title="필수의료 제목 기사")
    make_article(title="부제 기사", subtitle="응급실 대란 우려")
    make_article(title="본문 기사", body="<p>소아과 오픈런이 계속되고 있다.</p>")
    html = desk.get(LIST_URL, {"q": term}).content.decode()
    assert found in html
    others = {"제목 기사", "부제 기사", "본문 기사"} - {found}
    assert not [title for title in others if title in html]


def test_filters_by_section_status_reporter_and_date(
    desk, make_article, section, reporter_user, other_reporter_user
):
    from articles.models import Section

    pharma = Section.objects.get(name="제약ㆍ약사")
    make_article(title="행정 초고", by=reporter_user)
    # Published a second ago, so it is "today" in Seoul at any hour (an hour ago is yesterday
    # between 00:00 and 01:00).
    make_article(
        title="제약 게재",
        section=pharma,
        status=Status.PUBLISHED,
        published_at=timezone.now() - timedelta(seconds=1),
        by=other_reporter_user,
    )

    def titles(**params):
        html = desk.get(LIST_URL, params).content.decode()
        return {t for t in ("행정 초고", "제약 게재") if t in html}

    assert titles(section__id__exact=pharma.pk) == {"제약 게재"}
    assert titles(status__exact="draft") == {"행정 초고"}
    assert titles(reporters__id__exact=reporter_user.reporter.pk) == {"행정 초고"}
    # What the date filter's "오늘" link sends: aware midnights in Seoul time.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert titles(
        published_at__gte=str(today), published_at__lt=str(today + timedelta(days=1))
    ) == {"제약 게재"}


def test_change_list_query_count_does_not_grow_with_articles(
    desk, make_article, django_assert_max_num_queries
):
    for number in range(30):
        make_article(title=f"기사 {number}", status=Status.PUBLISHED)
    with django_assert_max_num_queries(12):
        response = desk.get(LIST_URL)
    assert response.status_code == 200


# --- validation in Korean, nothing lost --------------------------------------------------------


def test_empty_title_is_refused_in_korean(desk):
    response = desk.post(ADD_URL, form_data(Article(title=""), body="<p>지키고 싶은 본문</p>"))
    html = errors_of(response)
    assert "제목을 입력하세요." in html
    assert "지키고 싶은 본문" in html
    assert not Article.objects.exists()


def test_over_long_title_and_subtitle_are_refused_in_korean(desk):
    response = desk.post(ADD_URL, form_data(Article(title="가" * 121, subtitle="나" * 301)))
    html = errors_of(response)
    assert "제목은 120자 이내로 입력하세요 (지금 121자)." in html
    assert "부제는 모두 300자 이내로 입력하세요 (지금 301자)." in html
    assert not Article.objects.exists()


def test_publishing_without_a_section_is_refused_in_korean(desk, make_article):
    article = make_article(section=None, status=Status.SUBMITTED)
    html = errors_of(desk.post(change_url(article), form_data(article, _publish="게재")))
    assert "게재하려면 섹션을 선택하세요." in html
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED


def test_scheduling_in_the_past_is_refused_in_korean(desk, make_article):
    article = make_article(status=Status.SUBMITTED, title="예약 실패할 기사")
    past = timezone.localtime() - timedelta(hours=1)
    data = form_data(
        article,
        _schedule="예약",
        title="고친 제목은 남아야 한다",
        published_at_0=f"{past:%Y-%m-%d}",
        published_at_1=f"{past:%H:%M:%S}",
    )
    html = errors_of(desk.post(change_url(article), data))
    assert "예약 게재 일시가 이미 지났습니다" in html
    assert "고친 제목은 남아야 한다" in html  # the editor's typing is still in the form
    article.refresh_from_db()
    assert (article.status, article.title) == (Status.SUBMITTED, "예약 실패할 기사")


def test_scheduling_without_a_time_is_refused_in_korean(desk, make_article):
    article = make_article(status=Status.SUBMITTED)
    html = errors_of(desk.post(change_url(article), form_data(article, _schedule="예약")))
    assert "예약 게재할 일시를 입력하세요." in html


def test_desk_schedules_an_article_from_the_form(desk, make_article):
    article = make_article(status=Status.SUBMITTED)
    at = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    data = form_data(
        article, _schedule="예약", published_at_0=f"{at:%Y-%m-%d}", published_at_1=f"{at:%H:%M}"
    )
    assert desk.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.published_at == at
    assert not Article.objects.published().filter(pk=article.pk).exists()


# --- two editors, one article -----------------------------------------------------------------


def test_second_editor_saving_a_stale_form_is_told_and_overwrites_nothing(
    client, desk_user, reporter_user, make_article
):
    article = make_article(by=reporter_user, body="<p>처음 본문</p>")
    stale = form_data(article)  # both open the form at the same version

    client.force_login(reporter_user)
    first = client.post(change_url(article), {**stale, "body": "<p>기자가 고친 본문</p>"})
    assert first.status_code == 302

    client.force_login(desk_user)
    second = client.post(change_url(article), {**stale, "body": "<p>데스크가 고친 본문</p>"})
    html = errors_of(second)
    assert "김서연님이" in html
    assert "먼저 저장했습니다" in html
    assert "데스크가 고친 본문" in html  # the second editor's text is not lost
    article.refresh_from_db()
    assert article.body == "<p>기자가 고친 본문</p>"


def test_a_fresh_form_saves_after_someone_else_did(desk, make_article):
    article = make_article()
    article.title = "다른 사람이 먼저 고침"
    article.save()
    response = desk.post(change_url(article), form_data(article, title="새로 열어서 고침"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "새로 열어서 고침"


def test_bulk_action_makes_an_open_form_stale(desk, make_article):
    article = make_article(status=Status.PUBLISHED)
    stale = form_data(article)
    desk.post(LIST_URL, {"action": "withdraw_selected", "_selected_action": [article.pk]})
    html = errors_of(desk.post(change_url(article), {**stale, "title": "게재중지 뒤 덮어쓰기"}))
    assert "먼저 저장했습니다" in html
    article.refresh_from_db()
    assert article.status == Status.WITHDRAWN


# --- a new article ----------------------------------------------------------------------------


def selected_reporters(html: str) -> list[str]:
    field = re.search(r'<select name="reporters".*?</select>', html, re.S).group(0)
    return re.findall(r"<option [^>]*selected>([^<]*)</option>", field)


def test_a_reporter_starts_a_new_article_with_their_own_byline(client, reporter_user):
    client.force_login(reporter_user)
    assert selected_reporters(client.get(ADD_URL).content.decode()) == ["김서연"]


def test_an_editor_without_a_byline_starts_with_an_empty_one(client, make_user):
    client.force_login(make_user("editor", DESK))
    assert selected_reporters(client.get(ADD_URL).content.decode()) == []


# --- history ---------------------------------------------------------------------------------


def test_history_records_who_created_submitted_published_edited_and_withdrew(
    client, reporter_user, desk_user, section
):
    client.force_login(reporter_user)
    data = form_data(Article(title="이력이 남는 기사"), section=section.pk, _submit="출고")
    assert client.post(ADD_URL, data).status_code == 302
    article = Article.objects.get(title="이력이 남는 기사")
    assert article.created_by == reporter_user
    assert list(article.reporters.all()) == [reporter_user.reporter]  # byline filled in

    client.force_login(desk_user)
    client.post(change_url(article), form_data(article, title="데스크가 다듬은 제목"))
    article.refresh_from_db()
    client.post(change_url(article), form_data(article, _publish="게재"))
    article.refresh_from_db()
    client.post(change_url(article), form_data(article, _withdraw="게재중지"))

    events = list(article.events.order_by("at", "id").values_list("action", "actor_name"))
    Action = ArticleEvent.Action
    assert events == [
        (Action.CREATED, "김서연"),
        (Action.SUBMITTED, "김서연"),
        (Action.EDITED, "박데스크"),
        (Action.PUBLISHED, "박데스크"),
        (Action.WITHDRAWN, "박데스크"),
    ]
    assert article.events.get(action=Action.EDITED).note == "제목"

    html = client.get(change_url(article)).content.decode()
    for label in ("작성", "출고", "수정", "게재", "게재중지", "김서연", "박데스크"):
        assert label in html
    assert 'class="article-history"' in html


# --- preview ---------------------------------------------------------------------------------


def test_preview_shows_an_unpublished_article_as_readers_will_see_it(desk, make_article):
    article = make_article(title="내일 나갈 기사", body="<p>미리 보는 본문</p>")
    response = desk.get(f"/admin/articles/article/{article.pk}/preview/")
    assert response.status_code == 200
    assert response.templates[0].name == "articles/detail.html"
    assert response.context["is_preview"] is True
    html = response.content.decode()
    assert "내일 나갈 기사" in html
    assert "미리 보는 본문" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    # Readers still cannot open it.
    assert desk.get(article.get_absolute_url()).status_code == 404


def test_preview_is_for_staff_only(client, make_article):
    article = make_article()
    response = client.get(f"/admin/articles/article/{article.pk}/preview/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_reporter_previews_own_draft_but_not_anothers(
    client, reporter_user, other_reporter_user, make_article
):
    mine = make_article(by=reporter_user)
    theirs = make_article(by=other_reporter_user)
    client.force_login(reporter_user)
    assert client.get(f"/admin/articles/article/{mine.pk}/preview/").status_code == 200
    assert client.get(f"/admin/articles/article/{theirs.pk}/preview/").status_code == 404


def test_change_form_offers_preview_and_the_roles_workflow_buttons(
    client, reporter_user, desk_user, make_article
):
    article = make_article(by=reporter_user)
    client.force_login(reporter_user)
    html = client.get(change_url(article)).content.decode()
    assert f"/admin/articles/article/{article.pk}/preview/" in html
    assert 'name="_submit"' in html
    assert 'name="_publish"' not in html
    client.force_login(desk_user)
    html = client.get(change_url(article)).content.decode()
    assert 'name="_publish"' in html
    assert 'name="_schedule"' in html


def test_related_articles_picker_offers_only_published_articles(desk, make_article):
    make_article(title="관련 후보 게재", status=Status.PUBLISHED)
    make_article(title="관련 후보 초고")
    response = desk.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "related", "term": "관련"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["관련 후보 게재"]


# --- bulk actions ----------------------------------------------------------------------------


def test_bulk_publish_reports_what_it_could_not_publish(desk, make_article):
    ready = make_article(title="섹션 있는 기사", status=Status.SUBMITTED)
    orphan = make_article(title="섹션 없는 기사", status=Status.SUBMITTED, section=None)
    response = desk.post(
        LIST_URL,
        {"action": "publish_selected", "_selected_action": [ready.pk, orphan.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "기사 1건을 게재했습니다." in html
    assert "섹션 없는 기사" in html and "게재하려면 섹션을 선택하세요." in html
    ready.refresh_from_db()
    orphan.refresh_from_db()
    assert (ready.status, orphan.status) == (Status.PUBLISHED, Status.SUBMITTED)


def test_bulk_headline_sets_the_flag_for_published_articles(desk, make_article):
    article = make_article(status=Status.PUBLISHED)
    desk.post(LIST_URL, {"action": "set_headline_selected", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.is_headline
    desk.post(LIST_URL, {"action": "clear_headline_selected", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert not article.is_headline


# --- the demo accounts -----------------------------------------------------------------------


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", "--allow-production", "--no-logins")


def login(client, username):
    # Through the admin's login form: django-axes checks every login against its request.
    response = client.post(
        "/admin/login/", {"username": username, "password": "demo-password-for-tests"}
    )
    assert response.status_code == 302


def test_demo_reporter_writes_and_submits_but_cannot_publish(client, demo):
    login(client, "reporter")
    assert client.get(LIST_URL).status_code == 200
    draft = Article.objects.get(status=Status.DRAFT, created_by__username="reporter")
    assert client.post(change_url(draft), form_data(draft, _submit="출고")).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert client.post(change_url(draft), form_data(draft, _publish="게재")).status_code == 403
    assert client.get("/admin/banners/").status_code in (403, 404)


def test_demo_desk_publishes_the_submitted_article(client, demo):
    login(client, "desk")
    waiting = Article.objects.get(status=Status.SUBMITTED)
    response = client.post(change_url(waiting), form_data(waiting, _publish="게재"))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.is_public()
    assert client.get("/admin/articles/section/add/").status_code == 200


def test_demo_ad_manager_has_no_access_to_articles(client, demo):
    login(client, "admanager")
    assert client.get(LIST_URL).status_code == 403
    assert client.get("/admin/").status_code == 200


def test_demo_articles_have_library_photos_with_renditions_and_history(demo):
    with_photo = Article.objects.exclude(lead_photo=None)
    assert with_photo.exists()
    assert Article.objects.filter(body_photos__isnull=False).exists()
    assert Photo.objects.unused().exists()  # the library's "unused" filter has something
    assert not Photo.objects.filter(renditions=None).exists()
    assert not Photo.objects.filter(credit="").exists()
    assert ArticleEvent.objects.filter(action=ArticleEvent.Action.PUBLISHED).exists()


def test_view_on_site_link_only_for_articles_readers_can_open(desk, make_article):
    draft = make_article()
    live = make_article(status=Status.PUBLISHED)
    assert 'class="viewsitelink"' not in desk.get(change_url(draft)).content.decode()
    html = desk.get(change_url(live)).content.decode()
    assert f'href="/news/{live.pk}/" class="viewsitelink"' in html
