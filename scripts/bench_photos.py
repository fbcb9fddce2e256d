# ruff: noqa: S603 -- a local tool: runs our own commands against 127.0.0.1
"""`make bench-photos`: the photo library's admin grid (60 thumbnails a page) at PHOTO_BENCH_SIZE
(100,000) library photos in PostgreSQL, timed as the server answers it.

The database PHOTO_BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/newsroom_photobench) is created when missing, migrated, given
the demo newsroom and topped up to PHOTO_BENCH_SIZE generated photos (`generate_photos`: rows
sharing a few files, 30 % of them used in articles' bodies; safe to rerun, a kept database is
reused), then VACUUM ANALYZE. Each page is then requested PHOTO_BENCH_RUNS (20) times, after two
warm-up requests, in one process with production settings (debug off) through Django's test
client signed in as the demo desk editor: the whole admin request (middleware, session, the
change list, the templates), no network. Printed per page: p50, p95 and the slowest in ms, and
the queries of one request.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench import django_env, ensure_database, fail, manage, psql  # noqa: E402

PAGES = [
    ("first page", {}),
    ("search 백신 (common)", {"q": "백신"}),
    ("search 희귀질환", {"q": "희귀질환"}),
    ("search 코끼리 (none)", {"q": "코끼리"}),
    ("unused (미사용)", {"use": "unused"}),
    ("used (사용 중)", {"use": "used"}),
    ("credit 김서연 기자", {"credit": "김서연 기자"}),
    ("month (a year ago)", {"month": "LAST_YEAR"}),
    ("page 2", {"p": "2"}),
    ("late page (p=1,500)", {"p": "1500"}),
]


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def prepare(size: int, database_url: str) -> None:
    ensure_database(database_url)
    manage(database_url, "migrate", "--noinput", "-v", "0")
    manage(database_url, "load_demo", "--allow-production", "--no-logins")
    started = time.monotonic()
    out = manage(database_url, "generate_photos", str(size), "--batch-size", "5000")
    print(f"  {out.strip()} ({time.monotonic() - started:.0f} s)", flush=True)
    psql(database_url, "VACUUM ANALYZE")
    manage(database_url, "collectstatic", "--noinput", "-v", "0")


def measure(runs: int) -> None:
    """In the benchmark's environment: time each page with the test client."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.base")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from newsroom.timezones import KST

    client = Client()
    client.force_login(get_user_model().objects.get(username="desk"))
    last_year = timezone.localtime(timezone.now(), KST).replace(day=1) - timezone.timedelta(
        days=330
    )
    results = []
    for label, params in PAGES:
        params = {
            key: (f"{last_year:%Y-%m}" if value == "LAST_YEAR" else value)
            for key, value in params.items()
        }
        for _ in range(2):
            response = client.get("/admin/articles/photo/", params)
            if response.status_code != 200:
                fail(f"{label}: status {response.status_code} {response.get('Location', '')}")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get("/admin/articles/photo/", params)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/articles/photo/", params)
        cards = response.content.decode().count('<tr class="photo-card">')
        times.sort()
        results.append(
            {
                "page": label,
                "query": "&".join(f"{k}={v}" for k, v in params.items()),
                "cards": cards,
                "p50": statistics.median(times),
                "p95": times[max(0, round(len(times) * 0.95) - 1)],
                "max": times[-1],
                "queries": len(queries),
            }
        )
    print(json.dumps(results, ensure_ascii=False))


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        measure(int(sys.argv[2]))
        return
    size = int(env("PHOTO_BENCH_SIZE", "100000"))
    runs = int(env("PHOTO_BENCH_RUNS", "20"))
    database_url = env(
        "PHOTO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_photobench"
    )
    print(f"photo library: {size:,} photos in {database_url}", flush=True)
    prepare(size, database_url)
    counts = psql(
        database_url,
        "SELECT (SELECT count(*) FROM articles_photo), "
        "(SELECT count(*) FROM articles_photorendition), "
        "(SELECT count(DISTINCT photo_id) FROM articles_article_body_photos)",
    )[0]
    print(f"  {counts[0]:,} photos, {counts[1]:,} renditions, {counts[2]:,} used", flush=True)
    result = subprocess.run(
        [sys.executable, __file__, "--measure", str(runs)],
        cwd=ROOT,
        env=django_env(
            database_url,
            DJANGO_ALLOWED_HOSTS="testserver",
            # The desk editor is signed in by the client, past the second factor's page.
            OTP_REQUIRED_ROLES="",
            DJANGO_SETTINGS_MODULE="newsroom.settings.base",
        ),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        fail(f"measuring failed: {result.stderr.strip()[-2000:]}")
    rows = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\n{runs} requests a page, after 2 warm-up requests (ms):\n")
    print("| page | query | photos shown | p50 ms | p95 ms | max ms | queries |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['page']} | `{row['query'] or '-'}` | {row['cards']} | {row['p50']:.1f} | "
            f"{row['p95']:.1f} | {row['max']:.1f} | {row['queries']} |"
        )


if __name__ == "__main__":
    main()
