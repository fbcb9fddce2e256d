"""정정·반론·추후보도 at the desk: only the desk adds, amends and withdraws a notice, only on a
published article; each step is an edit of the article (수정 moves, the history says so), an
amendment keeps the earlier wording, and nobody deletes a notice."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleEvent, CorrectionNotice

pytestmark = pytest.mark.django_db

Kind = CorrectionNotice.Kind
Action = ArticleEvent.Action
ADD_URL = "/admin/articles/correctionnotice/add/"


def change_url(notice) -> str:
    return f"/admin/articles/correctionnotice/{notice.pk}/change/"


@pytest.fixture
def published(make_article, reporter_user):
    return make_article(
        by=reporter_user,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=3),
    )


def add_through_admin(
    client, article, text="본지는 지난 기사에서 수치를 잘못 보도했기에 바로잡습니다."
):
    return client.post(ADD_URL, {"article": article.pk, "kind": Kind.CORRECTION, "text": text})


def test_the_desk_adds_a_notice_through_the_admin_and_it_is_an_edit(client, desk_user, published):
    client.force_login(desk_user)
    version = published.version
    response = add_through_admin(client, published)
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = CorrectionNotice.objects.get()
    assert (notice.article, notice.kind, notice.created_by) == (
        published,
        Kind.CORRECTION,
        desk_user,
    )
    published.refresh_from_db()
    assert published.modified_at is not None  # 수정 moved
    assert published.content_changed_at == notice.published_at
    assert published.version == version + 1  # an open form of the article is now stale
    event = published.events.get(action=Action.CORRECTION_ADDED)
    assert event.actor == desk_user
    assert event.note.startswith("[정정보도] 본지는 지난 기사에서")


def test_the_article_form_lists_its_notices_and_offers_the_desk_to_add_one(
    client, desk_user, reporter_user, published
):
    services.notice_add(article=published, kind=Kind.REPLY, text="반론 내용", by=desk_user)
    client.force_login(desk_user)
    html = client.get(f"/admin/articles/article/{published.pk}/change/").content.decode()
    assert f"{ADD_URL}?article={published.pk}" in html
    assert "정정·반론보도 1건" in html and "반론보도 ·" in html
    client.force_login(reporter_user)
    html = client.get(f"/admin/articles/article/{published.pk}/change/").content.decode()
    assert ADD_URL not in html


def test_a_reporter_may_read_notices_but_not_add_amend_or_withdraw_them(
    client, reporter_user, desk_user, published
):
    notice = services.notice_add(article=published, kind=Kind.CORRECTION, text="정정", by=desk_user)
    client.force_login(reporter_user)
    assert client.get("/admin/articles/correctionnotice/").status_code == 200
    assert client.get(ADD_URL).status_code == 403
    assert add_through_admin(client, published).status_code == 403
    response = client.post(change_url(notice), {"kind": Kind.REPLY, "text": "바꿈"})
    assert response.status_code == 403
    notice.refresh_from_db()
    assert (notice.kind, notice.text) == (Kind.CORRECTION, "정정")
    with pytest.raises(PermissionDenied):
        services.notice_add(article=published, kind=Kind.CORRECTION, text="x", by=reporter_user)
    with pytest.raises(PermissionDenied):
        services.notice_amend(notice=notice, kind=Kind.CORRECTION, text="x", by=reporter_user)
    with pytest.raises(PermissionDenied):
        services.notice_withdraw(notice=notice, reason="x", by=reporter_user)
    assert CorrectionNotice.objects.count() == 1


@pytest.mark.parametrize(
    "state",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.SUBMITTED},
        {"status": Article.Status.WITHDRAWN, "published_at": timezone.now() - timedelta(days=1)},
        {"status": Article.Status.PUBLISHED, "published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "submitted", "withdrawn", "scheduled"],
)
def test_a_notice_goes_only_on_a_published_article(client, desk_user, make_article, state):
    article = make_article(**state)
    client.force_login(desk_user)
    response = add_through_admin(client, article)
    assert response.status_code == 200
    assert "게재 중인 기사에만 정정·반론보도를 붙일 수 있습니다." in response.content.decode()
    with pytest.raises(ValidationError):
        services.notice_add(article=article, kind=Kind.CORRECTION, text="정정", by=desk_user)
    assert not CorrectionNotice.objects.exists()
    assert not article.events.filter(action=Action.CORRECTION_ADDED).exists()


def test_an_amendment_keeps_the_earlier_wording_and_moves_the_edit_time(
    client, desk_user, published
):
    added = timezone.now() - timedelta(minutes=30)
    notice = services.notice_add(
        article=published, kind=Kind.CORRECTION, text="첫 문구", by=desk_user, now=added
    )
    client.force_login(desk_user)
    response = client.post(change_url(notice), {"kind": Kind.REPLY, "text": "고친\r\n문구"})
    assert response.status_code == 302, response.content.decode()[:2000]
    notice.refresh_from_db()
    assert (notice.kind, notice.text) == (Kind.REPLY, "고친\n문구")
    assert notice.amended_at is not None and notice.published_at == added
    assert [(old["kind"], old["text"], old["by"]) for old in notice.previous] == [
        (Kind.CORRECTION, "첫 문구", "박데스크")
    ]
    published.refresh_from_db()
    assert published.content_changed_at == notice.amended_at
    assert published.events.filter(action=Action.CORRECTION_AMENDED).count() == 1
    html = client.get(change_url(notice)).content.decode()
    assert "첫 문구" in html and "이전 내용" in html
    # Saved again unchanged: no new trail, no edit.
    response = client.post(change_url(notice), {"kind": Kind.REPLY, "text": "고친\r\n문구"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert len(notice.previous) == 1
    assert published.events.filter(action=Action.CORRECTION_AMENDED).count() == 1


def test_withdrawing_logs_the_reason_hides_nothing_from_the_desk_and_deletes_nothing(
    client, desk_user, published
):
    notice = services.notice_add(article=published, kind=Kind.FOLLOW_UP, text="추후", by=desk_user)
    client.force_login(desk_user)
    response = client.post(
        change_url(notice), {"kind": Kind.FOLLOW_UP, "text": "추후", "withdraw": "on"}
    )
    assert response.status_code == 200
    assert "내리는 사유를 입력하세요." in response.content.decode()
    response = client.post(
        change_url(notice),
        {"kind": Kind.FOLLOW_UP, "text": "추후", "withdraw": "on", "withdraw_reason": "중복 게시"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notice.refresh_from_db()
    assert not notice.is_shown and notice.withdrawn_by == desk_user
    assert notice.withdrawal_reason == "중복 게시"
    event = published.events.get(action=Action.CORRECTION_WITHDRAWN)
    assert event.note == "추후보도 삭제: 중복 게시"
    assert not CorrectionNotice.objects.shown().exists()
    # A withdrawn notice is read-only, and no one deletes a notice from the admin.
    html = client.get(change_url(notice)).content.decode()
    assert "중복 게시" in html and 'name="text"' not in html
    assert (
        client.post(change_url(notice), {"kind": Kind.CORRECTION, "text": "x"}).status_code == 403
    )
    assert client.get(change_url(notice).replace("change", "delete")).status_code == 403
    listing = client.get("/admin/articles/correctionnotice/").content.decode()
    assert "delete_selected" not in listing
    with pytest.raises(ValidationError):
        services.notice_amend(notice=notice, kind=Kind.CORRECTION, text="x", by=desk_user)
    with pytest.raises(ValidationError):
        services.notice_withdraw(notice=notice, reason="again", by=desk_user)
    assert CorrectionNotice.objects.count() == 1


def test_a_superuser_cannot_delete_a_notice_either(client, django_user_model, desk_user, published):
    notice = services.notice_add(article=published, kind=Kind.CORRECTION, text="정정", by=desk_user)
    chief = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-x-1234")
    client.force_login(chief)
    assert (
        client.post(change_url(notice).replace("change", "delete"), {"post": "yes"}).status_code
        == 403
    )
    assert CorrectionNotice.objects.filter(pk=notice.pk).exists()


def test_the_correction_picker_offers_only_published_articles(
    client, desk_user, published, make_article
):
    make_article(title="아직 초안인 기사", status=Article.Status.DRAFT)
    client.force_login(desk_user)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "correctionnotice", "field_name": "article"},
    )
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {published.pk}


def test_adding_amending_and_withdrawing_a_notice_each_make_a_revision(
    client, desk_user, published
):
    """A notice is a real edit: each step is a new 판 holding the notices readers see, linked
    from its history step; the 판 before the first notice is kept too."""
    notice = services.notice_add(
        article=published, kind=Kind.CORRECTION, text="수치를 바로잡습니다.", by=desk_user
    )
    services.notice_amend(
        notice=notice, kind=Kind.CORRECTION, text="수치를 고칩니다.", by=desk_user
    )
    services.notice_withdraw(notice=notice, by=desk_user, reason="착오로 게시")
    revisions = list(published.revisions.order_by("number"))
    assert [r.notices for r in revisions] == [
        [],
        [{"kind": "correction", "text": "수치를 바로잡습니다."}],
        [{"kind": "correction", "text": "수치를 고칩니다."}],
        [],
    ]
    assert [r.note for r in revisions[1:]] == ["정정보도 게시", "정정보도 수정", "정정보도 삭제"]
    for action, number in [
        (Action.CORRECTION_ADDED, 2),
        (Action.CORRECTION_AMENDED, 3),
        (Action.CORRECTION_WITHDRAWN, 4),
    ]:
        assert published.events.get(action=action).revision.number == number

    client.force_login(desk_user)
    html = client.get(
        f"/admin/articles/article/{published.pk}/revisions/compare/?a=1&b=2"
    ).content.decode()
    assert "정정·반론보도" in html and "<ins>" in html and "바로잡습니다" in html


def test_restoring_an_older_revision_leaves_the_notices_as_they_are(desk_user, published):
    """Notices are never silently removed: a restore brings back content, not an older set of
    notices."""
    services.notice_add(article=published, kind=Kind.REPLY, text="반론을 싣습니다.", by=desk_user)
    published.refresh_from_db()
    published.title = "바뀐 제목"
    published.save()
    services.revision_record(article=published, by=desk_user)
    first = published.revisions.get(number=1)
    services.article_restore(article=published, revision=first, by=desk_user)
    assert CorrectionNotice.objects.shown().filter(article=published).count() == 1
    newest = published.revisions.order_by("-number").first()
    assert newest.notices == [{"kind": "reply", "text": "반론을 싣습니다."}]
