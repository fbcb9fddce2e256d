# ruff: noqa: S310, S603, S607 -- a local tool: runs our own commands against 127.0.0.1
"""`make bench`: the reader site under gunicorn with production settings on PostgreSQL, loaded
by wrk from a second process, with the page cache cold and warm; prints req/s, p50 and p99.

For every size in BENCH_SIZES (default 1000) the database BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/newsroom_bench_<size>; `{size}` in the URL is replaced) is
created when missing, migrated, given the demo newsroom and topped up to <size> generated
articles (`generate_articles`, safe to rerun: a kept database is reused as it is).

Three passes per size, each page loaded by wrk for BENCH_DURATION seconds after a 2 s warm-up:
- "cold 1": `PAGE_CACHE_SECONDS=0` (no page cache, no data cache: every request queries
  PostgreSQL and renders), one connection: the time the server takes for one page.
- "cold": the same under BENCH_CONNECTIONS connections (4: two per core, so requests queue).
- "warm": the page cache on (Redis, shared by the workers), BENCH_WARM_CONNECTIONS (8).

Environment: BENCH_SIZES (comma separated), BENCH_DATABASE_URL, BENCH_DURATION (seconds per
URL, 8), BENCH_CONNECTIONS (4), BENCH_WARM_CONNECTIONS (8), BENCH_THREADS (wrk threads, 2),
BENCH_WORKERS (gunicorn workers, 3), BENCH_PORT (8123), BENCH_REDIS_URL
(redis://127.0.0.1:6379/14; flushed before each run), BENCH_OUT (var/bench).
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# A fresh key per run: the benchmark server signs nothing that outlives it.
SECRET = secrets.token_urlsafe(50)


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(1)


def django_env(database_url: str, **extra: str) -> dict:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on 127.0.0.1: secure-only cookies would never come back.
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        **extra,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DATABASE_REPLICA_URLS", None)
    return environment


def manage(database_url: str, *args: str, **extra: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=django_env(database_url, **extra),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        fail(f"manage.py {' '.join(args)} failed: {result.stderr.strip().splitlines()[-1:]}")
    return result.stdout


def psql(database_url: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else ""


def ensure_database(database_url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                print(f"  creating database {name}")
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        fail(f"PostgreSQL is not reachable at {admin_url}: {str(error).strip()}")


def prepare(size: int, database_url: str) -> None:
    ensure_database(database_url)
    manage(database_url, "migrate", "--noinput", "-v", "0")
    manage(database_url, "load_demo", "--allow-production")
    existing = psql(
        database_url,
        "SELECT count(*) FROM articles_article_reporters ar JOIN articles_reporter r "
        "ON r.id = ar.reporter_id JOIN auth_user u ON u.id = r.user_id "
        "WHERE u.username = 'archive-generator'",
    )[0][0]
    missing = size - existing
    if missing > 0:
        print(f"  generating {missing:,} articles (have {existing:,})", flush=True)
    started = time.monotonic()
    # Run even when nothing is missing: the command also rebuilds a search index that a stopped
    # run left dropped (and drops and builds it itself around a big load).
    manage(database_url, "generate_articles", str(size), "--batch-size", "5000")
    if missing > 0:
        print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
        psql(database_url, "VACUUM ANALYZE")
    manage(database_url, "collectstatic", "--noinput", "-v", "0")


def pick_urls(database_url: str) -> list[tuple[str, str]]:
    """The pages to load: (label, path)."""
    article = psql(
        database_url,
        "SELECT id FROM articles_article WHERE status = 'published' AND published_at <= now() "
        "ORDER BY published_at DESC LIMIT 1 OFFSET 50",
    )
    section = psql(
        database_url,
        "SELECT s.slug, count(*) FROM articles_section s JOIN articles_article a "
        "ON a.section_id = s.id WHERE a.status = 'published' AND a.published_at <= now() "
        "GROUP BY s.slug ORDER BY count(*) DESC LIMIT 1",
    )
    placement = psql(
        database_url,
        "SELECT p.id FROM banners_placement p JOIN banners_banner b ON b.id = p.banner_id "
        "WHERE b.kind = 'image' AND p.is_active AND b.is_active ORDER BY p.id LIMIT 1",
    )
    if not article or not section:
        fail("no published article or section: did load_demo run?")
    slug, count = section[0]
    # A deep page: the 50th, or the last one when the section is smaller.
    deep = max(1, min(50, (count + 19) // 20))
    search = urllib.parse.quote("의료")
    rare = urllib.parse.quote("희귀질환")
    missing = urllib.parse.quote("코끼리")
    urls = [
        ("home", "/"),
        ("section p1", f"/section/{slug}/"),
        (f"section p{deep}", f"/section/{slug}/?page={deep}"),
        ("article", f"/news/{article[0][0]}/"),
        ("search 의료 (common)", f"/search/?q={search}"),
        ("search 희귀질환", f"/search/?q={rare}"),
        ("search 코끼리 (none)", f"/search/?q={missing}"),
        ("RSS", "/rss/"),
    ]
    if placement:
        urls.append(("banner click", f"/banners/c/{placement[0][0]}/"))
    return urls


def start_server(database_url: str, port: int, workers: int, redis_url: str, cache_seconds: int):
    environment = django_env(
        database_url, REDIS_URL=redis_url, PAGE_CACHE_SECONDS=str(cache_seconds)
    )
    gunicorn = str(Path(PYTHON).with_name("gunicorn"))
    process = subprocess.Popen(
        [
            gunicorn,
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None:
                fail("gunicorn exited at start")
            time.sleep(0.3)
    stop_server(process)
    fail("gunicorn did not answer within 30 s")


def stop_server(process) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_REQUESTS = re.compile(r"(\d+) requests in")


def wrk(url: str, *, duration: int, connections: int, threads: int) -> dict:
    result = subprocess.run(
        ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{duration}s", url],
        capture_output=True,
        text=True,
        check=False,
    )
    out = result.stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {p: float(v) * scale[u] for p, v, u in _LATENCY.findall(out)}
    rate = _RATE.search(out)
    errors = _NON_2XX.search(out)
    total = _REQUESTS.search(out)
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "requests": int(total.group(1)) if total else 0,
        "errors": int(errors.group(1)) if errors else 0,
    }


def check_status(url: str) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 bench"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_size(size: int, settings: dict) -> list[dict]:
    database_url = settings["database_url"].replace("{size}", str(size))
    if "{size}" not in settings["database_url"] and len(settings["sizes"]) > 1:
        fail("with several BENCH_SIZES, BENCH_DATABASE_URL needs {size}")
    print(f"\n== {size:,} generated articles: {urllib.parse.urlsplit(database_url).path[1:]}")
    prepare(size, database_url)
    urls = pick_urls(database_url)
    rows = []
    passes = (
        ("cold 1", 0, 1),
        ("cold", 0, settings["connections"]),
        ("warm", 300, settings["warm_connections"]),
    )
    for mode, cache_seconds, connections in passes:
        flush_redis(settings["redis_url"])
        server = start_server(
            database_url, settings["port"], settings["workers"], settings["redis_url"],
            cache_seconds,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{settings['port']}"
            for label, path in urls:
                status = check_status(base + path)
                if status not in (200, 302):
                    fail(f"{label} {path} answered {status}")
                # Warm-up: every worker has its connections, templates and (warm) cache.
                wrk(base + path, duration=2, connections=max(connections, 3), threads=1)
                result = wrk(
                    base + path,
                    duration=settings["duration"],
                    connections=connections,
                    threads=min(settings["threads"], connections),
                )
                row = {"size": size, "mode": mode, "page": label, "path": path, **result}
                rows.append(row)
                print(format_row(row), flush=True)
        finally:
            stop_server(server)
    return rows


def format_ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


HEADER = f"{'page':<24} {'cache':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"


def format_row(row: dict) -> str:
    return (
        f"{row['page']:<24} {row['mode']:<6} {row['rps']:>9.1f} {format_ms(row['p50']):>8} "
        f"{format_ms(row['p99']):>8} {row['errors']:>7}"
    )


def markdown_table(rows: list[dict]) -> str:
    """One row per page, the three passes side by side, for docs/performance.md."""
    modes = ["cold 1", "cold", "warm"]
    head = ["page"] + [f"{m} {c}" for m in modes for c in ("req/s", "p50 ms", "p99 ms")]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    pages = list(dict.fromkeys(row["page"] for row in rows))
    for page in pages:
        cells = [page]
        for mode in modes:
            row = next((r for r in rows if r["page"] == page and r["mode"] == mode), None)
            if row is None:
                cells += ["-", "-", "-"]
            else:
                cells += [f"{row['rps']:,.0f}", format_ms(row["p50"]), format_ms(row["p99"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    if shutil.which("wrk") is None:
        fail("wrk is missing: install it with `sudo apt-get install wrk` (Debian/Ubuntu)")
    settings = {
        "sizes": [int(s) for s in env("BENCH_SIZES", "1000").replace("_", "").split(",") if s],
        "database_url": env(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_{size}"
        ),
        "duration": int(env("BENCH_DURATION", "8")),
        "connections": int(env("BENCH_CONNECTIONS", "4")),
        "warm_connections": int(env("BENCH_WARM_CONNECTIONS", "8")),
        "threads": int(env("BENCH_THREADS", "2")),
        "workers": int(env("BENCH_WORKERS", "3")),
        "port": int(env("BENCH_PORT", "8123")),
        "redis_url": env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    out = ROOT / env("BENCH_OUT", "var/bench")
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"wrk: {settings['threads']} threads, {settings['connections']} connections, "
        f"{settings['duration']} s per page; gunicorn: {settings['workers']} workers; "
        f"{os.cpu_count()} CPUs"
    )
    all_rows = []
    for size in settings["sizes"]:
        print(HEADER)
        rows = run_size(size, settings)
        all_rows += rows
        (out / f"bench-{size}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    print("\n" + HEADER.replace("page", "size / page", 1))
    for row in all_rows:
        print(f"{row['size']:>9,} " + format_row(row))
    for size in settings["sizes"]:
        print(f"\n{size:,} articles:\n")
        print(markdown_table([row for row in all_rows if row["size"] == size]))
    print(f"\nJSON per size in {out}/")


if __name__ == "__main__":
    main()
