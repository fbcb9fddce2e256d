"""Sending an issue: one delivery row per confirmed address, sent in batches, each row claimed
just before its message goes to the SMTP server and marked sent or failed just after.

What a crash leaves, and what the next run does with it:
- rows still waiting: sent by the next run (`send_newsletter`, every minute from cron);
- a row claimed and not marked (the process died between handing the message over and writing
  down that it had): it may or may not have reached the reader. It is not sent again on its own,
  since "exactly once" matters more than "at least once" for a reader's inbox; the progress
  shows it as 확인 필요, and an operator who has checked the relay's log sends it again with
  `send_newsletter --resend-unknown ISSUE` (docs/operations.md). Only the one row in hand when
  the process died can be left so: claims are made one row at a time.
- an SMTP answer that refuses the address (5xx, or 4xx after the relay's retries) marks the row
  failed with the server's words; `--retry-failed ISSUE` tries those again.
- a lost connection in the middle of a message is the same doubt as a crash: that row is left
  claimed and the run stops (the relay is gone; the next run starts afresh).
"""

import contextlib
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from .mail import IssueMail
from .models import Delivery, Issue, Subscriber

logger = logging.getLogger(__name__)

Status = Delivery.Status
ERROR_LENGTH = Delivery._meta.get_field("error").max_length
# SMTP answers about this one message or address: the connection is still good for the next.
ADDRESS_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
# Answers that refuse every message of the run alike (our sender, a feature the relay lacks):
# nothing was sent, the row waits again and the run stops.
RELAY_REFUSALS = (smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError)


class RelayLost(Exception):
    """The relay refused the run, or failed in a way that leaves the message in hand in doubt;
    the message says which."""


@dataclass
class Progress:
    issue: Issue
    sent: int
    failed: int
    unknown: int
    skipped: int
    waiting: int
    total: int

    @classmethod
    def of(cls, issue: Issue) -> "Progress":
        counts = issue.progress()
        return cls(
            issue=issue,
            sent=counts["sent"],
            failed=counts["failed"],
            unknown=counts["claimed"],
            skipped=counts["skipped"],
            waiting=counts["waiting"],
            total=counts["total"],
        )

    def line(self) -> str:
        return (
            f"issue {self.issue.pk}: {self.sent + self.failed + self.skipped}/{self.total} done"
            f" (sent {self.sent}, failed {self.failed}, skipped {self.skipped},"
            f" unknown {self.unknown}, waiting {self.waiting})"
        )


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_decode(answer)}" for code, answer in exc.recipients.values()]
        text = "; ".join(parts)
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_LENGTH]


def _decode(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def start(issue: Issue, *, now: datetime | None = None) -> Issue:
    """A queued issue gets its delivery rows: every address confirmed at this moment, once
    (a second run, or a run after a crash here, adds none twice)."""
    now = now or timezone.now()
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if issue.status != Issue.Status.QUEUED:
            return issue
        confirmed = Subscriber.objects.confirmed().order_by("pk").values_list("pk", flat=True)
        Delivery.objects.bulk_create(
            (Delivery(issue=issue, subscriber_id=pk) for pk in confirmed.iterator(2000)),
            batch_size=1000,
            ignore_conflicts=True,
        )
        issue.status = Issue.Status.SENDING
        issue.started_at = now
        issue.save(update_fields=["status", "started_at"])
    return issue


def _claim(row: Delivery) -> bool:
    """Take the row for this run; False when another run took it first."""
    return bool(
        Delivery.objects.filter(pk=row.pk, status=Status.WAITING).update(
            status=Status.CLAIMED, claimed_at=timezone.now()
        )
    )


def _finish(row: Delivery, status: str, error: str = "") -> None:
    Delivery.objects.filter(pk=row.pk).update(
        status=status, finished_at=timezone.now(), error=error
    )


def mark_sent(row: Delivery) -> None:
    _finish(row, Status.SENT)


def _send_batch(issue_mail: IssueMail, rows: list[Delivery]) -> None:
    connection = get_connection(fail_silently=False)
    # A relay that cannot be reached stops the run before anything is claimed.
    connection.open()
    try:
        for row in rows:
            if not _claim(row):
                continue
            subscriber = row.subscriber
            if subscriber is None or subscriber.status != Subscriber.Status.CONFIRMED:
                _finish(row, Status.SKIPPED)
                continue
            try:
                issue_mail.message_for(subscriber, connection=connection).send()
            except ADDRESS_ERRORS as exc:
                _finish(row, Status.FAILED, _error_text(exc))
                continue
            except RELAY_REFUSALS as exc:
                Delivery.objects.filter(pk=row.pk).update(status=Status.WAITING, claimed_at=None)
                raise RelayLost(f"the relay refused the run: {_error_text(exc)}") from exc
            except (smtplib.SMTPException, OSError) as exc:
                # The message may or may not have been taken: the row stays claimed.
                Delivery.objects.filter(pk=row.pk).update(error=_error_text(exc))
                raise RelayLost(
                    f"connection lost, delivery {row.pk} unknown: {_error_text(exc)}"
                ) from exc
            mark_sent(row)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()


def send_issue(
    issue: Issue,
    *,
    batch_size: int | None = None,
    pause: float | None = None,
    report: Callable[[Progress], None] | None = None,
) -> Progress:
    """Send the issue's waiting rows, batch after batch, then mark it sent when none is left.
    `report` hears the progress after each batch."""
    batch_size = batch_size or settings.NEWSLETTER_BATCH_SIZE
    pause = settings.NEWSLETTER_BATCH_PAUSE_SECONDS if pause is None else pause
    issue = start(issue)
    if issue.status != Issue.Status.SENDING:
        return Progress.of(issue)
    issue_mail = IssueMail(issue)
    waiting = issue.deliveries.filter(status=Status.WAITING).order_by("pk")
    while True:
        rows = list(waiting.select_related("subscriber")[:batch_size])
        if not rows:
            break
        _send_batch(issue_mail, rows)
        if report:
            report(Progress.of(issue))
        if pause:
            time.sleep(pause)
    Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENDING).update(
        status=Issue.Status.SENT, finished_at=timezone.now()
    )
    issue.refresh_from_db()
    return Progress.of(issue)


def send_queued(**options) -> list[Progress]:
    """Every issue waiting to be sent (or left half sent by a crash), oldest first."""
    return [send_issue(issue, **options) for issue in Issue.objects.to_send()]


def release_unknown(issue: Issue, *, now: datetime | None = None) -> int:
    """The operator's decision that the rows in doubt were not delivered: they wait again.
    Only rows claimed NEWSLETTER_UNKNOWN_AFTER_MINUTES ago (a live run's rows are left alone)."""
    now = now or timezone.now()
    before = now - timedelta(minutes=settings.NEWSLETTER_UNKNOWN_AFTER_MINUTES)
    return _wait_again(issue, issue.deliveries.filter(status=Status.CLAIMED, claimed_at__lt=before))


def release_failed(issue: Issue) -> int:
    """Failed rows wait again (the relay's problem has been fixed)."""
    return _wait_again(issue, issue.deliveries.filter(status=Status.FAILED))


def _wait_again(issue: Issue, rows) -> int:
    with transaction.atomic():
        count = rows.update(status=Status.WAITING, claimed_at=None, finished_at=None, error="")
        if count:
            Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENT).update(
                status=Issue.Status.SENDING, finished_at=None
            )
    return count
