"""The whole role matrix, through real admin requests: every role × every desk action.

Each action is performed as the role would (a GET or POST to the admin with the test client) and
judged by its effect in the database, not by what the page shows: a forbidden action must change
nothing, whatever the response.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleEvent, Reporter, Section, Tag
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER, ROLE_PERMISSIONS

from .helpers import ADD_URL, LIST_URL, change_url, form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
ROLES = ["reporter", "desk", "admanager", "anonymous"]


@pytest.fixture
def world(make_user, make_article, reporter_user, desk_user, admanager_user, other_reporter_user):
    """One acting user per role, and the articles each action is tried on."""
    actors = {
        "reporter": reporter_user,
        "desk": desk_user,
        "admanager": admanager_user,
        "anonymous": None,
    }
    return {"actors": actors, "make_article": make_article, "other": other_reporter_user}


def own(world, role, **fields):
    """An article that belongs to the acting user (anonymous: to nobody)."""
    return world["make_article"](by=world["actors"][role], **fields)


def others(world, **fields):
    return world["make_article"](by=world["other"], **fields)


def post_change(client, article, **overrides):
    return client.post(change_url(article), form_data(article, **overrides))


def action(client, name, article):
    return client.post(LIST_URL, {"action": name, "_selected_action": [article.pk]})


# Each action: performs the request, returns whether it took effect.


def view_list(client, world, role):
    article = own(world, role)
    response = client.get(LIST_URL)
    return response.status_code == 200 and article.title in response.content.decode()


def add_article(client, world, role):
    client.post(ADD_URL, form_data(Article(title="새 기사: 약가 인하 고시"), section=""))
    return Article.objects.filter(title="새 기사: 약가 인하 고시").exists()


def change_own_draft(client, world, role):
    article = own(world, role)
    post_change(client, article, title="고친 제목")
    article.refresh_from_db()
    return article.title == "고친 제목"


def change_own_submitted(client, world, role):
    article = own(world, role, status=Status.SUBMITTED)
    post_change(client, article, title="고친 제목")
    article.refresh_from_db()
    return article.title == "고친 제목"


def change_own_published(client, world, role):
    article = own(world, role, status=Status.PUBLISHED)
    post_change(client, article, title="고친 제목")
    article.refresh_from_db()
    return article.title == "고친 제목"


def change_others_draft(client, world, role):
    article = others(world)
    post_change(client, article, title="고친 제목")
    article.refresh_from_db()
    return article.title == "고친 제목"


def change_others_published(client, world, role):
    article = others(world, status=Status.PUBLISHED)
    post_change(client, article, title="고친 제목")
    article.refresh_from_db()
    return article.title == "고친 제목"


def submit(client, world, role):
    article = own(world, role)
    post_change(client, article, _submit="출고")
    article.refresh_from_db()
    return article.status == Status.SUBMITTED


def publish(client, world, role):
    article = own(world, role, status=Status.SUBMITTED)
    post_change(client, article, _publish="게재")
    article.refresh_from_db()
    return article.status == Status.PUBLISHED


def schedule(client, world, role):
    article = own(world, role, status=Status.SUBMITTED)
    at = timezone.localtime() + timedelta(days=1)
    post_change(
        client,
        article,
        _schedule="예약",
        published_at_0=f"{at:%Y-%m-%d}",
        published_at_1=f"{at:%H:%M:%S}",
    )
    article.refresh_from_db()
    return article.status == Status.PUBLISHED and article.published_at > timezone.now()


def withdraw(client, world, role):
    article = others(world, status=Status.PUBLISHED)
    post_change(client, article, _withdraw="게재중지")
    article.refresh_from_db()
    return article.status == Status.WITHDRAWN


def set_headline_in_form(client, world, role):
    article = own(world, role, status=Status.PUBLISHED)
    post_change(client, article, is_headline="on", title=article.title)
    article.refresh_from_db()
    return article.is_headline


def bulk_set_headline(client, world, role):
    article = others(world, status=Status.PUBLISHED)
    action(client, "set_headline_selected", article)
    article.refresh_from_db()
    return article.is_headline


def bulk_publish(client, world, role):
    article = others(world, status=Status.SUBMITTED)
    action(client, "publish_selected", article)
    article.refresh_from_db()
    return article.status == Status.PUBLISHED


def bulk_withdraw(client, world, role):
    article = others(world, status=Status.PUBLISHED)
    action(client, "withdraw_selected", article)
    article.refresh_from_db()
    return article.status == Status.WITHDRAWN


def bulk_delete_draft(client, world, role):
    article = others(world)
    client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"}
    )
    return not Article.objects.filter(pk=article.pk).exists()


def delete_draft(client, world, role):
    article = others(world)
    client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    return not Article.objects.filter(pk=article.pk).exists()


def delete_published(client, world, role):
    article = others(world, status=Status.PUBLISHED)
    client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    return not Article.objects.filter(pk=article.pk).exists()


def preview_others_draft(client, world, role):
    article = others(world, title="아직 게재 전인 기사")
    response = client.get(f"/admin/articles/article/{article.pk}/preview/")
    return response.status_code == 200 and "아직 게재 전인 기사" in response.content.decode()


def view_sections(client, world, role):
    response = client.get("/admin/articles/section/")
    return response.status_code == 200 and "제약ㆍ약사" in response.content.decode()


def add_section(client, world, role):
    client.post(
        "/admin/articles/section/add/",
        {"name": "정책", "slug": "new-policy", "order": 90, "in_navigation": "on"},
    )
    return Section.objects.filter(slug="new-policy").exists()


def change_section(client, world, role):
    section = Section.objects.get(name="기타")
    client.post(
        f"/admin/articles/section/{section.pk}/change/",
        {"name": "기타 소식", "slug": section.slug, "order": section.order},
    )
    return Section.objects.filter(name="기타 소식").exists()


def add_reporter(client, world, role):
    user = get_user_model().objects.create_user(username="newcomer", is_staff=True)
    client.post(
        "/admin/articles/reporter/add/",
        {"user": user.pk, "name": "신입기자", "email": "newcomer@example.com", "is_active": "on"},
    )
    return Reporter.objects.filter(name="신입기자").exists()


def change_reporter(client, world, role):
    reporter = Reporter.objects.get(user=world["other"])
    client.post(
        f"/admin/articles/reporter/{reporter.pk}/change/",
        {"user": reporter.user_id, "name": "이준호(수정)", "email": reporter.email},
    )
    return Reporter.objects.filter(name="이준호(수정)").exists()


def add_tag(client, world, role):
    client.post("/admin/articles/tag/add/", {"name": "원격의료", "slug": "원격의료"})
    return Tag.objects.filter(name="원격의료").exists()


def view_history_log(client, world, role):
    article = others(world, status=Status.SUBMITTED, title="이력 로그에 남을 기사")
    services.article_publish(article=article, by=world["actors"]["desk"])
    response = client.get("/admin/articles/articleevent/")
    return response.status_code == 200 and "이력 로그에 남을 기사" in response.content.decode()


def change_history(client, world, role):
    article = others(world, status=Status.SUBMITTED)
    services.article_publish(article=article, by=world["actors"]["desk"])
    event = article.events.get()
    client.post(
        f"/admin/articles/articleevent/{event.pk}/change/",
        {"action": "withdrawn", "actor_name": "누군가", "note": "조작", "at_0": "", "at_1": ""},
    )
    client.post(f"/admin/articles/articleevent/{event.pk}/delete/", {"post": "yes"})
    event = ArticleEvent.objects.filter(pk=event.pk).first()
    return event is None or event.note == "조작"


MATRIX = {
    # action: roles that may do it
    view_list: {"reporter", "desk"},
    add_article: {"reporter", "desk"},
    change_own_draft: {"reporter", "desk"},
    change_own_submitted: {"reporter", "desk"},
    change_own_published: {"desk"},
    change_others_draft: {"desk"},
    change_others_published: {"desk"},
    submit: {"reporter", "desk"},
    publish: {"desk"},
    schedule: {"desk"},
    withdraw: {"desk"},
    set_headline_in_form: {"desk"},
    bulk_set_headline: {"desk"},
    bulk_publish: {"desk"},
    bulk_withdraw: {"desk"},
    bulk_delete_draft: {"desk"},
    delete_draft: {"desk"},
    delete_published: set(),  # withdrawn, never deleted: published URLs stay stable
    preview_others_draft: {"desk"},
    view_sections: {"reporter", "desk"},
    add_section: {"desk"},
    change_section: {"desk"},
    add_reporter: {"desk"},
    change_reporter: {"desk"},
    add_tag: {"reporter", "desk"},
    view_history_log: {"desk"},
    change_history: set(),  # history is never edited, not even by the desk
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perform", list(MATRIX), ids=lambda f: f.__name__)
def test_role_may_do_exactly_what_the_matrix_allows(client, world, role, perform):
    user = world["actors"][role]
    if user is not None:
        client.force_login(user)
    allowed = role in MATRIX[perform]
    assert perform(client, world, role) is allowed, (
        f"{role} {'should' if allowed else 'must not'} be able to {perform.__name__}"
    )


def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_ad_manager_is_refused_the_article_admin_with_403(client, admanager_user):
    client.force_login(admanager_user)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(ADD_URL).status_code == 403


def test_reporter_posting_a_publish_button_gets_403_and_nothing_changes(
    client, reporter_user, make_article
):
    article = make_article(by=reporter_user, status=Status.SUBMITTED)
    client.force_login(reporter_user)
    response = post_change(client, article, _publish="게재", title="바뀌면 안 되는 제목")
    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.status, article.title) == (
        Status.SUBMITTED,
        "보건복지부, 필수의료 지원 대책 발표",
    )


def test_reporter_does_not_see_others_drafts_but_sees_published_read_only(
    client, reporter_user, other_reporter_user, make_article
):
    draft = make_article(by=other_reporter_user, title="남의 초고")
    published = make_article(
        by=other_reporter_user,
        status=Status.PUBLISHED,
        title="게재된 기사",
        body="<p>게재된 본문</p>",
    )
    client.force_login(reporter_user)
    listing = client.get(LIST_URL).content.decode()
    assert "남의 초고" not in listing
    assert "게재된 기사" in listing
    assert client.get(change_url(draft)).status_code == 302  # "no such article" back to index
    page = client.get(change_url(published))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="title"' not in html  # read-only: no input to change it
    assert "<p>게재된 본문</p>" in html  # the body as readers see it, not its source


def test_reporter_does_not_see_the_desks_bulk_actions(
    client, reporter_user, desk_user, make_article
):
    make_article(by=reporter_user, status=Status.PUBLISHED)  # the action bar needs a row
    client.force_login(reporter_user)
    html = client.get(LIST_URL).content.decode()
    assert "publish_selected" not in html
    assert "set_headline_selected" not in html
    client.force_login(desk_user)
    html = client.get(LIST_URL).content.decode()
    assert "publish_selected" in html
    assert "withdraw_selected" in html
    assert "set_headline_selected" in html


def test_ad_manager_role_has_no_article_permission(roles):
    names = ROLE_PERMISSIONS[AD_MANAGER]
    assert not [name for name in names if name.startswith("articles.")]
    assert not roles[AD_MANAGER].permissions.filter(content_type__app_label="articles").exists()


def test_reporter_role_cannot_publish_edit_others_or_set_headlines(roles):
    codenames = set(roles[REPORTER].permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "view_article"} <= codenames
    assert not codenames & {"publish_article", "edit_any_article", "set_headline", "delete_article"}
    desk = set(roles[DESK].permissions.values_list("codename", flat=True))
    assert {"publish_article", "edit_any_article", "set_headline"} <= desk
    assert {"add_section", "change_section", "add_reporter", "change_reporter"} <= desk


def test_only_a_superuser_can_delete_an_article_readers_have_seen(client, make_user, make_article):
    article = make_article(status=Status.PUBLISHED)
    admin = make_user("chief", is_staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert not Article.objects.filter(pk=article.pk).exists()
