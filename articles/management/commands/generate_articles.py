import time
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article, Reporter, Section, Tag
from articles.richtext import stored_snippet
from articles.scale import TAGS, generated_article, published_times

GENERATOR_USERNAME = "archive-generator"
# The search index of migration 0004 (PostgreSQL only).
SEARCH_INDEX = "article_search_document_gin"
CREATE_SEARCH_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON articles_article USING gin (search_document)"
)
# PostgreSQL: a load of this many articles or more that at least doubles the table drops the
# search index and builds it once at the end. That is a little faster than keeping the GIN index
# up to date row by row (100,000 articles: 29 s against 32 s) and gives a smaller index (31 MB
# against 52 MB); but a build reads the whole table, so a small top-up keeps the index.
REINDEX_FROM = 20_000
# One generator at a time per database (a session-level PostgreSQL advisory lock), so two runs
# side by side cannot both top up to N.
LOCK_KEY = 7_000_001


class Command(BaseCommand):
    help = (
        "규모 시험용 기사를 만듭니다: 생성된 기사가 N건이 되도록 채웁니다 "
        "(두 번 실행해도 N건을 넘지 않습니다)."
    )

    def add_arguments(self, parser):
        parser.add_argument("total", type=int, help="생성 기사의 목표 건수")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--years", type=int, default=5, help="게재일을 펼칠 기간(년)")

    def handle(self, *args, total, batch_size, years, **options):
        if total < 0 or batch_size < 1:
            raise CommandError("건수는 0 이상, --batch-size는 1 이상이어야 합니다.")
        if years < 1:
            raise CommandError("--years는 1 이상이어야 합니다.")
        sections = list(Section.objects.all())
        if not sections:
            raise CommandError("섹션이 없습니다: 먼저 migrate를 실행하세요.")
        with self._one_run_at_a_time():
            self._top_up(total, batch_size, years, sections)

    def _top_up(self, total, batch_size, years, sections):
        postgres = connection.vendor == "postgresql"
        reporter = self._generator_reporter()
        existing = reporter.articles.count()
        missing = total - existing
        rebuild = postgres and missing >= max(REINDEX_FROM, Article.objects.count())
        if postgres and not rebuild:
            # A run that was stopped before it rebuilt the search index left it missing.
            self._build_search_index()
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
        insert = self._copy_batch if postgres else self._create_batch
        started = time.monotonic()
        try:
            if rebuild:
                self._change_search_index(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
            done = 0
            while done < missing:
                size = min(batch_size, missing - done)
                articles = self._articles(existing + done, size, times, sections)
                with transaction.atomic():
                    insert(articles, reporter, tags)
                done += size
                self._progress(done, missing, started)
        finally:
            self.stderr.write("")  # ends the progress line
            # Also when the load fails or is interrupted: the index is not left missing (and
            # if this is interrupted too, the next run builds it).
            if rebuild:
                self.stderr.write("검색 색인을 만듭니다…")
                self._build_search_index()
        if postgres:
            # Fresh statistics, so the planner knows how common each search bigram is now (and
            # how many articles a reporter or a tag has).
            written = (Article, Article.reporters.through, Article.tags.through)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(m._meta.db_table for m in written)}")
        self.stdout.write(
            f"생성 기사 {missing}건을 추가했습니다 (합계 {total}건, "
            f"{time.monotonic() - started:.1f}초)."
        )

    @contextmanager
    def _one_run_at_a_time(self):
        if connection.vendor != "postgresql":
            # SQLite: tests and development, where no one runs two at once.
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                self.stderr.write("다른 generate_articles 실행이 끝나기를 기다립니다…")
                cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])

    def _build_search_index(self):
        # A GIN index builds much faster with room to collect its entries in memory.
        self._change_search_index("SET LOCAL maintenance_work_mem = '1GB'", CREATE_SEARCH_INDEX)

    def _change_search_index(self, *statements):
        with transaction.atomic(), connection.cursor() as cursor:
            # Run inside a longer transaction (tests), PostgreSQL changes no index of a table
            # while checks of the rows written to it are still deferred: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in statements:
                cursor.execute(statement)

    def _generator_reporter(self) -> Reporter:
        user, _ = get_user_model().objects.get_or_create(
            username=GENERATOR_USERNAME, defaults={"is_active": False}
        )
        reporter, _ = Reporter.objects.get_or_create(
            user=user,
            defaults={"name": "아카이브", "email": "archive@example.com", "is_active": False},
        )
        return reporter

    def _articles(self, first, size, times, sections) -> list[dict]:
        """The field values of the next `size` generated articles."""
        articles = []
        for number in range(first, first + size):
            title, subtitle, body, document = generated_article(number)
            articles.append(
                {
                    "title": title,
                    "subtitle": subtitle,
                    # Generated bodies are already in the form the sanitizer stores.
                    "body": body,
                    "search_document": document,
                    "snippet": stored_snippet(body),
                    "section_id": sections[number % len(sections)].pk,
                    "status": Article.Status.PUBLISHED,
                    "published_at": next(times),
                    "view_count": number % 997,
                }
            )
        return articles

    def _create_batch(self, articles, reporter, tags):
        """Insert through the ORM (SQLite)."""
        created = Article.objects.bulk_create([Article(**values) for values in articles])
        for through, pairs in _links([article.pk for article in created], reporter, tags):
            source, target = _link_columns(through)
            through.objects.bulk_create([through(**{source: a, target: b}) for a, b in pairs])

    def _copy_batch(self, articles, reporter, tags):
        """Insert with PostgreSQL's COPY, ids reserved from the table's sequence first."""
        table, pk = Article._meta.db_table, Article._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, len(articles)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            given = [Article._meta.get_field(name).column for name in articles[0]]
            # Every other column as a new Article would have it: its default, the insert time.
            now = timezone.now()
            fixed = {
                field.column: now if _stamped(field) else field.get_default()
                for field in Article._meta.concrete_fields
                if not field.primary_key and field.column not in given
            }
            constants = tuple(fixed.values())
            rows = (
                (id_, *values.values(), *constants)
                for id_, values in zip(ids, articles, strict=True)
            )
            _copy(cursor, table, [pk, *given, *fixed], rows)
            for through, pairs in _links(ids, reporter, tags):
                _copy(cursor, through._meta.db_table, _link_columns(through), pairs)

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


def _stamped(field) -> bool:
    """An auto_now / auto_now_add date: set to the insert time."""
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _links(ids, reporter, tags):
    """The rows of the two link tables for the new articles `ids`: (through model, pairs)."""
    yield Article.reporters.through, [(pk, reporter.pk) for pk in ids]
    yield Article.tags.through, [(pk, tags[pk % len(tags)].pk) for pk in ids]


def _link_columns(through) -> list[str]:
    """The article and the reporter (or tag) column of a link table."""
    return [field.column for field in through._meta.concrete_fields if field.is_relation]


def _copy(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
