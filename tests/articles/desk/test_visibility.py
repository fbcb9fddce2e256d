"""Every article widget of the admin shows, offers and accepts only what the user may see: a
reporter must not read the titles of others' drafts, the desk's drafts or scheduled articles
through the related-articles field, its autocomplete or any other choice widget."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone

from articles.models import Article
from newsroom.admin.mixins import (
    CHOICE_REFUSED,
    BoundedDateLookupsMixin,
    NewsroomModelAdmin,
    VisibleChoicesMixin,
)

from .helpers import ADD_URL, change_url, form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
SECRET = "비공개 기사 제목 유출 확인"
AUTOCOMPLETE = "/admin/autocomplete/"


@pytest.fixture(params=["others_draft", "desk_draft", "scheduled"])
def hidden_article(request, make_article, other_reporter_user, desk_user):
    """An article a reporter may not see, of each kind the desk keeps to itself."""
    if request.param == "others_draft":
        return make_article(title=SECRET, by=other_reporter_user)
    if request.param == "desk_draft":
        return make_article(title=SECRET, by=desk_user, status=Status.SUBMITTED)
    return make_article(
        title=SECRET,
        by=desk_user,
        status=Status.PUBLISHED,
        published_at=timezone.now() + timedelta(days=1),
    )


@pytest.fixture
def reporter(client, reporter_user):
    client.force_login(reporter_user)
    return client


def test_reporter_cannot_save_a_link_to_an_article_they_may_not_see(
    reporter, reporter_user, make_article, hidden_article
):
    own = make_article(title="내 초고", by=reporter_user)
    response = reporter.post(change_url(own), form_data(own, related=[hidden_article.pk]))
    assert response.status_code == 200, "the form should come back with its error"
    html = response.content.decode()
    assert CHOICE_REFUSED in html
    assert SECRET not in html
    assert not own.related.exists()


def test_reporter_cannot_create_an_article_linked_to_one_they_may_not_see(reporter, hidden_article):
    data = form_data(Article(title="새 초고"), related=[hidden_article.pk])
    response = reporter.post(ADD_URL, data)
    assert response.status_code == 200
    assert CHOICE_REFUSED in response.content.decode()
    assert not Article.objects.filter(title="새 초고").exists()


def test_form_of_an_article_linked_to_a_hidden_one_does_not_show_its_title(
    reporter, reporter_user, make_article, hidden_article
):
    own = make_article(title="내 초고", by=reporter_user)
    public = make_article(title="볼 수 있는 관련 기사", status=Status.PUBLISHED)
    own.related.add(hidden_article, public)  # linked by the desk, or around the admin
    html = reporter.get(change_url(own)).content.decode()
    assert SECRET not in html
    assert "볼 수 있는 관련 기사" in html


def test_saving_keeps_the_links_the_reporter_cannot_see(
    reporter, reporter_user, make_article, hidden_article
):
    own = make_article(title="내 초고", by=reporter_user)
    public = make_article(title="볼 수 있는 관련 기사", status=Status.PUBLISHED)
    own.related.add(hidden_article)
    response = reporter.post(change_url(own), form_data(own, related=[public.pk]))
    assert response.status_code == 302
    assert set(own.related.all()) == {hidden_article, public}


def test_desk_may_link_any_article(client, desk_user, make_article, hidden_article):
    client.force_login(desk_user)
    article = make_article(title="데스크 기사", by=desk_user)
    response = client.post(change_url(article), form_data(article, related=[hidden_article.pk]))
    assert response.status_code == 302
    assert list(article.related.all()) == [hidden_article]


def test_autocomplete_never_lists_an_article_the_user_may_not_see(
    reporter, make_article, hidden_article
):
    make_article(title=f"{SECRET} 게재", status=Status.PUBLISHED)
    response = reporter.get(
        AUTOCOMPLETE,
        {"app_label": "articles", "model_name": "article", "field_name": "related", "term": "유출"},
    )
    assert [item["text"] for item in response.json()["results"]] == [f"{SECRET} 게재"]


def test_ad_manager_sees_no_article_widget(client, admanager_user, make_article):
    make_article(title=SECRET, status=Status.PUBLISHED)
    client.force_login(admanager_user)
    for url in ("/admin/banners/banner/add/", "/admin/banners/placement/add/"):
        html = client.get(url).content.decode()
        assert "articles" not in html and SECRET not in html
    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "articles", "model_name": "article", "field_name": "related", "term": ""},
    )
    assert response.status_code == 403


def _our_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"articles", "banners", "weather", "newsroom"}
    ]


def test_every_admin_of_ours_limits_its_choices_and_bounds_its_dates():
    admins = _our_admins()
    assert len(admins) >= 10
    for model, model_admin in admins:
        assert isinstance(model_admin, VisibleChoicesMixin), model
        assert isinstance(model_admin, BoundedDateLookupsMixin), model
        assert not model_admin.raw_id_fields, model
        for inline in model_admin.inlines:
            assert issubclass(inline, VisibleChoicesMixin), inline


def test_raw_id_widgets_are_refused_by_the_system_check():
    class RawIdArticleAdmin(NewsroomModelAdmin):
        raw_id_fields = ("related",)

    errors = RawIdArticleAdmin(Article, admin.site).check()
    assert [error.id for error in errors] == ["newsroom.E001"]


def test_read_only_form_of_a_published_article_does_not_show_hidden_related_titles(
    reporter, make_article, hidden_article
):
    # Someone else's published article: the reporter may open it, read-only.
    public = make_article(title="남의 게재 기사", status=Status.PUBLISHED)
    shown = make_article(title="볼 수 있는 관련 기사", status=Status.PUBLISHED)
    public.related.add(hidden_article, shown)
    response = reporter.get(change_url(public))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="title"' not in html, "the reporter's view should be read-only"
    assert SECRET not in html
    assert "볼 수 있는 관련 기사" in html
