"""`make profile-pages`: how long each public page takes the server, one request at a time, and
where the time goes (database, template rendering, the rest), on the database DATABASE_URL.

Run it with the settings the site runs with; `PAGE_CACHE_SECONDS=0` makes every request cold
but for the blocks every page shares, which the fragment cache keeps as in production
(`FRAGMENT_CACHE_SECONDS=0` as well: no cached piece, every query runs, every template
renders), e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_100000 DJANGO_DEBUG=0 \\
    DJANGO_SECRET_KEY=x DJANGO_ALLOWED_HOSTS=testserver PAGE_CACHE_SECONDS=0 \\
    .venv/bin/python scripts/profile_pages.py [--repeat 7] [--sql] [--profile section-p1]
    # or: make profile-pages PROFILE_ARGS="--sql" (with the same environment)

Each page is requested once to warm up, then `--repeat` times; the table shows the median
(and the fastest) request, the number of queries and their time, and the time spent rendering
templates outside the database. `--profile LABEL` runs cProfile over that page's requests.
`--sql` lists each query of every page with its time. Static files must have been collected
(production settings use the manifest storage).
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.base")


class Timings:
    """Query count and time, and template rendering time, of the requests it is active for."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.queries: list[tuple[float, str]] = []
        self.render = 0.0
        self.render_db = 0.0
        self._depth = 0

    def execute(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.queries.append((elapsed, sql))
            if self._depth:
                self.render_db += elapsed

    @contextmanager
    def rendering(self):
        self._depth += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self.render += time.perf_counter() - started


def pick_pages() -> list[tuple[str, str]]:
    """(label, path) of the pages the benchmark loads, plus a very deep section page."""
    from django.db.models import Count

    from articles.models import Article, Section

    article = Article.objects.published().order_by("-published_at", "-id")[50:51].first()
    # One GROUP BY over the archive (a Count filtered by a subquery per section takes minutes
    # at 1,000,000 articles).
    largest = (
        Article.objects.published()
        .order_by()
        .values("section_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if article is None or largest is None:
        sys.exit("profile_pages: no published article or section (run load_demo first)")
    section = Section.objects.get(pk=largest["section_id"])
    pages = [("home", "/"), ("section-p1", f"/section/{section.slug}/")]
    last = max(1, (largest["n"] + 19) // 20)
    for deep in sorted({min(50, last), min(500, last)} - {1}):
        pages.append((f"section-p{deep}", f"/section/{section.slug}/?page={deep}"))
    return [
        *pages,
        ("article", f"/news/{article.pk}/"),
        ("search-의료", "/search/?q=" + urllib.parse.quote("의료")),
        ("search-희귀질환", "/search/?q=" + urllib.parse.quote("희귀질환")),
        ("search-코끼리", "/search/?q=" + urllib.parse.quote("코끼리")),
        ("rss", "/rss/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per page (7)")
    parser.add_argument("--sql", action="store_true", help="list every query with its time")
    parser.add_argument("--profile", metavar="LABEL", help="cProfile this page's requests")
    parser.add_argument("--only", metavar="LABEL", help="time only this page")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.template.backends.django import Template
    from django.test import Client

    if settings.PAGE_CACHE_SECONDS:
        print(f"note: PAGE_CACHE_SECONDS={settings.PAGE_CACHE_SECONDS}: pages are not cold")

    timings = Timings()
    original_render = Template.render

    def timed_render(self, *a, **kw):
        with timings.rendering():
            return original_render(self, *a, **kw)

    Template.render = timed_render
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (profile_pages)")
    pages = pick_pages()
    if args.only:
        pages = [page for page in pages if page[0] == args.only]
    print(f"{connection.vendor}, DEBUG={settings.DEBUG}, {args.repeat} requests per page\n")
    header = (
        f"{'page':<16} {'p50 ms':>7} {'min ms':>7} {'queries':>7} {'db ms':>6} {'render ms':>9}"
        f" {'cpu ms':>6}"
    )
    print(
        header + "  (render: templates, less the queries they run; cpu: this process's CPU "
        "time, which a busy machine's waits do not inflate)"
    )
    for label, path in pages:
        response = client.get(path)  # warm-up
        if response.status_code != 200:
            print(f"{label:<16} HTTP {response.status_code} for {path}")
            continue
        profiler = cProfile.Profile() if label == args.profile else None
        runs = []
        with connection.execute_wrapper(timings.execute):
            for _ in range(args.repeat):
                timings.reset()
                if profiler:
                    profiler.enable()
                started, cpu_started = time.perf_counter(), time.process_time()
                client.get(path)
                total = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                if profiler:
                    profiler.disable()
                db = sum(t for t, _ in timings.queries)
                render = timings.render - timings.render_db
                runs.append((total, db, render, list(timings.queries), cpu))
        runs.sort(key=lambda run: run[0])
        total, db, render, queries, _ = runs[len(runs) // 2]
        cpu = sorted(run[4] for run in runs)[len(runs) // 2]
        print(
            f"{label:<16} {total * 1000:7.1f} {runs[0][0] * 1000:7.1f} {len(queries):7d} "
            f"{db * 1000:6.1f} {render * 1000:9.1f} {cpu * 1000:6.1f}"
        )
        if args.sql:
            for elapsed, sql in queries:
                print(f"    {elapsed * 1000:6.2f} ms  {sql[:300]}")
        if profiler:
            print(f"\ncProfile of {label} ({path}), {args.repeat} requests:")
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
