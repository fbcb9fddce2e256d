"""What an edit leaves behind: the history names only the fields a save really changed."""

from datetime import datetime

import pytest

from articles.models import Article, ArticleEvent
from newsroom.timezones import KST

from .helpers import change_url, form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
Action = ArticleEvent.Action
PUBLISHED = datetime(2025, 9, 1, 9, 0, tzinfo=KST)

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


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


@pytest.fixture
def published(make_article, reporter_user):
    return make_article(
        by=reporter_user,
        status=Status.PUBLISHED,
        published_at=PUBLISHED,
        subtitle="분만·소아 우선\n가산율 차등",
        body=BODY,
        lead_image_caption="사진 설명",
    )


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
        lead_image_caption="새 사진 설명",
    )
    assert published.events.get(action=Action.EDITED).note == "제목, 본문, 사진 설명"
