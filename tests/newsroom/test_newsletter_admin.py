"""The desk composes a newsletter issue in the admin: the default articles (headlines, then the
most read of the period), reordered, removed and added; an introduction; the preview as sent; a
test to oneself through the SMTP server; then send. Reporters and ad managers cannot."""

import io
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from newsroom.newsletter import services
from newsroom.newsletter.models import Issue, IssueArticle
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER, ensure_roles
from newsroom.timezones import KST
from tests.factories import publish

from .test_newsletter import confirmed

pytestmark = pytest.mark.django_db

ADD = "/admin/newsroom/issue/add/"


def staff(username, role=None, **fields):
    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-only", is_staff=True, **fields
    )
    if role:
        ensure_roles()
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def desk(client):
    user = staff("desk", DESK, email="desk@example.com")
    client.force_login(user)
    return user


def change_url(issue) -> str:
    return f"/admin/newsroom/issue/{issue.pk}/change/"


def issue_form(**fields) -> dict:
    data = {
        "title": "오늘의 헬스·의약 뉴스",
        "period": "day",
        "edition_date": f"{timezone.localdate():%Y-%m-%d}",
        "introduction": "안녕하세요, 편집국입니다.\n\n오늘은 약가 소식이 많습니다.",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def items_form(issue, rows: list[tuple[int | None, int, int, bool]], **fields) -> dict:
    """The change form with the inline rows (item id or None, article id, position, delete)."""
    data = issue_form(
        title=issue.title,
        introduction=issue.introduction,
        **{"items-TOTAL_FORMS": str(len(rows))},
        **{"items-INITIAL_FORMS": str(sum(1 for row in rows if row[0]))},
    )
    for index, (item, article, position, delete) in enumerate(rows):
        data[f"items-{index}-id"] = item or ""
        data[f"items-{index}-issue"] = issue.pk
        data[f"items-{index}-article"] = article
        data[f"items-{index}-position"] = position
        if delete:
            data[f"items-{index}-DELETE"] = "on"
    data.update(fields)
    return data


def titles(issue) -> list[str]:
    return [article.title for article in issue.ordered_articles()]


@time_machine.travel(datetime(2026, 3, 4, 15, 0, tzinfo=KST), tick=False)
def test_the_default_is_the_periods_headlines_then_its_most_read(db):
    now = timezone.now()
    read = publish("많이 본 기사", ago=timedelta(hours=2), view_count=900)
    headline = publish("헤드라인 기사", ago=timedelta(hours=3), is_headline=True)
    quiet = publish("조용한 기사", ago=timedelta(hours=4), view_count=3)
    publish("지난주 기사", ago=timedelta(days=3), view_count=5000)
    publish("예약 기사", ago=-timedelta(hours=2), view_count=9999)
    Article.objects.create(title="초안", status=Article.Status.DRAFT, view_count=10_000)
    issue = Issue(edition_date=timezone.localdate(now), period="day")
    assert services.default_articles(issue=issue) == [headline, read, quiet]
    issue.period = "week"
    week = services.default_articles(issue=issue)
    assert [a.title for a in week] == [
        "헤드라인 기사",
        "지난주 기사",
        "많이 본 기사",
        "조용한 기사",
    ]


def earlier_today() -> timedelta:
    """How long ago an article was published for it to be today's in Seoul whatever the hour
    the test runs (just after midnight, an hour ago is yesterday)."""
    now = timezone.localtime()
    return min(timedelta(hours=1), (now - now.replace(hour=0, minute=0, second=0)) / 2)


def test_the_desk_composes_previews_tests_and_sends_an_issue(client, desk, smtp):
    ago = earlier_today()
    first = publish("복지부, 필수의료 지원 대책", ago=ago, is_headline=True)
    second = publish("식약처, 비만치료제 서한", ago=ago, view_count=500)
    third = publish("건보공단, 수가 협상 결과", ago=ago, view_count=100)
    extra = publish("지난주의 중요한 기사", ago=timedelta(days=10))
    draft = Article.objects.create(title="아직 초안", status=Article.Status.DRAFT)

    form = client.get(ADD)
    assert form.status_code == 200 and "뉴스레터 " in form.content.decode()
    response = client.post(ADD, issue_form())
    issue = Issue.objects.get()
    assert response.status_code == 302 and response["Location"] == change_url(issue)
    assert issue.created_by == desk and issue.status == Issue.Status.DRAFT
    assert titles(issue) == [first.title, second.title, third.title]

    items = {item.article_id: item for item in issue.items.all()}
    # Reorder (third first), remove the second, add an older article at the end.
    rows = [
        (items[first.pk].pk, first.pk, 20, False),
        (items[second.pk].pk, second.pk, 30, True),
        (items[third.pk].pk, third.pk, 10, False),
        (None, extra.pk, 40, False),
    ]
    response = client.post(change_url(issue), items_form(issue, rows, _continue="1"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert titles(issue) == [third.title, first.title, extra.title]

    # A draft cannot be slipped in.
    refused = client.post(change_url(issue), items_form(issue, [(None, draft.pk, 50, False)]))
    assert "게재된 기사만 넣을 수 있습니다" in refused.content.decode()
    assert not issue.items.filter(article=draft).exists()

    preview = client.get(f"/admin/newsroom/issue/{issue.pk}/preview/")
    html = preview.content.decode()
    assert preview.status_code == 200 and "noindex" in preview["X-Robots-Tag"]
    positions = [html.index(title) for title in (third.title, first.title, extra.title)]
    assert positions == sorted(positions)
    assert "오늘은 약가 소식이 많습니다." in html and "수신 거부" in html

    response = client.post(f"/admin/newsroom/issue/{issue.pk}/send-test/")
    assert response.status_code == 302
    (test_mail,) = smtp.to("desk@example.com")
    assert test_mail.subject == "[시험 발송] 오늘의 헬스·의약 뉴스"
    # The test mail is the issue as readers get it.
    assert re.sub(r"/unsubscribe/[^/]+/", "", test_mail.html) == re.sub(
        r"/unsubscribe/[^/]+/", "", html.replace("\n", "\r\n")
    )

    confirmed("reader@example.com")
    confirm_page = client.get(f"/admin/newsroom/issue/{issue.pk}/send/")
    assert "확인된 구독자 <strong>1명</strong>" in confirm_page.content.decode()
    response = client.post(f"/admin/newsroom/issue/{issue.pk}/send/")
    assert response["Location"] == f"/admin/newsroom/issue/{issue.pk}/progress/"
    issue.refresh_from_db()
    assert issue.status == Issue.Status.QUEUED and issue.queued_by == desk
    progress = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in progress

    call_command("send_newsletter", stdout=io.StringIO())
    (letter,) = smtp.to("reader@example.com")
    assert letter.subject == "오늘의 헬스·의약 뉴스"
    progress = client.get(f"/admin/newsroom/issue/{issue.pk}/progress/").content.decode()
    assert '<progress id="issue-progress-bar" max="1" value="1">' in progress
    assert 'http-equiv="refresh"' not in progress

    # A sent issue is a record: no more edits, no second send, no delete.
    response = client.post(change_url(issue), items_form(issue, [], title="바꾼 제목"))
    issue.refresh_from_db()
    assert issue.title == "오늘의 헬스·의약 뉴스"
    client.post(f"/admin/newsroom/issue/{issue.pk}/send/")
    assert issue.deliveries.count() == 1
    assert (
        client.post(f"/admin/newsroom/issue/{issue.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_an_issue_without_articles_cannot_be_sent(client, desk):
    issue = Issue.objects.create(title="빈 뉴스레터", edition_date=timezone.localdate())
    response = client.post(f"/admin/newsroom/issue/{issue.pk}/send/", follow=True)
    assert "기사가 하나도 없는 뉴스레터는 보낼 수 없습니다." in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_a_test_mail_needs_the_desks_own_address(client, smtp):
    client.force_login(staff("nomail", DESK))
    issue = Issue.objects.create(title="시험", edition_date=timezone.localdate())
    response = client.post(f"/admin/newsroom/issue/{issue.pk}/send-test/", follow=True)
    assert "내 계정에 이메일 주소가 없습니다" in response.content.decode()
    assert smtp.received == []


@pytest.mark.parametrize("title", ["제목\n두 줄", "Bcc: x@example.com\r\n제목", "탭\t제목"])
def test_a_title_that_would_split_the_mail_header_is_refused(client, desk, title):
    response = client.post(ADD, issue_form(title=title))
    assert response.status_code == 200
    assert "줄바꿈이나 제어 문자를 넣을 수 없습니다" in response.content.decode()
    assert not Issue.objects.exists()


@pytest.mark.parametrize("role", [REPORTER, AD_MANAGER])
def test_reporters_and_ad_managers_can_neither_compose_nor_send(client, role, smtp):
    issue = Issue.objects.create(title="데스크의 뉴스레터", edition_date=timezone.localdate())
    IssueArticle.objects.create(issue=issue, article=publish("기사"), position=10)
    confirmed("reader@example.com")
    client.force_login(staff("someone", role, email="someone@example.com"))
    base = f"/admin/newsroom/issue/{issue.pk}/"
    for url in ("/admin/newsroom/issue/", ADD, base + "change/", base + "preview/",
                base + "progress/", base + "send/", "/admin/newsroom/subscriber/"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    for url in (ADD, base + "change/", base + "send/", base + "send-test/", base + "delete/"):
        assert client.post(url, issue_form(title="바꿈")).status_code == 403, url
    issue.refresh_from_db()
    assert issue.title == "데스크의 뉴스레터" and issue.status == Issue.Status.DRAFT
    assert Issue.objects.count() == 1 and smtp.received == []


def test_subscribers_addresses_are_for_administrators_only(client, desk):
    confirmed("reader@example.com")
    assert client.get("/admin/newsroom/subscriber/").status_code == 403
    client.force_login(staff("admin", is_superuser=True))
    page = client.get("/admin/newsroom/subscriber/?q=reader@example.com")
    assert page.status_code == 200 and "reader@example.com" in page.content.decode()


def test_the_issue_list_reads_a_few_queries_however_many_issues(
    client, desk, django_assert_max_num_queries
):
    for number in range(15):
        Issue.objects.create(title=f"뉴스레터 {number}", edition_date=timezone.localdate())
    with django_assert_max_num_queries(12):
        assert client.get("/admin/newsroom/issue/").status_code == 200
