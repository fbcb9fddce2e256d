"""The newsletter for readers (issue 17): subscribe with consent, double opt-in by a signed link
in a mail that reaches a real SMTP server, one-click unsubscribe from every issue (the page's
button and RFC 8058's List-Unsubscribe POST), and no way to learn who subscribes."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from newsroom.newsletter import services, tokens
from newsroom.newsletter.models import Delivery, Issue, IssueArticle, Subscriber
from tests.factories import publish, site_info

pytestmark = pytest.mark.django_db

READER = "kim.reader@example.com"
CONFIRM_LINK = re.compile(r"http://testserver(/newsletter/confirm/[^\s\"<]+/)")


def subscribe(client, email=READER, **extra):
    return client.post("/newsletter/", {"email": email, "consent": "on", **extra})


def confirm_path(received) -> str:
    found = CONFIRM_LINK.search(received.text)
    assert found, received.text
    # The HTML part carries the same link.
    assert found.group(0) in received.html
    return found.group(1)


def confirmed(email=READER) -> Subscriber:
    return Subscriber.objects.create(
        email=email,
        status=Subscriber.Status.CONFIRMED,
        consented_at=timezone.now(),
        confirmed_at=timezone.now(),
    )


def issue_with(*articles, title="오늘의 헬스·의약 뉴스", introduction="편집국입니다.") -> Issue:
    issue = Issue.objects.create(
        title=title,
        edition_date=timezone.localdate(),
        introduction=introduction,
        status=Issue.Status.QUEUED,
        queued_at=timezone.now(),
    )
    for position, article in enumerate(articles, start=1):
        IssueArticle.objects.create(issue=issue, article=article, position=position * 10)
    return issue


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- the journey -------------------------------------------------------------------------------


def test_a_reader_subscribes_confirms_receives_an_issue_and_unsubscribes_by_its_link(smtp):
    site_info().save()
    reader = Client(enforce_csrf_checks=True)
    page = reader.get("/newsletter/")
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value
    answer = reader.post(
        "/newsletter/", {"email": READER, "consent": "on", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302 and answer["Location"] == "/newsletter/sent/"
    assert "확인 메일을 보냈습니다" in reader.get(answer["Location"]).content.decode()

    (mail,) = smtp.to(READER)
    assert mail.subject == "[건강일보] 뉴스레터 구독을 확인해 주세요"
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING

    # Opening the link confirms nothing (a mail scanner opens links too); the button does.
    link = confirm_path(mail)
    page = reader.get(link)
    assert page.status_code == 200 and "구독 확인" in page.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    token = page.cookies.get("csrftoken", reader.cookies["csrftoken"]).value
    done = reader.post(link, {"csrfmiddlewaretoken": token})
    assert "구독이 확인되었습니다" in done.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED

    article = publish("식약처, 비만치료제 안전성 서한 배포")
    issue_with(article)
    call_command("send_newsletter", stdout=open("/dev/null", "w"))  # noqa: SIM115
    (letter,) = smtp.to(READER)[1:]
    assert letter.subject == "오늘의 헬스·의약 뉴스"
    assert "식약처, 비만치료제 안전성 서한 배포" in letter.html
    assert f"http://testserver{article.get_absolute_url()}" in letter.text

    unsubscribe = path_of(letter.header("List-Unsubscribe").strip("<>"))
    assert unsubscribe in letter.html and unsubscribe in letter.text
    page = reader.get(unsubscribe)
    assert page.status_code == 200 and "구독 해지" in page.content.decode()
    assert Subscriber.objects.exists()
    token = reader.cookies["csrftoken"].value
    done = reader.post(unsubscribe, {"csrfmiddlewaretoken": token})
    assert "구독이 해지되었습니다" in done.content.decode()
    assert not Subscriber.objects.exists()
    # The record that the issue was delivered stays, without the address.
    assert Delivery.objects.get().subscriber is None


def test_a_mail_apps_one_click_post_unsubscribes_without_a_csrf_token(smtp):
    subscriber = confirmed()
    issue_with(publish("건보공단, 수가 협상 결과 발표"))
    call_command("send_newsletter", stdout=open("/dev/null", "w"))  # noqa: SIM115
    (letter,) = smtp.to(READER)
    assert letter.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    url = letter.header("List-Unsubscribe")
    assert url.startswith("<http://testserver/newsletter/unsubscribe/") and url.endswith(">")
    mail_app = Client(enforce_csrf_checks=True)  # no cookie, no token: a mail provider's POST
    # Anything but the one-click body still needs the page's CSRF token.
    assert mail_app.post(path_of(url.strip("<>")), {"unsubscribe": "1"}).status_code == 403
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()
    response = mail_app.post(
        path_of(url.strip("<>")),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
    # Said twice, it is still done (a mail app may retry).
    again = mail_app.post(
        path_of(url.strip("<>")),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert again.status_code == 404 and "찾을 수 없습니다" in again.content.decode()


# --- no enumeration, no address shown -----------------------------------------------------------


def test_the_answer_is_the_same_for_a_new_a_waiting_and_a_subscribed_address(client, smtp):
    confirmed("already@example.com")
    Subscriber.objects.create(email="waiting@example.com", consented_at=timezone.now())
    answers = []
    for email in ("new@example.com", "waiting@example.com", "already@example.com"):
        response = subscribe(client, email)
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], page.content))
    assert answers[0] == answers[1] == answers[2]
    # One mail each, so the time of the answer tells nothing either: the others get their
    # link, the subscribed reader is told nothing changed (and how to leave), with no link
    # that confirms anything.
    assert len(smtp.to("new@example.com")) == len(smtp.to("waiting@example.com")) == 1
    (notice,) = smtp.to("already@example.com")
    assert notice.subject.endswith("] 이미 뉴스레터를 구독 중입니다")
    assert "/newsletter/confirm/" not in notice.text + notice.html
    assert notice.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"


def test_a_subscribed_address_asked_again_stays_subscribed_and_can_leave_from_the_notice(
    client, smtp
):
    reader = confirmed("already@example.com")
    subscribe(client, "already@example.com")
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED
    (notice,) = smtp.to("already@example.com")
    assert "이미 구독 중" in notice.text and "이미 구독 중" in notice.html
    unsubscribe = path_of(notice.header("List-Unsubscribe").strip("<>"))
    assert unsubscribe in notice.text and unsubscribe in notice.html
    done = Client().post(unsubscribe, "List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert done.status_code == 200
    assert not Subscriber.objects.filter(email="already@example.com").exists()


def test_no_link_or_page_carries_an_address(client, smtp):
    subscribe(client, "Secret.Reader@Example.com")
    (mail,) = smtp.received
    link = confirm_path(mail)
    assert "secret" not in link.lower()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "secret.reader@example.com"
    for page in (client.get(link), client.get("/newsletter/sent/"), client.get("/newsletter/")):
        assert "secret.reader" not in page.content.decode().lower()
    unsubscribe = tokens.unsubscribe_token(subscriber)
    assert "secret" not in unsubscribe.lower()


def test_a_token_is_good_for_its_own_address_only(client):
    first = Subscriber.objects.create(email="first@example.com", consented_at=timezone.now())
    second = Subscriber.objects.create(email="second@example.com", consented_at=timezone.now())
    token = tokens.confirm_token(first)
    # The same signature with the other row's id, a changed signature, and nonsense.
    forged = [
        f"{second.pk}:{token.partition(':')[2]}",
        token[:-2] + ("aa" if not token.endswith("aa") else "bb"),
        "1",
        "x" * 300,
        "９:abc:def",
    ]
    for bad in forged:
        assert client.get(f"/newsletter/confirm/{bad}/").status_code == 404, bad
        assert client.post(f"/newsletter/unsubscribe/{bad}/").status_code in (403, 404), bad
    unsub = tokens.unsubscribe_token(first)
    # An unsubscribe token is not a confirm token, nor the other way round.
    assert client.get(f"/newsletter/confirm/{unsub}/").status_code == 404
    assert client.get(f"/newsletter/unsubscribe/{token}/").status_code == 404
    assert Subscriber.objects.filter(status=Subscriber.Status.PENDING).count() == 2


def test_a_confirmation_link_expires_and_the_unconfirmed_address_is_deleted(client, smtp):
    subscribe(client)
    link = confirm_path(smtp.to(READER)[0])
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        expired = client.get(link)
        assert expired.status_code == 410 and "유효 기간이 지났습니다" in expired.content.decode()
        assert client.post(link).status_code == 410
        assert services.forget_unconfirmed() == 1
    assert not Subscriber.objects.exists()


# --- the form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "", "consent": "on"}, "이메일 주소를 입력해 주세요."),
        ({"email": "not-an-address", "consent": "on"}, "올바른 이메일 주소를 입력해 주세요."),
        ({"email": "a@b", "consent": "on"}, "올바른 이메일 주소를 입력해 주세요."),
        ({"email": "x" * 250 + "@example.com", "consent": "on"}, "이메일 주소가 너무 깁니다."),
        ({"email": READER}, "개인정보 수집·이용에 동의해야 구독할 수 있습니다."),
        ({"email": READER, "consent": ""}, "개인정보 수집·이용에 동의해야 구독할 수 있습니다."),
    ],
)
def test_bad_input_is_answered_in_korean_and_nothing_is_kept(client, data, message, smtp):
    response = client.post("/newsletter/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscriber.objects.exists() and smtp.received == []


def test_the_consent_text_says_what_is_kept_why_and_for_how_long(client):
    html = client.get("/newsletter/").content.decode()
    for words in (
        "이메일 주소, 동의 일시와 구독 확인 일시",  # what
        "뉴스레터 발송과 구독 확인",  # why
        "구독을 해지할 때까지",  # how long
        "동의하지 않으실 수 있으며",  # the right to refuse
        'href="/policy/privacy/"',
    ):
        assert words in html, words
    assert 'type="checkbox" name="consent"' in html and "required" in html


def test_the_form_is_rate_limited_per_client_address(client, settings, smtp):
    settings.NEWSLETTER_SUBSCRIBE_PER_HOUR = 3
    for number in range(3):
        assert subscribe(client, f"reader{number}@example.com").status_code == 302
    refused = subscribe(client, "reader9@example.com")
    assert refused.status_code == 429
    assert "신청이 너무 잦습니다" in refused.content.decode()
    assert not Subscriber.objects.filter(email="reader9@example.com").exists()
    # Another address of the internet is not held back.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert subscribe(other, "reader9@example.com").status_code == 302


def test_confirmation_mails_to_one_address_are_limited_a_day(client, settings, smtp):
    settings.NEWSLETTER_CONFIRMATIONS_PER_DAY = 2
    for _ in range(4):
        assert subscribe(client).status_code == 302
    assert len(smtp.to(READER)) == 2


def test_the_pages_are_never_kept_by_a_cache(client, smtp):
    subscribe(client)
    link = confirm_path(smtp.received[0])
    subscriber = Subscriber.objects.get()
    for url in (
        "/newsletter/",
        "/newsletter/sent/",
        link,
        f"/newsletter/unsubscribe/{tokens.unsubscribe_token(subscriber)}/",
    ):
        response = Client().get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "max-age=0" in response["Cache-Control"], url


def test_the_footer_of_every_page_links_the_subscribe_page(client):
    publish("기사")
    for url in ("/", "/news/", "/corrections/"):
        assert 'href="/newsletter/"' in client.get(url).content.decode(), url


def test_a_relay_that_is_down_still_gives_the_reader_the_same_answer(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    response = subscribe(client)
    assert response.status_code == 302 and response["Location"] == "/newsletter/sent/"
