"""What an edit leaves behind: the public 수정 time (the page, JSON-LD, the sitemaps, the feed)
moves only when a reader-visible field changes after publication, and the history names only
the fields a save really changed."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleEvent, Section
from newsroom.timezones import KST

from ..test_pages import json_ld
from .helpers import change_url, form_data, image_bytes

pytestmark = pytest.mark.django_db

Status = Article.Status
Action = ArticleEvent.Action
SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}

PUBLISHED = datetime(2025, 9, 1, 9, 0, tzinfo=KST)
LATER = PUBLISHED + timedelta(hours=3)

BODY = (
    '<p>보건복지부가 "필수의료" 대책을 내놨다.<br>둘째 줄</p>'
    '<figure class="image"><img src="/media/uploads/a.jpg" alt="" width="1600" height="900">'
    "<figcaption>사진 설명</figcaption></figure>"
    "<ul><li>하나</li><li><strong>둘</strong> <em>셋</em></li></ul>"
)
# The same body as CKEditor 4 posts it back untouched: line breaks and tabs between blocks,
# `<br />`, attributes in alphabetical order, `"` written as an entity.
BODY_FROM_THE_EDITOR = (
    "<p>보건복지부가 &quot;필수의료&quot; 대책을 내놨다.<br />\n둘째 줄</p>\n\n"
    '<figure class="image"><img alt="" height="900" src="/media/uploads/a.jpg" width="1600" />\n'
    "<figcaption>사진 설명</figcaption>\n</figure>\n\n"
    "<ul>\n\t<li>하나</li>\n\t<li><strong>둘</strong> <em>셋</em></li>\n</ul>\n"
)


def iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def public_times(article: Article) -> dict[str, str | None]:
    """Every place a reader or a crawler reads the article's times from."""
    reader = Client()
    html = reader.get(article.get_absolute_url(), HTTP_USER_AGENT="Mozilla/5.0 Chrome").content
    html = html.decode()
    shown = re.search(r'<span>수정 <time datetime="([^"]+)">', html)
    meta = re.search(r'<meta property="article:modified_time" content="([^"]+)">', html)
    sitemap = ET.fromstring(reader.get("/sitemap-articles.xml").content)
    index = ET.fromstring(reader.get("/sitemap.xml").content)
    feed = ET.fromstring(reader.get("/rss/").content)
    articles_entry = next(
        entry
        for entry in index.iterfind("sm:sitemap", SITEMAP)
        if "sitemap-articles" in entry.findtext("sm:loc", namespaces=SITEMAP)
    )
    return {
        "수정": shown.group(1) if shown else None,
        "article:modified_time": meta.group(1),
        "dateModified": json_ld(html)["dateModified"],
        "lastmod": sitemap.findtext("sm:url/sm:lastmod", namespaces=SITEMAP),
        "index lastmod": articles_entry.findtext("sm:lastmod", namespaces=SITEMAP),
        "feed": iso(parsedate_to_datetime(feed.findtext("channel/lastBuildDate"))),
    }


def expected_times(*, published: datetime, edited: datetime | None = None) -> dict:
    """What those places say: the edit's time where there was one, the publication's if not."""
    last = iso(edited or published)
    return {
        "수정": iso(edited) if edited else None,
        "article:modified_time": last,
        "dateModified": last,
        "lastmod": last,
        "index lastmod": last,
        "feed": last,
    }


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


@pytest.fixture
def published(make_article, reporter_user, make_photo):
    return make_article(
        by=reporter_user,
        status=Status.PUBLISHED,
        published_at=PUBLISHED,
        subtitle="분만·소아 우선\n가산율 차등",
        body=BODY,
        lead_photo=make_photo(),
        lead_photo_caption="사진 설명",
    )


def another_photo() -> int:
    upload = SimpleUploadedFile("lead.jpg", image_bytes(), "image/jpeg")
    return services.photo_add(upload=upload, by=None, caption="다른 사진").pk


