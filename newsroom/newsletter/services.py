"""The newsletter's writes: a reader's subscribe, confirm and unsubscribe; the desk's issue
(default articles, test mail, queueing it for `send_newsletter`). Keyword-only, like
articles/services.py; the sending itself is sending.py."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.models import Article

from . import mail, throttle
from .models import Issue, IssueArticle, Subscriber

logger = logging.getLogger(__name__)

SEND_PERMISSION = "newsroom.send_issue"
# The default issue: up to this many articles, the desk's headlines of the period first.
DEFAULT_HEADLINES = 5
DEFAULT_ARTICLES = 10
# Positions are spaced so the desk can slot an article between two by typing a number.
POSITION_STEP = 10


def normalize_email(value: str) -> str:
    return value.strip().lower()


# --- Readers ------------------------------------------------------------------------------------


def forget_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete the addresses never confirmed whose link has expired (nothing is kept without
    the reader's confirmed consent). Returns how many."""
    now = now or timezone.now()
    moment = now - timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)
    deleted, _ = Subscriber.objects.unconfirmed_before(moment).delete()
    return deleted


def subscribe(*, email: str, now: datetime | None = None) -> None:
    """Record the consent of `email` and mail it a confirmation link; an address already
    confirmed is told so instead (and how to leave). Returns nothing: the reader's answer, and
    the time it takes, must be the same whatever the address (one mail each way, under the same
    daily limit), so no one learns who subscribes. A mail that cannot be sent is logged, not
    shown."""
    now = now or timezone.now()
    email = normalize_email(email)
    forget_unconfirmed(now=now)
    subscriber, created = Subscriber.objects.get_or_create(
        email=email, defaults={"consented_at": now}
    )
    confirmed = subscriber.status == Subscriber.Status.CONFIRMED
    if not created and not confirmed:
        # Asked again: the consent is renewed and a new link starts its days.
        Subscriber.objects.filter(pk=subscriber.pk).update(consented_at=now)
    if not throttle.allow_confirmation_mail(email, limit=settings.NEWSLETTER_CONFIRMATIONS_PER_DAY):
        logger.info("newsletter: confirmation mail limit reached for subscriber %s", subscriber.pk)
        return
    try:
        if confirmed:
            mail.already_subscribed_message(subscriber).send()
        else:
            mail.confirmation_message(subscriber).send()
    except Exception:
        logger.exception("newsletter: confirmation mail to subscriber %s failed", subscriber.pk)


def confirm(*, subscriber: Subscriber, now: datetime | None = None) -> bool:
    """Confirm the address; False when it already was."""
    now = now or timezone.now()
    updated = Subscriber.objects.filter(pk=subscriber.pk, status=Subscriber.Status.PENDING).update(
        status=Subscriber.Status.CONFIRMED, confirmed_at=now
    )
    return bool(updated)


def unsubscribe(*, subscriber: Subscriber) -> None:
    """Delete the address and its consent: the purpose is over (개인정보 보호법 제21조). Its
    delivery rows stay, without the address."""
    Subscriber.objects.filter(pk=subscriber.pk).delete()


# --- The desk -----------------------------------------------------------------------------------


def default_articles(*, issue: Issue) -> list[Article]:
    """The default choice for an issue's period: the desk's headlines published in it, then
    its most read (the 많이 본 뉴스 rule, Article.objects.most_read), then its newest."""
    start, end = issue.period_bounds()
    published = Article.objects.published().filter(published_at__lt=end)
    chosen: dict[int, None] = {}
    for queryset, count in (
        (Article.objects.headlines().filter(published_at__gte=start, published_at__lt=end),
         DEFAULT_HEADLINES),
        (published.most_read(start), DEFAULT_ARTICLES),
        (published.filter(published_at__gte=start), DEFAULT_ARTICLES),
    ):  # fmt: skip
        for pk in queryset.values_list("pk", flat=True)[:count]:
            if len(chosen) >= DEFAULT_ARTICLES:
                break
            chosen.setdefault(pk)
    found = Article.objects.in_bulk(list(chosen))
    return [found[pk] for pk in chosen if pk in found]


def fill_default_articles(*, issue: Issue) -> int:
    """Give an issue without articles the default choice; returns how many were added."""
    if issue.items.exists():
        return 0
    articles = default_articles(issue=issue)
    IssueArticle.objects.bulk_create(
        IssueArticle(issue=issue, article=article, position=(index + 1) * POSITION_STEP)
        for index, article in enumerate(articles)
    )
    return len(articles)


def _check_sender(by) -> None:
    if not by.has_perm(SEND_PERMISSION):
        raise PermissionDenied("뉴스레터를 발송할 권한이 없습니다.")


def issue_send_test(*, issue: Issue, by) -> str:
    """Send the issue, as readers will get it, to the user's own address alone; returns it."""
    _check_sender(by)
    if not by.email:
        raise ValidationError(
            "내 계정에 이메일 주소가 없습니다. 계정 정보에 주소를 넣은 뒤 다시 시도하세요.",
            code="no_email",
        )
    message = mail.IssueMail(issue).message(
        to=by.email, unsubscribe=mail.unsubscribe_url(None), subject_prefix="[시험 발송] "
    )
    message.send()
    return by.email


def issue_queue(*, issue: Issue, by, now: datetime | None = None) -> None:
    """Hand the issue to `send_newsletter` (run every minute by cron, docs/operations.md).
    Only a draft with at least one public article is queued; from then on it cannot change."""
    _check_sender(by)
    now = now or timezone.now()
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if issue.status != Issue.Status.DRAFT:
            raise ValidationError(
                "이미 발송했거나 발송 대기 중인 뉴스레터입니다.", code="not_draft"
            )
        if not issue.ordered_articles():
            raise ValidationError("기사가 하나도 없는 뉴스레터는 보낼 수 없습니다.", code="empty")
        issue.status = Issue.Status.QUEUED
        issue.queued_at = now
        issue.queued_by = by
        issue.save(update_fields=["status", "queued_at", "queued_by"])
