"""Revisions (판): every save that changes content keeps one, workflow steps link to it, the desk
and the article's own reporter compare any two side by side and restore an older one."""

import re

import pytest
from django.db import connection
from django.test import Client

from articles import services
from articles.models import Article, ArticleEvent, ArticleRevision, Tag
from articles.revisions import body_text, diff_texts, tokens

from .helpers import change_url, form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
Action = ArticleEvent.Action


def revisions_url(article):
    return f"/admin/articles/article/{article.pk}/revisions/"


def compare_url(article, a=None, b=None):
    query = f"?a={a}&b={b}" if a and b else ""
    return f"/admin/articles/article/{article.pk}/revisions/compare/{query}"


def restore_url(article, number):
    return f"/admin/articles/article/{article.pk}/revisions/{number}/restore/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def save(client, article, **changes):
    article.refresh_from_db()
    data = form_data(article, **{"tags": [tag.pk for tag in article.tags.all()], **changes})
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    return article


@pytest.fixture
def desk(desk_user):
    return client_for(desk_user)


@pytest.fixture
def draft(make_article, reporter_user):
    """A reporter's draft with its first 판, as the desk's form would have left it."""
    article = make_article(by=reporter_user, body="<p>보건복지부 장관이 발표했다.</p>")
    services.revision_record(article=article, by=reporter_user)
    return article


# --- a 판 per save that changes content --------------------------------------------------------


def test_a_new_article_starts_with_its_first_revision(client, reporter_user, section):
    client.force_login(reporter_user)
    response = client.post(
        "/admin/articles/article/add/",
        form_data(Article(title="새 기사", section=section), body="<p>본문</p>"),
    )
    assert response.status_code == 302
    article = Article.objects.get(title="새 기사")
    revision = article.revisions.get()
    assert (revision.number, revision.title, revision.byline_names) == (1, "새 기사", ["김서연"])
    assert article.events.get().revision == revision


def test_a_save_with_changes_makes_a_revision_with_the_content_as_saved(desk, draft):
    tag = Tag.objects.create(name="필수의료", slug="필수의료")
    save(
        desk,
        draft,
        title="복지부, 필수의료 대책",
        body="<p>새 본문<script>x</script></p>",
        tags=[tag.pk],
    )
    newest = draft.revisions.first()
    assert newest.number == 2
    assert newest.title == "복지부, 필수의료 대책"
    assert newest.body == "<p>새 본문</p>"  # sanitized, as stored
    assert newest.tags == ["필수의료"]
    assert newest.section_name == "행정"
    assert newest.created_by_name == "박데스크"
    edited = draft.events.get(action=Action.EDITED)
    assert edited.revision == newest


def test_a_save_with_no_change_makes_no_revision(desk, draft):
    save(desk, draft)
    assert draft.revisions.count() == 1
    assert not draft.events.exists()


def test_an_article_written_around_the_desk_keeps_its_state_before_the_first_edit(
    desk, make_article, reporter_user
):
    article = make_article(by=reporter_user, title="원래 제목")
    save(desk, article, title="고친 제목")
    assert [r.title for r in article.revisions.order_by("number")] == ["원래 제목", "고친 제목"]


def test_workflow_steps_link_to_the_revision_they_acted_on(desk, desk_user, draft):
    save(desk, draft, title="고친 제목")
    newest = draft.revisions.first()
    services.article_submit(article=draft, by=desk_user)
    services.article_publish(article=draft, by=desk_user)
    services.article_set_headline(article=draft, by=desk_user)
    services.article_withdraw(article=draft, by=desk_user)
    steps = draft.events.exclude(action=Action.EDITED)
    assert {event.revision_id for event in steps} == {newest.pk}
    assert draft.revisions.count() == 2  # workflow steps make no 판


# --- compare ------------------------------------------------------------------------------------


def test_korean_is_cut_into_syllable_runs_latin_words_and_single_characters():
    assert tokens("보건복지부는 GLP-1 약을") == ["보건복지부는", " ", "GLP", "-", "1", " ", "약을"]


def test_a_particle_added_to_a_word_marks_only_the_particle():
    old, new = diff_texts("보건복지부 장관이", "보건복지부는 장관이")
    assert str(old) == "보건복지부 장관이"
    assert str(new) == "보건복지부<ins>는</ins> 장관이"


def test_an_unrelated_word_is_marked_whole():
    old, new = diff_texts("식약처가 허가했다", "질병청이 허가했다")
    assert str(old) == "<del>식약처가</del> 허가했다"
    assert str(new) == "<ins>질병청이</ins> 허가했다"


def test_a_body_is_compared_as_paragraphs():
    html = '<p>첫 문단<br>둘째 줄</p><figure class="image"><img src="/media/a/b.jpg"></figure>'
    assert body_text(html + "<ul><li>하나</li></ul>") == "첫 문단\n둘째 줄\n[사진: b.jpg]\n하나"


def test_compare_shows_two_revisions_side_by_side_with_the_changes_marked(desk, draft):
    save(desk, draft, title="보건복지부는, 필수의료 지원 대책 발표")
    response = desk.get(compare_url(draft, 1, 2))
    assert response.status_code == 200
    html = response.content.decode()
    assert "보건복지부<ins>는</ins>" in html
    assert "1판 (이전)" in html and "2판 (이후)" in html