def save_in_the_editor(client, article, **changes):
    """The desk presses 저장 on the article form, as a browser posts it: the body as CKEditor
    gives it back, the subtitle's line breaks as CRLF, the links as they were."""
    article.refresh_from_db()
    data = form_data(
        article,
        body=BODY_FROM_THE_EDITOR,
        subtitle=article.subtitle.replace("\n", "\r\n"),
        tags=[tag.pk for tag in article.tags.all()],
        related=[related.pk for related in article.related.all()],
    )
    response = client.post(change_url(article), {**data, **changes})
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    return article


# --- the public 수정 time ----------------------------------------------------------------------


def test_workflow_steps_and_saves_without_change_never_move_the_public_modified_time(
    desk, desk_user, published
):
    with time_machine.travel(LATER, tick=False):
        services.article_set_headline(article=published, by=desk_user)
        services.article_clear_headline(article=published, by=desk_user)
        save_in_the_editor(desk, published)
        save_in_the_editor(desk, published, is_headline="on", headline_order=2)
        services.article_withdraw(article=published, by=desk_user)
        services.article_publish(article=published, by=desk_user)
    with time_machine.travel(LATER + timedelta(minutes=5), tick=False):
        published.refresh_from_db()
        assert published.updated_at == LATER  # every one of them was saved
        assert published.published_at == PUBLISHED
        assert public_times(published) == expected_times(published=PUBLISHED)


# Each reader-visible field, changed as the desk changes it in the form.
CONTENT_EDITS = {
    "title": lambda article, other: {"title": "복지부, 필수의료 대책 확정"},
    "subtitle": lambda article, other: {"subtitle": "분만·소아 우선\r\n가산율 차등 확정"},
    "body": lambda article, other: {"body": BODY_FROM_THE_EDITOR.replace("둘째", "고친 둘째")},
    "lead_photo": lambda article, other: {"lead_photo": another_photo()},
    "lead_photo_caption": lambda article, other: {"lead_photo_caption": "고친 사진 설명"},
    "section": lambda article, other: {
        "section": Section.objects.exclude(pk=article.section_id).first().pk
    },
    "reporters": lambda article, other: {"reporters": [other.reporter.pk]},
}


def test_every_reader_visible_field_is_covered():
    assert set(CONTENT_EDITS) == set(Article.CONTENT_FIELDS)


@pytest.mark.parametrize("field", CONTENT_EDITS)
def test_a_reader_visible_edit_after_publication_moves_the_modified_time(
    desk, published, field, other_reporter_user
):
    changes = CONTENT_EDITS[field](published, other_reporter_user)
    with time_machine.travel(LATER, tick=False):
        save_in_the_editor(desk, published, **changes)
    assert published.content_changed_at == LATER
    with time_machine.travel(LATER + timedelta(minutes=5), tick=False):
        assert public_times(published) == expected_times(published=PUBLISHED, edited=LATER)


def test_headline_after_an_edit_leaves_the_edit_time(desk, desk_user, published):
    edited = LATER - timedelta(hours=1)
    with time_machine.travel(edited, tick=False):
        save_in_the_editor(desk, published, title="고친 제목")
    with time_machine.travel(LATER, tick=False):
        services.article_set_headline(article=published, by=desk_user)
        save_in_the_editor(desk, published)
        assert public_times(published) == expected_times(published=PUBLISHED, edited=edited)


def test_edits_before_the_first_publication_are_not_a_modification(desk, desk_user, make_article):
    draft = make_article(body=BODY)
    with time_machine.travel(PUBLISHED - timedelta(hours=2), tick=False):
        save_in_the_editor(desk, draft, title="초안을 고친 제목")
    with time_machine.travel(PUBLISHED - timedelta(hours=1), tick=False):
        services.article_schedule(article=draft, by=desk_user, at=PUBLISHED)
        save_in_the_editor(desk, draft, title="예약 뒤 고친 제목")  # readers have not seen it
    assert draft.content_changed_at is None
    with time_machine.travel(LATER, tick=False):
        assert public_times(draft) == expected_times(published=PUBLISHED)


