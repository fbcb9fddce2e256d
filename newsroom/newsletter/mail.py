"""The newsletter's mails: the confirmation mail and an issue, each HTML (table layout, inline
styles: what Gmail, Naver Mail, Outlook and phones' mail apps render alike) with a plain-text
part, in Korean, with the paper's details (SiteInfo) and the reader's own unsubscribe link.

An issue is rendered once per send run with a marker where each reader's unsubscribe link goes;
each message is that text with the marker replaced, so a run of 100,000 addresses renders the
templates once.
"""

import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.templatetags.reader_tags import absolute
from newsroom.site.models import SiteInfo

from . import tokens
from .models import Issue, Subscriber

ONE_CLICK = "List-Unsubscribe=One-Click"
# The address used in a preview or a test mail: a link that unsubscribes nobody.
SAMPLE_READER = "sample"  # matches no subscriber


def site_name() -> str:
    info = SiteInfo.current()
    return (info.name if info else "") or settings.SITE_NAME


def confirm_url(subscriber: Subscriber) -> str:
    return absolute(reverse("newsletter-confirm", args=[tokens.confirm_token(subscriber)]))


def unsubscribe_url(subscriber: Subscriber | None) -> str:
    token = tokens.unsubscribe_token(subscriber) if subscriber else SAMPLE_READER
    return absolute(reverse("newsletter-unsubscribe", args=[token]))


def _common_context() -> dict:
    return {
        "site_name": site_name(),
        "site_info": SiteInfo.current(),
        "site_url": settings.SITE_URL,
        "subscribe_url": absolute(reverse("newsletter")),
    }


def confirmation_message(subscriber: Subscriber) -> EmailMultiAlternatives:
    context = {
        **_common_context(),
        "confirm_url": confirm_url(subscriber),
        "days": settings.NEWSLETTER_CONFIRM_DAYS,
    }
    message = EmailMultiAlternatives(
        subject=f"[{context['site_name']}] 뉴스레터 구독을 확인해 주세요",
        body=render_to_string("newsletter/email/confirm.txt", context),
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[subscriber.email],
    )
    message.attach_alternative(
        render_to_string("newsletter/email/confirm.html", context), "text/html"
    )
    return message


def already_subscribed_message(subscriber: Subscriber) -> EmailMultiAlternatives:
    """What a confirmed address gets when someone asks to subscribe it again: nothing changes,
    and it says how to leave. Every request to subscribe sends one mail, whatever the address,
    so neither the answer nor its time tells anyone who subscribes."""
    unsubscribe = unsubscribe_url(subscriber)
    context = {**_common_context(), "unsubscribe_url": unsubscribe}
    message = EmailMultiAlternatives(
        subject=f"[{context['site_name']}] 이미 뉴스레터를 구독 중입니다",
        body=render_to_string("newsletter/email/already.txt", context),
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[subscriber.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": ONE_CLICK},
    )
    message.attach_alternative(
        render_to_string("newsletter/email/already.html", context), "text/html"
    )
    return message


def issue_context(issue: Issue, *, unsubscribe: str) -> dict:
    articles = [
        {
            "title": article.title,
            "url": absolute(article.get_absolute_url()),
            "section": article.section.name if article.section else "",
            "snippet": article.summary(110),
            "published_at": article.published_at,
        }
        for article in issue.ordered_articles()
    ]
    paragraphs = [part.strip() for part in issue.introduction.split("\n\n") if part.strip()]
    return {
        **_common_context(),
        "issue": issue,
        "introduction": paragraphs,
        "articles": articles,
        "unsubscribe_url": unsubscribe,
        "sent_on": timezone.localdate(),
    }


class IssueMail:
    """An issue rendered once, turned into one message per address."""

    def __init__(self, issue: Issue):
        self.issue = issue
        self._marker = f"newsletter-unsubscribe-{secrets.token_hex(12)}"
        context = issue_context(issue, unsubscribe=self._marker)
        self._html = render_to_string("newsletter/email/issue.html", context)
        self._text = render_to_string("newsletter/email/issue.txt", context)

    def html_for(self, unsubscribe: str) -> str:
        return self._html.replace(self._marker, escape(unsubscribe))

    def message(
        self, *, to: str, unsubscribe: str, subject_prefix: str = "", connection=None
    ) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=f"{subject_prefix}{self.issue.title}",
            body=self._text.replace(self._marker, unsubscribe),
            from_email=settings.NEWSLETTER_FROM_EMAIL,
            to=[to],
            connection=connection,
            headers={
                # RFC 2369 and RFC 8058: mail apps show an unsubscribe button that POSTs
                # "List-Unsubscribe=One-Click" to the link, with no page and no CSRF token.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": ONE_CLICK,
            },
        )
        message.attach_alternative(self.html_for(unsubscribe), "text/html")
        return message

    def message_for(self, subscriber: Subscriber, *, connection=None) -> EmailMultiAlternatives:
        return self.message(
            to=subscriber.email, unsubscribe=unsubscribe_url(subscriber), connection=connection
        )