def test_compare_escapes_markup_in_what_editors_typed(desk, draft):
    save(
        desk, draft, title='<script>alert("판")</script> 제목', lead_photo_caption="<img onerror=x>"
    )
    html = desk.get(compare_url(draft)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;판&quot;)&lt;/script&gt;" in html
    assert "<img onerror" not in html


def test_the_change_form_links_to_the_revisions(desk, draft):
    html = desk.get(change_url(draft)).content.decode()
    assert f'href="{revisions_url(draft)}">판 비교' in html


# --- restore ------------------------------------------------------------------------------------


def test_restore_asks_first_then_makes_a_new_revision_and_changes_the_article(desk, draft):
    save(desk, draft, title="고친 제목", body="<p>고친 본문</p>")
    page = desk.get(restore_url(draft, 1))
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert draft.revisions.count() == 2  # a GET changes nothing
    response = desk.post(restore_url(draft, 1))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "보건복지부, 필수의료 지원 대책 발표"
    assert draft.body == "<p>보건복지부 장관이 발표했다.</p>"
    newest = draft.revisions.first()
    assert (newest.number, newest.note) == (3, "1판으로 복원")
    assert draft.events.first().action == Action.RESTORED
    assert draft.events.first().revision == newest


def test_restoring_into_a_published_article_moves_its_modified_time(desk, desk_user, draft):
    save(desk, draft, title="고친 제목")
    services.article_publish(article=draft, by=desk_user)
    assert draft.content_changed_at is None
    desk.post(restore_url(draft, 1))
    draft.refresh_from_db()
    assert draft.content_changed_at is not None
    assert draft.title == "보건복지부, 필수의료 지원 대책 발표"


def test_a_reporter_restores_their_own_draft(reporter_user, draft):
    reporter = client_for(reporter_user)
    save(reporter, draft, title="고친 제목")
    assert reporter.post(restore_url(draft, 1)).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "보건복지부, 필수의료 지원 대책 발표"


@pytest.mark.parametrize("status", [Status.PUBLISHED, "scheduled"])
def test_a_reporter_cannot_restore_into_a_published_article(
    desk, desk_user, reporter_user, draft, status
):
    from datetime import timedelta

    from django.utils import timezone

    save(desk, draft, title="고친 제목")
    if status == "scheduled":
        services.article_schedule(
            article=draft, by=desk_user, at=timezone.now() + timedelta(days=1)
        )
    else:
        services.article_publish(article=draft, by=desk_user)
    reporter = client_for(reporter_user)
    assert reporter.get(revisions_url(draft)).status_code == 200  # may still compare
    assert reporter.get(restore_url(draft, 1)).status_code == 403
    assert reporter.post(restore_url(draft, 1)).status_code == 403
    draft.refresh_from_db()
    assert draft.title == "고친 제목"
    assert draft.revisions.count() == 2


def test_restoring_needs_a_post_with_the_csrf_token(desk_user, desk, draft):
    save(desk, draft, title="고친 제목")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(desk_user)
    assert strict.post(restore_url(draft, 1)).status_code == 403
    draft.refresh_from_db()
    assert draft.title == "고친 제목"


@pytest.mark.parametrize("who", ["other_reporter", "admanager", "anonymous"])
def test_others_cannot_read_or_restore_the_revisions(
    who, desk, draft, desk_user, other_reporter_user, admanager_user
):
    save(desk, draft, title="고친 제목")
    services.article_publish(article=draft, by=desk_user)  # others' reporters can read it now
    users = {"other_reporter": other_reporter_user, "admanager": admanager_user}
    client = client_for(users[who]) if who in users else Client()
    for url in (revisions_url(draft), compare_url(draft), restore_url(draft, 1)):
        for response in (client.get(url), client.post(url)):
            if who == "anonymous":
                assert response.status_code == 302 and "/admin/login/" in response["Location"]
            else:
                assert response.status_code in (403, 404), url
    draft.refresh_from_db()
    assert draft.title == "고친 제목"


# --- 500 revisions ------------------------------------------------------------------------------


@pytest.fixture
def long_history(draft, desk_user):
    ArticleRevision.objects.bulk_create(
        ArticleRevision(
            article=draft,
            number=number,
            title=f"제목 {number}",
            body="<p>" + "긴 본문 " * 2000 + "</p>",
            created_by_name="박데스크",
        )
        for number in range(2, 501)
    )
    return draft


def test_the_revisions_list_of_500_stays_within_its_query_budget_and_loads_no_body(
    desk, long_history, django_assert_max_num_queries
):
    desk.get(revisions_url(long_history))  # the session and permissions warmed up
    with django_assert_max_num_queries(10) as captured:
        response = desk.get(revisions_url(long_history) + "?page=3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "모두 500개의 판" in html and "400판" in html
    revision_reads = [q["sql"] for q in captured.captured_queries if "articlerevision" in q["sql"]]
    table = connection.ops.quote_name("articles_articlerevision")
    body = f"{table}.{connection.ops.quote_name('body')}"
    assert revision_reads and not any(body in sql for sql in revision_reads)
    assert len(re.findall(r'name="b"', html)) == 50


def test_comparing_two_of_500_revisions_stays_within_its_query_budget(
    desk, long_history, django_assert_max_num_queries
):
    desk.get(compare_url(long_history, 10, 400))
    with django_assert_max_num_queries(10):
        response = desk.get(compare_url(long_history, 10, 400))
    assert response.status_code == 200
    assert "제목 <ins>400</ins>" in response.content.decode()