# --- the history -----------------------------------------------------------------------------


def test_a_save_with_no_change_records_nothing(desk, published, make_tag):
    published.tags.set([make_tag("필수의료"), make_tag("지역수가")])
    before = published.events.count()
    article = save_in_the_editor(desk, published)
    assert article.events.count() == before
    assert article.body == BODY  # stored as it was


def test_changing_only_the_title_records_only_the_title(desk, published, make_tag):
    published.tags.set([make_tag("필수의료"), make_tag("지역수가")])
    tags = [tag.pk for tag in published.tags.order_by("-pk")]  # posted in another order
    save_in_the_editor(desk, published, title="제목만 고친 기사", tags=tags)
    assert published.events.get(action=Action.EDITED).note == "제목"


def test_links_the_user_cannot_see_are_not_an_edit(
    client, reporter_user, other_reporter_user, make_article
):
    """A reporter's form shows no link to an article hidden from them (the save keeps it)."""
    hidden = make_article(by=other_reporter_user, status=Status.WITHDRAWN, published_at=PUBLISHED)
    draft = make_article(by=reporter_user, body=BODY)
    draft.related.set([hidden])
    client.force_login(reporter_user)
    save_in_the_editor(client, draft, title="기자가 고친 제목", related=[])
    assert draft.events.get(action=Action.EDITED).note == "제목"
    assert list(draft.related.all()) == [hidden]


def test_an_edit_names_each_field_it_changed(desk, published):
    save_in_the_editor(
        desk,
        published,
        title="새 제목",
        body=BODY_FROM_THE_EDITOR.replace("하나", "첫째"),
        lead_photo_caption="새 사진 설명",
    )
    assert published.events.get(action=Action.EDITED).note == "제목, 본문, 이 기사의 사진 설명"


# --- existing articles -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_keeps_the_modified_time_of_real_edits_only():
    """Migration 0007: from the history where there is one (edits that named a reader-visible
    field, more than a minute after publication), from the last save where there is none."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    old = [("articles", "0006_article_updated_idx")]
    executor = MigrationExecutor(connection)
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    OldArticle = apps.get_model("articles", "Article")
    OldEvent = apps.get_model("articles", "ArticleEvent")

    def article(title, *, status="published", saved=LATER, events=()):
        row = OldArticle.objects.create(title=title, status=status, published_at=PUBLISHED)
        OldArticle.objects.filter(pk=row.pk).update(updated_at=saved)
        for action, at, note in events:
            OldEvent.objects.create(article=row, action=action, at=at, note=note)
        return row.pk

    edited_at = PUBLISHED + timedelta(hours=1)
    ids = {
        "edited, then a headline": article(
            "편집",
            events=[
                ("published", PUBLISHED, ""),
                ("edited", edited_at, "제목, 본문"),
                ("headline_set", LATER, ""),
            ],
        ),
        "only workflow": article(
            "헤드라인만",
            events=[("published", PUBLISHED, ""), ("edited", edited_at, "헤드라인, 헤드라인 순서")],
        ),
        "saved with publication": article(
            "게재 직전 저장",
            events=[("edited", PUBLISHED + timedelta(seconds=20), "본문")],
        ),
        "no history": article("이력 없음"),
        "no history, saved at once": article("곧바로 저장", saved=PUBLISHED),
        "draft": article("초안", status="draft", events=[("edited", edited_at, "제목")]),
    }

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    changed = dict(Article.objects.values_list("pk", "content_changed_at"))
    assert {name: changed[pk] for name, pk in ids.items()} == {
        "edited, then a headline": edited_at,
        "only workflow": None,
        "saved with publication": None,
        "no history": LATER,
        "no history, saved at once": None,
        "draft": None,
    }
