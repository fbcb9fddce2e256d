# ruff: noqa: S310, S603, S607 -- a local tool: runs our own commands against 127.0.0.1
"""`make bench`: the reader site under gunicorn with production settings on PostgreSQL, loaded
by wrk from a second process, with the page cache cold and warm; prints req/s, p50 and p99.

For every size in BENCH_SIZES (default 1000) the database BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/newsroom_bench_<size>; `{size}` in the URL is replaced) is
created when missing, migrated, given the demo newsroom and topped up to <size> generated
articles (`generate_articles`, safe to rerun: a kept database is reused as it is).

Three passes per size, each page loaded by wrk for BENCH_DURATION seconds after a 2 s warm-up:
- "cold 1": `PAGE_CACHE_SECONDS=0` (no page cache, no data cache: every request queries
  PostgreSQL for its own content and renders it; the blocks every page shares come from the
  fragment cache, FRAGMENT_CACHE_SECONDS, as in production), one connection: the time the
  server takes for one page.
- "cold": the same under BENCH_CONNECTIONS connections (4: two per core, so requests queue).
- "warm": the page cache on (Redis, shared by the workers), BENCH_WARM_CONNECTIONS (8).

"view beacon" (every pass, this checkout only): wrk POSTs batches of three view tokens signed
for the run with its key to /banners/v/ (BEACON_LUA), the server's per-address beacon limit
lifted (wrk is one address).

Two more loads in the warm pass:
- "long tail": every request a different article (a shuffled list of every published article's
  address, each wrk thread from its own place in it, a fresh part of it for every run), as
  crawlers and readers walk an archive: nearly every request is the first for its page.
- "home + edits": the home page while an editor process saves a published article's title
  every second through the ORM (what a desk edit does to the caches); the editor is started
  (imports done, a first edit saved) before the warm-up, so its start is not measured.

Each load also gives the server's CPU time per request ("cpu ms": gunicorn's master and
workers, read from /proc before and after wrk): on a machine busy with something else the
requests per second of two sides drift apart, their CPU per request much less.

A/B: with BENCH_BASELINE=<git revision> the same run also loads a checkout of that revision
(extracted to var/bench-baseline/<revision>, its own databases `…_base` and its own Redis
database), and every load runs on both, alternating, BENCH_ROUNDS times (2); the tables give
each side's median and the ratio. The baseline runs with this checkout's virtualenv when both
lock the same packages (or it has no lock), else with one of its own made from its
requirements.lock (once, in var/bench-baseline/<revision>/.venv). A round loads every page
once (on each side) before the next round starts, so a drift of the machine over a pass
reaches every page's rounds alike, the warm home with and without edits among them.

Environment: BENCH_SIZES (comma separated), BENCH_DATABASE_URL, BENCH_DURATION (seconds per
URL, 8), BENCH_CONNECTIONS (4), BENCH_WARM_CONNECTIONS (8), BENCH_THREADS (wrk threads, 2),
BENCH_WORKERS (gunicorn workers, 3), BENCH_PORT (8123; the baseline uses the next port),
BENCH_REDIS_URL (redis://127.0.0.1:6379/14; the baseline uses the database below it; flushed
before each pass), BENCH_BASELINE, BENCH_ROUNDS (2), BENCH_PAGES (comma separated labels to
load, default all), BENCH_OUT (var/bench), BENCH_USER_AGENT (what wrk sends: a reader's Chrome
by default, so pages count their banner impressions and campaigns' caps as a reader's would;
"" sends none, as wrk does on its own, and nothing is counted).
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
from dataclasses import dataclass
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


@dataclass
class Side:
    """One checkout under test: this one ("now") or the baseline revision ("base")."""

    name: str
    root: Path
    database_template: str
    port: int
    redis_url: str
    server: subprocess.Popen | None = None
    python: str = PYTHON  # the interpreter of the checkout's virtualenv (`baseline_python`)

    def database_url(self, size: int) -> str:
        url = self.database_template.replace("{size}", str(size))
        if self.name == "now":
            return url
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(parts._replace(path=parts.path + "_base"))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def django_env(database_url: str, **extra: str) -> dict:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on 127.0.0.1: secure-only cookies would never come back.
        "DJANGO_SECURE_COOKIES": "0",
        **extra,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DATABASE_REPLICA_URLS", None)
    return environment


def manage(side: Side, database_url: str, *args: str, **extra: str) -> str:
    result = subprocess.run(
        [side.python, "manage.py", *args],
        cwd=side.root,
        env=django_env(
            database_url, DJANGO_STATIC_ROOT=str(side.root / "var" / "bench-static"), **extra
        ),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        fail(f"{side.name}: manage.py {' '.join(args)} failed: {result.stderr.strip()[-300:]}")
    return result.stdout


def baseline_checkout(revision: str) -> Path:
    """The baseline revision's files in var/bench-baseline/<commit> (extracted once)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    if not commit:
        fail(f"BENCH_BASELINE={revision} is not a revision of this repository")
    folder = ROOT / "var" / "bench-baseline" / commit[:12]
    if not (folder / "manage.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def baseline_python(folder: Path) -> str:
    """The interpreter the baseline runs with: this checkout's when both lock the same packages,
    else one of a virtualenv of its own (folder/.venv, made once from its requirements.lock),
    so a package this checkout adds or changes (a faster library) is measured against the
    baseline as it was, not lent to it."""
    lock = folder / "requirements.lock"
    if not lock.exists() or lock.read_bytes() == (ROOT / "requirements.lock").read_bytes():
        return PYTHON
    venv = folder / ".venv"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        print(f"  the baseline locks other packages: installing them in {venv.relative_to(ROOT)}")
        subprocess.run([PYTHON, "-m", "venv", "--clear", str(venv)], check=True)
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--require-hashes", "-r", str(lock)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if installed.returncode != 0:
            fail(f"the baseline's packages did not install: {installed.stderr.strip()[-300:]}")
        (venv / ".installed").touch()
    return str(python)


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


def prepare(side: Side, size: int) -> str:
    database_url = side.database_url(size)
    ensure_database(database_url)
    manage(side, database_url, "migrate", "--noinput", "-v", "0")
    manage(side, database_url, "load_demo", "--allow-production")
    existing = psql(
        database_url,
        "SELECT count(*) FROM articles_article_reporters ar JOIN articles_reporter r "
        "ON r.id = ar.reporter_id JOIN auth_user u ON u.id = r.user_id "
        "WHERE u.username = 'archive-generator'",
    )[0][0]
    missing = size - existing
    if missing > 0:
        print(f"  {side.name}: generating {missing:,} articles (have {existing:,})", flush=True)
    started = time.monotonic()
    # Run even when nothing is missing: the command also rebuilds a search index that a stopped
    # run left dropped (and drops and builds it itself around a big load).
    manage(side, database_url, "generate_articles", str(size), "--batch-size", "5000")
    if missing > 0:
        print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
        psql(database_url, "VACUUM ANALYZE")
    manage(side, database_url, "collectstatic", "--noinput", "-v", "0")
    return database_url


def article_paths(database_url: str, out: Path) -> Path:
    """Every published article's address, shuffled (the same order on every side), one a line:
    what the long-tail load walks."""
    rows = psql(
        database_url,
        "SELECT id FROM articles_article WHERE status = 'published' AND published_at <= now() "
        "ORDER BY md5(id::text)",
    )
    path = out / "long-tail-paths.txt"
    path.write_text("".join(f"/news/{row[0]}/\n" for row in rows))
    return path


# wrk's Lua: each thread walks its own stretch of the list, from BENCH_PATHS_OFFSET on, so no
# address is asked twice in a run (while the list lasts).
LONG_TAIL_LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local offset = tonumber(os.getenv("BENCH_PATHS_OFFSET") or "0")
local threads = 0
function setup(thread)
  thread:set("number", threads)
  threads = threads + 1
end
function init(args)
  stride = math.floor(#paths / 16)
  index = offset + number * stride
end
function request()
  index = index + 1
  return wrk.format("GET", paths[(index % #paths) + 1])
end
"""


# wrk's Lua for the view beacon: each request POSTs a batch of three pre-signed tokens, each
# thread from its own stretch of the list (BENCH_TOKENS), as a reader's browser sends them.
BEACON_LUA = """
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local threads = 0
function setup(thread)
  thread:set("number", threads)
  threads = threads + 1
end
function init(args)
  index = number * math.floor(#tokens / 16)
end
function request()
  local batch = {}
  for i = 1, 3 do
    index = index + 1
    batch[i] = '"' .. tokens[(index % #tokens) + 1] .. '"'
  end
  local body = '{"v":[' .. table.concat(batch, ",") .. ']}'
  return wrk.format("POST", nil, {["Content-Type"] = "text/plain"}, body)
end
"""
BEACON_TOKENS = 60_000
SIGN_TOKENS = """
from django.utils import timezone
from banners import viewability
from banners.models import Placement
now = timezone.now()
placement = Placement.objects.live_at(now).filter(banner__kind="image").order_by("pk").first()
for _ in range({count}):
    print(viewability.make_token(banner_id=placement.banner_id, slot_id=placement.slot_id,
                                 view=viewability.PageView(), now=now))
"""


def beacon_tokens(side: Side, database_url: str, out: Path) -> Path:
    """Tokens signed with the run's key for a live placement (valid for 30 minutes: signed
    again for every pass), one a line."""
    path = out / f"beacon-tokens-{side.name}.txt"
    path.write_text(
        manage(side, database_url, "shell", "-c", SIGN_TOKENS.format(count=BEACON_TOKENS))
    )
    return path


def pick_urls(database_url: str) -> list[tuple[str, str]]:
    """The pages to load: (label, path)."""
    # "article": one of realistic length (issue 18 measures articles of 2,000+ syllables: a
    # generated one), the 51st newest such (the oldest when there are fewer); "article with
    # photo": the newest with a lead photo and related articles (a demo article: a short body,
    # but the lead photo's sizes, the related articles' cards and their thumbnails). Chosen by
    # what they hold, not by their place among the newest, which depends on when the database
    # was made.
    article = psql(
        database_url,
        "SELECT id FROM articles_article WHERE status = 'published' AND published_at <= now() "
        "AND length(body) >= 3000 ORDER BY published_at DESC, id LIMIT 51",
    )[-1:]
    pictured = psql(
        database_url,
        "SELECT id FROM articles_article a WHERE status = 'published' AND published_at <= now() "
        "AND lead_photo_id IS NOT NULL AND EXISTS (SELECT 1 FROM articles_article_related r "
        "WHERE r.from_article_id = a.id) ORDER BY published_at DESC, id LIMIT 1",
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
        *([("article with photo", f"/news/{pictured[0][0]}/")] if pictured else []),
        ("search 의료 (common)", f"/search/?q={search}"),
        ("search 희귀질환", f"/search/?q={rare}"),
        ("search 코끼리 (none)", f"/search/?q={missing}"),
        ("RSS", "/rss/"),
    ]
    if placement:
        urls.append(("banner click", f"/banners/c/{placement[0][0]}/"))
    return urls


BEACON = ("view beacon", "/banners/v/")


def start_server(side: Side, database_url: str, workers: int, cache_seconds: int):
    environment = django_env(
        database_url,
        REDIS_URL=side.redis_url,
        PAGE_CACHE_SECONDS=str(cache_seconds),
        # wrk is one client address: the beacon's per-address limit would answer 429 within
        # a second (what the limit is for); the load measures the counting behind it.
        BANNER_BEACONS_PER_MINUTE="1000000000",
        DJANGO_STATIC_ROOT=str(side.root / "var" / "bench-static"),
    )
    gunicorn = str(Path(side.python).with_name("gunicorn"))
    process = subprocess.Popen(
        [
            gunicorn,
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{side.port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=side.root,
        env=environment,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{side.base}/", timeout=5)
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None:
                fail(f"{side.name}: gunicorn exited at start")
            time.sleep(0.3)
    stop_server(process)
    fail(f"{side.name}: gunicorn did not answer within 30 s")


class Editor:
    """A desk editor saving a published article's title every second (through the ORM, so the
    save invalidates what it invalidates in production), while a load runs."""

    SCRIPT = (
        "import time, itertools\n"
        "from articles.models import Article\n"
        "article = Article.objects.published().order_by('-published_at')[10]\n"
        "title = article.title\n"
        "for n in itertools.count():\n"
        "    article.title = f'{title} ({n % 2})'\n"
        "    article.save()\n"
        "    if n == 0:\n"
        "        print('ready', flush=True)\n"
        "    time.sleep(1)\n"
    )

    def __init__(self, side: Side, database_url: str):
        self.process = subprocess.Popen(
            [side.python, "manage.py", "shell", "-c", self.SCRIPT],
            cwd=side.root,
            env=django_env(database_url, REDIS_URL=side.redis_url, PAGE_CACHE_SECONDS="300"),
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        # Started (imports done, first edit saved) before the load begins; what the shell
        # prints before (its automatic imports) is skipped.
        for line in self.process.stdout:
            if line.strip() == "ready":
                return
        self.stop()
        fail(f"{side.name}: the editor process did not start")

    def stop(self) -> None:
        stop_server(self.process)


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


READER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def wrk(
    url: str, *, duration: int, connections: int, threads: int, script: Path | None = None,
    environment: dict | None = None,
) -> dict:  # fmt: skip
    agent = os.environ.get("BENCH_USER_AGENT", READER_AGENT)
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    if agent:
        command += ["-H", f"User-Agent: {agent}"]
    if script:
        command += ["-s", str(script)]
    result = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(environment or {})},
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


def server_cpu_seconds(server) -> float:
    """The CPU time (user and system) used so far by a gunicorn server: its master and workers,
    the process group it was started as (`start_new_session`)."""
    group = server.pid
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def measured(server, load) -> dict:
    """`load()`'s result with the server's CPU per request ("cpu", ms): unlike requests per
    second it does not depend on what else the machine is doing, so two sides compare even on
    a busy machine (wrk, PostgreSQL, Redis and an editor process are not in it)."""
    before = server_cpu_seconds(server)
    result = load()
    used = server_cpu_seconds(server) - before
    result["cpu"] = used * 1000 / result["requests"] if result["requests"] else None
    return result


def check_status(url: str) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 bench"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


def check_beacon(url: str, tokens: Path) -> int:
    token = tokens.read_text().split()[0]
    request = urllib.request.Request(
        url,
        data=json.dumps({"v": [token]}).encode(),
        headers={"User-Agent": READER_AGENT, "Content-Type": "text/plain"},
        method="POST",
    )
    try:
        return urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_size(size: int, sides: list[Side], settings: dict) -> list[dict]:
    if "{size}" not in settings["database_url"] and len(settings["sizes"]) > 1:
        fail("with several BENCH_SIZES, BENCH_DATABASE_URL needs {size}")
    print(f"\n== {size:,} generated articles")
    databases = {side.name: prepare(side, size) for side in sides}
    urls = pick_urls(databases["now"])
    out = settings["out"]
    paths = article_paths(databases["now"], out)
    script = out / "long-tail.lua"
    script.write_text(LONG_TAIL_LUA)
    wanted = settings["pages"]
    rows = []
    passes = (
        ("cold 1", 0, 1),
        ("cold", 0, settings["connections"]),
        ("warm", 300, settings["warm_connections"]),
    )
    loads = [(label, path, None) for label, path in urls]
    loads.append((*BEACON, "beacon"))
    warm_loads = [*loads, ("long tail", "/", "long-tail"), ("home + edits", "/", "edits")]
    for mode, cache_seconds, connections in passes:
        for side in sides:
            flush_redis(side.redis_url)
            side.server = start_server(
                side, databases[side.name], settings["workers"], cache_seconds
            )
        offset = 0
        chosen = [
            (label, path, kind)
            for label, path, kind in (warm_loads if mode == "warm" else loads)
            if not wanted or label in wanted
        ]
        try:
            # Rounds outermost: each round loads every page on every side, so the machine's drift
            # over a pass falls on all of them alike (the warm home with and without edits, too).
            for round_number in range(settings["rounds"]):
                for label, path, kind in chosen:
                    for side in sides:
                        if kind == "beacon" and side.name != "now":
                            continue  # the baseline may have no beacon endpoint
                        result = load(side, databases[side.name], path, kind, connections,
                                      settings, script, paths, offset)  # fmt: skip
                        offset += 20_000 if kind == "long-tail" else 0
                        row = {"size": size, "mode": mode, "page": label, "path": path,
                               "side": side.name, "round": round_number + 1, **result}  # fmt: skip
                        rows.append(row)
                        print(format_row(row), flush=True)
        finally:
            for side in sides:
                stop_server(side.server)
    return rows


def load(side, database_url, path, kind, connections, settings, script, paths, offset) -> dict:
    url = side.base + path
    threads = min(settings["threads"], connections)
    if kind == "beacon":
        tokens = beacon_tokens(side, database_url, settings["out"])
        beacon_script = settings["out"] / "beacon.lua"
        beacon_script.write_text(BEACON_LUA)
        environment = {"BENCH_TOKENS": str(tokens)}
        status = check_beacon(url, tokens)
        if status != 204:
            fail(f"{side.name}: {path} answered {status} to a signed beacon")
        wrk(url, duration=2, connections=max(connections, 3), threads=1, script=beacon_script,
            environment=environment)  # fmt: skip
        return measured(side.server, lambda: wrk(
            url, duration=settings["duration"], connections=connections, threads=threads,
            script=beacon_script, environment=environment))  # fmt: skip
    # The editor runs before the warm-up: what is measured is its edits, not the start of a
    # Python process (Django's imports take a core for about a second).
    editor = Editor(side, database_url) if kind == "edits" else None
    try:
        if kind != "long-tail":
            status = check_status(url)
            if status not in (200, 302):
                fail(f"{side.name}: {path} answered {status}")
            # Warm-up: every worker has its connections, templates and (warm) cache.
            wrk(url, duration=2, connections=max(connections, 3), threads=1)
        if kind == "long-tail":
            environment = {"BENCH_PATHS": str(paths), "BENCH_PATHS_OFFSET": str(offset)}
            return measured(side.server, lambda: wrk(
                url, duration=settings["duration"], connections=connections, threads=threads,
                script=script, environment=environment))  # fmt: skip
        duration = settings["duration"]
        return measured(
            side.server,
            lambda: wrk(url, duration=duration, connections=connections, threads=threads),
        )
    finally:
        if editor:
            editor.stop()


def format_ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


HEADER = (
    f"{'page':<20} {'cache':<6} {'side':<5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    f" {'cpu ms':>7}"
)


def format_row(row: dict) -> str:
    cpu = row.get("cpu")
    return (
        f"{row['page']:<20} {row['mode']:<6} {row['side']:<5} {row['rps']:>9.1f} "
        f"{format_ms(row['p50']):>8} {format_ms(row['p99']):>8} {row['errors']:>7}"
        f" {'-' if cpu is None else f'{cpu:.2f}':>7}"
    )


def summary(rows: list[dict]) -> dict | None:
    """The median of a side's rounds (req/s, and the latencies of that round)."""
    if not rows:
        return None
    ordered = sorted(rows, key=lambda r: r["rps"])
    return ordered[(len(ordered) - 1) // 2]


def median_cpu(rows: list[dict]) -> float | None:
    values = sorted(r["cpu"] for r in rows if r.get("cpu") is not None)
    return values[(len(values) - 1) // 2] if values else None


def markdown_table(rows: list[dict]) -> str:
    """One row per page and side, the three passes side by side (medians of the rounds), and
    with a baseline a row with the ratios now/base of the requests per second and of the
    requests per second of the server's CPU ("cpu ms": the gunicorn processes' CPU time per
    request; in the ratio row base cpu / now cpu, so above 1 is better on both)."""
    modes = ["cold 1", "cold", "warm"]
    sides = list(dict.fromkeys(row["side"] for row in rows))
    columns = ("req/s", "p50 ms", "p99 ms", "cpu ms")
    head = ["page", "side"] + [f"{m} {c}" for m in modes for c in columns]
    lines = ["| " + " | ".join(head) + " |", "|---|---" + "|---:" * (len(head) - 2) + "|"]
    for page in dict.fromkeys(row["page"] for row in rows):
        medians, cpus = {}, {}
        for side in sides:
            cells = [page, side]
            for mode in modes:
                found = [r for r in rows if (r["page"], r["mode"], r["side"]) == (page, mode, side)]
                row = medians[side, mode] = summary(found)
                cpu = cpus[side, mode] = median_cpu(found)
                if row is None:
                    cells += ["-", "-", "-", "-"]
                else:
                    cells += [f"{row['rps']:,.0f}", format_ms(row["p50"]), format_ms(row["p99"])]
                    cells.append("-" if cpu is None else f"{cpu:.2f}")
            lines.append("| " + " | ".join(cells) + " |")
        if len(sides) == 2:
            cells = [page, "now/base"]
            for mode in modes:
                now, base = medians["now", mode], medians["base", mode]
                ratio = f"×{now['rps'] / base['rps']:.2f}" if now and base and base["rps"] else "-"
                now_cpu, base_cpu = cpus["now", mode], cpus["base", mode]
                cpu_ratio = f"×{base_cpu / now_cpu:.2f}" if now_cpu and base_cpu else "-"
                cells += [ratio, "", "", cpu_ratio]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    if shutil.which("wrk") is None:
        fail("wrk is missing: install it with `sudo apt-get install wrk` (Debian/Ubuntu)")
    redis_url = env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
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
        "rounds": int(env("BENCH_ROUNDS", "2")),
        "pages": {p.strip() for p in env("BENCH_PAGES", "").split(",") if p.strip()},
        "out": ROOT / env("BENCH_OUT", "var/bench"),
    }
    settings["out"].mkdir(parents=True, exist_ok=True)
    port = int(env("BENCH_PORT", "8123"))
    sides = [Side("now", ROOT, settings["database_url"], port, redis_url)]
    baseline = os.environ.get("BENCH_BASELINE")
    if baseline:
        parts = urllib.parse.urlsplit(redis_url)
        number = int(parts.path.lstrip("/") or 0)
        base_redis = urllib.parse.urlunsplit(parts._replace(path=f"/{max(number - 1, 0)}"))
        if base_redis == redis_url:
            fail("BENCH_REDIS_URL must name a Redis database above 0 (the baseline's is below)")
        root = baseline_checkout(baseline)
        sides.append(
            Side("base", root, settings["database_url"], port + 1, base_redis,
                 python=baseline_python(root))
        )  # fmt: skip
        print(f"A/B: now = this checkout, base = {baseline} ({root.relative_to(ROOT)})")
    else:
        settings["rounds"] = int(env("BENCH_ROUNDS", "1"))
    print(
        f"wrk: {settings['threads']} threads, {settings['connections']} connections, "
        f"{settings['duration']} s per page, {settings['rounds']} round(s); gunicorn: "
        f"{settings['workers']} workers; {os.cpu_count()} CPUs"
    )
    all_rows = []
    for size in settings["sizes"]:
        print(HEADER)
        rows = run_size(size, sides, settings)
        all_rows += rows
        (settings["out"] / f"bench-{size}.json").write_text(
            json.dumps(rows, ensure_ascii=False, indent=1)
        )
    for size in settings["sizes"]:
        print(f"\n{size:,} articles:\n")
        print(markdown_table([row for row in all_rows if row["size"] == size]))
    print(f"\nJSON per size in {settings['out']}/")


if __name__ == "__main__":
    main()
