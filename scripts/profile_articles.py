"""The CPU one article page costs the server, each request a different article (as a long tail
of readers and crawlers walks the archive), through the WSGI application with the site's own
settings, on the database DATABASE_URL.

With `PAGE_CACHE_SECONDS=0` every request renders its article (the shared blocks come from the
fragment cache, as in production); with the page cache on (`REDIS_URL=… PAGE_CACHE_SECONDS=300`)
every request is a miss that renders the article and stores it. The caches are emptied first
(`cache.clear()` on the default and the pages' cache: give this a Redis database of its own),
then `--warm` articles are requested to fill the shared blocks, then `--count` others are timed:
the table shows the median and mean CPU time of this process per request (what a busy machine's
waits do not inflate), the wall time, and the PostgreSQL backend's CPU time per request when the
database runs on this machine (the database's share of a page on the same cores; its clock ticks
are coarse: use a few hundred requests). `--profile` runs cProfile over the timed requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_100000 DJANGO_DEBUG=0 \\
    DJANGO_SECRET_KEY=x DJANGO_ALLOWED_HOSTS=testserver \\
    REDIS_URL=redis://127.0.0.1:6379/12 PAGE_CACHE_SECONDS=300 \\
    .venv/bin/python scripts/profile_articles.py [--count 300] [--profile]

Static files must have been collected (production settings use the manifest storage;
DJANGO_STATIC_ROOT names where).
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.base")

READER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def environ_for(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": READER_AGENT,
        "HTTP_ACCEPT": "text/html",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def database_backend(connection) -> Path | None:
    """/proc/<pid>/stat of this connection's PostgreSQL backend when it runs on this machine
    (its CPU time per request is the database's share of a page), else None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    return stat if stat.exists() else None


def backend_cpu(stat: Path | None) -> float:
    """The backend's user and system CPU seconds so far."""
    if stat is None:
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="timed articles (300)")
    parser.add_argument("--warm", type=int, default=20, help="articles requested first (20)")
    parser.add_argument("--seed", type=int, default=18, help="which articles (18)")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed requests")
    parser.add_argument("--lines", type=int, default=30, help="cProfile lines per table (30)")
    args = parser.parse_args()

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection

    from articles.models import Article

    ids = list(Article.objects.published().values_list("id", flat=True))
    picked = random.Random(args.seed).sample(ids, min(len(ids), args.warm + args.count))  # noqa: S311
    for alias in settings.CACHES:
        caches[alias].clear()

    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def get(pk: int) -> bytes:
        result = application(environ_for(f"/news/{pk}/"), start_response)
        try:
            return b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()

    for pk in picked[: args.warm]:
        get(pk)
    backend = database_backend(connection)
    # CPU time, as the table: waits for PostgreSQL and Redis are not what a render costs.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    cpu, wall, sizes = [], [], []
    database_started = backend_cpu(backend)
    for pk in picked[args.warm :]:
        statuses.clear()
        if profiler:
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        body = get(pk)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if profiler:
            profiler.disable()
        if not statuses or not statuses[0].startswith("200"):
            sys.exit(f"/news/{pk}/: {statuses}")
        sizes.append(len(body))

    database_cpu = backend_cpu(backend) - database_started if backend else None
    mode = f"page cache {settings.PAGE_CACHE_SECONDS} s" if settings.PAGE_CACHE_SECONDS else "cold"
    print(
        f"{connection.vendor}, {mode}, cache {settings.CACHES['default']['BACKEND'].split('.')[-1]}"
        f", {len(cpu)} different articles, {statistics.mean(sizes) / 1000:.1f} kB each"
    )
    print(
        f"cpu ms p50 {statistics.median(cpu) * 1000:.2f}  mean {statistics.mean(cpu) * 1000:.2f}"
        f"  |  wall ms p50 {statistics.median(wall) * 1000:.2f}"
        f"  mean {statistics.mean(wall) * 1000:.2f}"
        + (
            f"  |  postgres cpu ms mean {database_cpu / len(cpu) * 1000:.2f}"
            if database_cpu is not None
            else ""
        )
    )
    if profiler:
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.lines)
        stats.sort_stats("tottime").print_stats(args.lines)


if __name__ == "__main__":
    main()
