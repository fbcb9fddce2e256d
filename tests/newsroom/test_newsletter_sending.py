"""send_newsletter: batches through a real SMTP server, one delivery row per address, and what a
crash, a refused address or a relay that is down leave behind: nobody gets an issue twice."""

import io
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from newsroom.newsletter import sending
from newsroom.newsletter.models import Delivery, Issue, Subscriber
from tests.factories import publish

from .test_newsletter import confirmed, issue_with

pytestmark = pytest.mark.django_db

Status = Delivery.Status


class Crash(BaseException):
    """The process dying (a kill, the machine going down): nothing in the command catches it."""


def readers(count: int) -> list[str]:
    addresses = [f"reader{number:02d}@example.com" for number in range(count)]
    for address in addresses:
        confirmed(address)
    return addresses


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_newsletter", *args, stdout=out)
    return out.getvalue()


def arrivals(smtp) -> Counter:
    return Counter(address for item in smtp.received for address in item.recipients)


def test_an_issue_goes_to_every_confirmed_address_once_in_batches(smtp):
    addresses = readers(7)
    Subscriber.objects.create(email="waiting@example.com", consented_at=timezone.now())
    issue = issue_with(publish("복지부, 필수의료 수가 인상"))
    output = run("--batch-size", "3")
    assert arrivals(smtp) == Counter(addresses)
    # Three batches of at most three, each reported.
    assert output.count(f"issue {issue.pk}: ") == 4  # 3 batches and the finish
    assert "3/7 done" in output and "6/7 done" in output and "7/7 done" in output
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and issue.finished_at
    assert set(issue.deliveries.values_list("status", flat=True)) == {Status.SENT}
    # A second run finds nothing to do.
    run()
    assert arrivals(smtp) == Counter(addresses)


def test_a_run_that_dies_midway_resumes_and_every_address_gets_exactly_one(smtp):
    addresses = readers(8)
    issue = issue_with(publish("식약처, 의약품 회수 명령"))
    real_mark_sent = sending.mark_sent
    calls = []

    def dies_after_the_fourth_handover(row):
        calls.append(row.pk)
        if len(calls) == 4:
            # The 4th message is with the relay; the process dies before writing that down.
            raise Crash
        real_mark_sent(row)

    crashing = mock.patch.object(sending, "mark_sent", dies_after_the_fourth_handover)
    with crashing, pytest.raises(Crash):
        run("--batch-size", "3")
    assert len(smtp.received) == 4
    counts = issue.progress()
    assert counts["sent"] == 3 and counts["claimed"] == 1 and counts["waiting"] == 4

    # The next run (cron, a minute later) sends the rest, and not the one in doubt.
    run("--batch-size", "3")
    assert arrivals(smtp) == Counter(addresses)
    assert all(count == 1 for count in arrivals(smtp).values())
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    progress = sending.Progress.of(issue)
    assert (progress.sent, progress.unknown, progress.waiting) == (7, 1, 0)


def test_the_row_in_doubt_is_sent_again_only_when_an_operator_says_so(smtp, settings):
    readers(3)
    issue = issue_with(publish("건보공단, 수가 협상 타결"))
    real_mark_sent = sending.mark_sent

    def dies_on_the_first(row, calls=[]):  # noqa: B006
        calls.append(row)
        if len(calls) == 1:
            raise Crash
        real_mark_sent(row)

    with mock.patch.object(sending, "mark_sent", dies_on_the_first), pytest.raises(Crash):
        run()
    run()
    assert len(smtp.received) == 3
    doubt = issue.deliveries.get(status=Status.CLAIMED)
    # A live run's claim is never taken back: only one older than the setting.
    assert "0 deliveries waiting again" in run("--resend-unknown", str(issue.pk))
    later = timezone.now() + timedelta(minutes=settings.NEWSLETTER_UNKNOWN_AFTER_MINUTES + 1)
    with time_machine.travel(later):
        assert "1 deliveries waiting again" in run("--resend-unknown", str(issue.pk))
    doubt.refresh_from_db()
    assert doubt.status == Status.SENT
    assert len(smtp.received) == 4 and smtp.received[-1].recipients == [doubt.subscriber.email]


def test_an_address_the_relay_refuses_is_recorded_failed_with_its_answer(smtp):
    addresses = readers(4)
    smtp.refuse.add(addresses[1])
    issue = issue_with(publish("보건의료 데이터 활용 지침 개정"))
    run()
    assert arrivals(smtp) == Counter(addresses[:1] + addresses[2:])
    failed = issue.deliveries.get(status=Status.FAILED)
    assert failed.subscriber.email == addresses[1]
    assert failed.error.startswith("550 5.1.1") and "User unknown" in failed.error
    assert issue.progress()["sent"] == 3

    # Once the address is fixed at the other end, the operator retries the failed ones.
    smtp.refuse.clear()
    assert "1 deliveries waiting again" in run("--retry-failed", str(issue.pk))
    assert arrivals(smtp) == Counter(addresses)
    assert issue.progress()["failed"] == 0


def test_a_relay_that_cannot_be_reached_stops_the_run_with_nothing_claimed(smtp, settings):
    readers(3)
    issue = issue_with(publish("약가 인하 고시"))
    settings.EMAIL_PORT = 9  # nothing listens there
    with pytest.raises(CommandError, match="cannot be reached"):
        run()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    assert issue.progress()["waiting"] == 3
    settings.EMAIL_PORT = smtp.port
    run()
    assert len(smtp.received) == 3


def test_a_reader_who_unsubscribes_during_the_send_is_skipped(smtp):
    addresses = readers(3)
    issue = issue_with(publish("의대 정원 발표"))
    issue = sending.start(issue)
    Subscriber.objects.get(email=addresses[0]).delete()
    run()
    assert arrivals(smtp) == Counter(addresses[1:])
    assert issue.progress()["skipped"] == 1


def test_a_draft_is_never_sent_and_a_reader_confirmed_later_is_not_added(smtp):
    readers(2)
    draft = issue_with(publish("초안 기사"))
    draft.status = Issue.Status.DRAFT
    draft.save()
    run()
    assert smtp.received == [] and not draft.deliveries.exists()
    issue = sending.start(issue_with(publish("발송 기사")))
    confirmed("late@example.com")
    run()
    assert "late@example.com" not in arrivals(smtp)
    assert issue.deliveries.count() == 2


def test_the_progress_is_counted_in_one_query(smtp, django_assert_max_num_queries):
    readers(5)
    issue = issue_with(publish("진행률 기사"))
    run()
    with django_assert_max_num_queries(1):
        progress = sending.Progress.of(issue)
    assert (progress.sent, progress.total) == (5, 5)
