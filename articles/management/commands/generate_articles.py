import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from articles.bigrams import search_document
from articles.models import Article, Reporter, Section, Tag
from articles.scale import TAGS, article_texts, published_times

GENERATOR_USERNAME = "archive-generator"


class Command(BaseCommand):
    help = (
        "규모 시험용 기사를 만듭니다: 생성된 기사가 N건이 되도록 채웁니다 "
        "(두 번 실행해도 N건을 넘지 않습니다)."
    )

    def add_arguments(self, parser):
        parser.add_argument("total", type=int, help="생성 기사의 목표 건수")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--years", type=int, default=5, help="게재일을 펼칠 기간(년)")

    def handle(self, *args, total, batch_size, years, **options):
        if total < 0 or batch_size < 1:
            raise CommandError("건수는 0 이상, --batch-size는 1 이상이어야 합니다.")
        sections = list(Section.objects.all())
        if not sections:
            raise CommandError("섹션이 없습니다: 먼저 migrate를 실행하세요.")
        reporter = self._generator_reporter()
        existing = reporter.articles.count()
        missing = total - existing
        if missing <= 0:
            self.stdout.write(f"생성 기사가 이미 {existing}건 있습니다. 추가하지 않습니다.")
            return
        tags = [Tag.objects.get_or_create(name=name, defaults={"slug": name})[0] for name in TAGS]
        # Newest generated article sits just before the oldest existing one, so reruns extend
        # the archive backwards and do not push older generations in front of real news.
        oldest = reporter.articles.order_by("published_at").values_list("published_at", flat=True)
        newest = (
            oldest.first() or timezone.now() - timezone.timedelta(days=1)
        ) - timezone.timedelta(minutes=1)
        times = published_times(missing, newest=newest, years=years)
        started = time.monotonic()
        done = 0
        while done < missing:
            size = min(batch_size, missing - done)
            self._insert_batch(existing + done, size, times, sections, reporter, tags)
            done += size
            self._progress(done, missing, started)
        self.stdout.write("")
        # Fresh statistics, so the planner knows how common each search bigram is now.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE articles_article")
        self.stdout.write(
            f"생성 기사 {missing}건을 추가했습니다 (합계 {total}건, "
            f"{time.monotonic() - started:.1f}초)."
        )

    def _generator_reporter(self) -> Reporter:
        user, _ = get_user_model().objects.get_or_create(
            username=GENERATOR_USERNAME, defaults={"is_active": False}
        )
        reporter, _ = Reporter.objects.get_or_create(
            user=user,
            defaults={"name": "아카이브", "email": "archive@example.com", "is_active": False},
        )
        return reporter

    @transaction.atomic
    def _insert_batch(self, first, size, times, sections, reporter, tags):
        articles = []
        for number in range(first, first + size):
            title, subtitle, body = article_texts(number)
            published_at = next(times)
            articles.append(
                Article(
                    title=title,
                    subtitle=subtitle,
                    body=body,
                    section=sections[number % len(sections)],
                    status=Article.Status.PUBLISHED,
                    published_at=published_at,
                    view_count=number % 997,
                    search_document=search_document(title, subtitle, body),
                )
            )
        # Generated bodies are built from escaped text only, so the sanitizer's pre_save is not
        # needed here; bulk_create skips it.
        created = Article.objects.bulk_create(articles, batch_size=size)
        Through = Article.reporters.through
        Through.objects.bulk_create(
            [Through(article_id=a.pk, reporter_id=reporter.pk) for a in created], batch_size=size
        )
        TagThrough = Article.tags.through
        TagThrough.objects.bulk_create(
            [TagThrough(article_id=a.pk, tag_id=tags[a.pk % len(tags)].pk) for a in created],
            batch_size=size,
        )

    def _progress(self, done, total, started):
        width = 30
        filled = int(width * done / total)
        rate = done / max(time.monotonic() - started, 1e-6)
        # Progress goes to stderr so the summary on stdout stays one clean line.
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({rate:,.0f}건/초)",
            ending="",
        )
        self.stderr.flush()
