"""`manage.py send_newsletter`: send the issues the desk queued, in batches, resuming any left
half sent. Cron runs it every minute (docs/operations.md); with nothing queued it does nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from newsroom.newsletter import sending, services
from newsroom.newsletter.models import Issue


class Command(BaseCommand):
    help = "Send the newsletter issues the desk queued, in batches; resumes a run that crashed."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, help="addresses per SMTP connection")
        parser.add_argument("--pause", type=float, help="seconds between batches")
        parser.add_argument(
            "--resend-unknown",
            type=int,
            metavar="ISSUE",
            help="send again the deliveries a crashed run left in doubt (after checking the "
            "relay's log: they may have arrived)",
        )
        parser.add_argument(
            "--retry-failed",
            type=int,
            metavar="ISSUE",
            help="try again the deliveries the relay refused",
        )

    def handle(self, *args, **options):
        for option, release in (
            ("resend_unknown", sending.release_unknown),
            ("retry_failed", sending.release_failed),
        ):
            if options[option] is not None:
                issue = Issue.objects.filter(pk=options[option]).first()
                if issue is None:
                    raise CommandError(f"no newsletter issue {options[option]}")
                count = release(issue)
                self.stdout.write(f"issue {issue.pk}: {count} deliveries waiting again")
        forgotten = services.forget_unconfirmed()
        if forgotten:
            self.stdout.write(f"{forgotten} unconfirmed addresses past their link deleted")
        try:
            results = sending.send_queued(
                batch_size=options["batch_size"],
                pause=options["pause"],
                report=lambda progress: self.stdout.write(progress.line()),
            )
        except sending.RelayLost as exc:
            raise CommandError(f"sending stopped: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"the SMTP relay cannot be reached: {exc}") from exc
        for progress in results:
            self.stdout.write(self.style.SUCCESS(f"finished {progress.line()}"))
