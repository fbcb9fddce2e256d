#!/usr/bin/env python3
"""Soak test: mixed load against gunicorn with the production settings, a PostgreSQL database
of its own (a throwaway cluster, scripts/sitecluster.py) and the Redis cache.

    make soak                       # SOAK_SECONDS=600 by default
    SOAK_SECONDS=120 make soak

The demo newsroom is loaded, then SOAK_THREADS client threads (default 8) on loopback request
a mix of pages: home, sections, articles, search, RSS and banner clicks, and after half the
pages with banners a viewability beacon of some of the page's signed view tokens (a fifth of
them sent twice: the replay counts zero; after a tenth of the pages a beacon of altered
tokens: counted zero), for SOAK_SECONDS and at most SOAK_MAX_REQUESTS requests (default 300
per second of the run). Each page's banners
are counted as the reader saw them (every image banner and ad frame in the HTML). Each client
thread is a series of readers (its own user agent each; a reader is the address and agent
hashed, banners/audience.py): a reader reads pages, then clicks a banner it was served, now and
then twice in a row (the second click is the same click again), and is then followed by a new
reader; now and then a new reader clicks a banner it was never served (flagged, not counted).
The readers' impressions of capped campaigns are tallied per reader and day. At the end the
counters are flushed (flush_banner_stats) and compared with the database.

Passes (exit 0) when: no 5xx and no failed request; each worker's memory (RSS) at the end is
within SOAK_RSS_MARGIN_MIB (default 25) and 15 % of what it was after the warm-up; and the
impressions, clicks, flagged clicks and viewable impressions added to BannerStat equal the
banners shown, the honest clicks sent, the clicks sent without an impression and the distinct
tokens reported seen; and no reader saw a capped campaign more often than its cap.
Otherwise exit 1 with one line per failed check.
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitecluster

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
SEARCH_TERMS = ["의료", "제약", "병원", "약사", "건강보험", "식약처", "백신", "의약품", "수가"]
# What the reader gets: image banners link to the click URL; ad tags are frames.
IMAGE_BANNER = re.compile(r'<a href="(/banners/c/\d+/)"')
AD_FRAME = re.compile(r'<iframe sandbox="[^"]*" src="/banners/tag/\d+/"')
WEIGHTS = {"home": 20, "section": 15, "article": 30, "search": 10, "rss": 5, "click": 20}
UNSEEN_CLICKS = 0.1  # share of clicks by a new reader who was served no banner
REPEATED_CLICKS = 0.2  # share of honest clicks sent twice in a row
STATS_SQL = (
    "SELECT COALESCE(SUM(impressions), 0), COALESCE(SUM(clicks), 0), "
    "COALESCE(SUM(flagged_clicks), 0), COALESCE(SUM(viewable_impressions), 0) "
    "FROM banners_bannerstat"
)
# Viewability beacons (banners/viewability.py): the reader's browser reports the banners it saw.
VIEW_TOKEN = re.compile(r'data-view="([^"]+)"')
BEACONS = 0.5  # share of pages with banners whose reader reports some of them seen
REPLAYED_BEACONS = 0.2  # share of beacons sent again (counted zero)
FORGED_BEACONS = 0.1  # share of pages followed by a beacon of altered tokens (counted zero)
CAPS_SQL = (
    "SELECT p.id, c.id, c.daily_cap FROM banners_placement p "
    "JOIN banners_banner b ON b.id = p.banner_id JOIN banners_campaign c ON c.id = b.campaign_id "
    "WHERE c.daily_cap IS NOT NULL"
)
CLICK_PLACEMENT = re.compile(r"/banners/c/(\d+)/")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.status = collections.Counter()
        self.by_kind = collections.Counter()
        self.failures: list[str] = []
        self.banners_shown = 0
        self.clicks_sent = 0  # honest: counted
        self.clicks_repeated = 0  # the same click again within 30 s: not counted
        self.clicks_unseen = 0  # no impression served to that reader: flagged
        self.capped_views = collections.Counter()  # (reader, campaign) -> impressions
        self.views_sent = 0  # distinct signed tokens reported seen: counted viewable
        self.views_replayed = 0  # the same tokens again: counted zero
        self.views_forged = 0  # altered tokens: counted zero
        self.requests = 0
        self.slowest = 0.0


class Reader(threading.Thread):
    def __init__(self, port, urls, tally, deadline, budget, seed, caps=None):
        super().__init__(daemon=True)
        self.port, self.urls, self.tally = port, urls, tally
        self.deadline, self.budget = deadline, budget
        self.rng = random.Random(seed)  # noqa: S311 -- a load mix, not security
        self.connection = None
        self.caps = caps or {}  # placement id -> (campaign id, cap)
        self.seed, self.readers = seed, 0
        self.next_reader()

    def next_reader(self) -> None:
        """The thread's next reader: a user agent of its own, no banner served yet."""
        self.readers += 1
        self.agent = f"{BROWSER} soak/{self.seed}.{self.readers}"
        self.served: list[str] = []

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def beacon(self, tokens: list[str]) -> int:
        """What viewability.js sends: a batch of tokens of banners seen, by sendBeacon."""
        body = json.dumps({"v": tokens})
        return self.request("POST", "/banners/v/", body=body)[0]

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"User-Agent": self.agent}
        if body is not None:
            headers["Content-Type"] = "text/plain;charset=UTF-8"
        for attempt in range(2):  # a keep-alive connection the server closed: reconnect once
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                body = response.read().decode("utf-8", "replace")
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status, body
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def pick(self) -> tuple[str, str]:
        kind = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        if kind == "click" and not self.urls["click"]:
            kind = "article"
        if kind == "home":
            return kind, "/"
        if kind == "search":
            return kind, f"/search/?q={quote(self.rng.choice(SEARCH_TERMS))}"
        if kind == "rss":
            return kind, "/rss/"
        return kind, self.rng.choice(self.urls[kind])

    def click_path(self) -> tuple[str, str]:
        """A click: on a banner this reader was served (honest), or by a new reader on any
        banner (unseen)."""
        if self.served and self.rng.random() >= UNSEEN_CLICKS:
            return "click", self.rng.choice(self.served)
        self.next_reader()
        return "click-unseen", self.rng.choice(self.urls["click"])

    def run(self):
        tally = self.tally
        while time.monotonic() < self.deadline:
            with tally.lock:
                if tally.requests >= self.budget:
                    return
                tally.requests += 1
            kind, path = self.pick()
            if kind == "click":
                kind, path = self.click_path()
            started = time.monotonic()
            try:
                status, body = self.get(path)
            except Exception as error:
                with tally.lock:
                    tally.failures.append(f"{path}: {error!r}")
                continue
            took = time.monotonic() - started
            images = IMAGE_BANNER.findall(body) if not kind.startswith("click") else []
            shown = len(images) + len(AD_FRAME.findall(body))
            repeated = False
            if kind == "click" and status == 302 and self.rng.random() < REPEATED_CLICKS:
                repeated = self.get(path)[0] == 302  # at once: well within 30 s
            views = replayed = forged = 0
            tokens = VIEW_TOKEN.findall(body) if not kind.startswith("click") else []
            if tokens and self.rng.random() < BEACONS:
                seen = self.rng.sample(tokens, self.rng.randint(1, len(tokens)))
                if self.beacon(seen) == 204:
                    views = len(seen)
                    if self.rng.random() < REPLAYED_BEACONS:
                        replayed = len(seen) * (self.beacon(seen) == 204)
            if tokens and self.rng.random() < FORGED_BEACONS:
                altered = [forge(token) for token in tokens]
                forged = len(altered) * (self.beacon(altered) == 204)
            with tally.lock:
                tally.status[status] += 1
                tally.by_kind[kind] += 1
                tally.slowest = max(tally.slowest, took)
                tally.views_sent += views
                tally.views_replayed += replayed
                tally.views_forged += forged
                if kind == "click":
                    tally.clicks_sent += status == 302
                    tally.clicks_repeated += repeated
                elif kind == "click-unseen":
                    tally.clicks_unseen += status == 302
                else:  # every page with banners counts them, a 404 page's too
                    tally.banners_shown += shown
                    for url in images:
                        capped = self.caps.get(int(CLICK_PLACEMENT.search(url).group(1)))
                        if capped:
                            tally.capped_views[(self.agent, capped)] += 1
            if kind.startswith("click"):
                # One click per reader: a second on the same banner within 30 s would be the
                # same click again, so the next one starts afresh.
                self.next_reader()
            elif images:
                self.served = images


def forge(token: str) -> str:
    """The token with its serial changed (another impression of the same page), its
    signature kept: what someone inflating a count would try."""
    banner, slot, view, serial, stamp, signature = token.split(".")
    return ".".join([banner, slot, view, str(int(serial) + 1000), stamp, signature])


def discover(port: int) -> dict[str, list[str]]:
    reader = Reader(port, {}, Tally(), 0, 0, 0)
    _, home = reader.get("/")
    sections = sorted(set(re.findall(r'href="(/section/[^"/]+/)"', home)))
    articles = set(re.findall(r'href="(/news/\d+/)"', home))
    for section in sections:
        _, page = reader.get(section)
        articles.update(re.findall(r'href="(/news/\d+/)"', page))
    clicks = set(IMAGE_BANNER.findall(home))
    for article in sorted(articles)[:10]:
        _, page = reader.get(article)
        clicks.update(IMAGE_BANNER.findall(page))
    return {"section": sections, "article": sorted(articles), "click": sorted(clicks)}


def stats(env: dict[str, str]) -> tuple[int, int, int, int]:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as db:
        impressions, clicks, flagged, viewable = db.execute(STATS_SQL).fetchone()
    return int(impressions), int(clicks), int(flagged), int(viewable)


def caps(env: dict[str, str]) -> dict[int, tuple[int, int]]:
    """Placement id -> (campaign id, cap per reader and day) of the capped campaigns."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as db:
        return {pid: (cid, cap) for pid, cid, cap in db.execute(CAPS_SQL).fetchall()}


def pending_impressions(url: str, prefix: str) -> int:
    """Impressions (served and viewable) and clicks (honest and flagged) counted in the cache
    and not yet in the database."""
    import redis

    client = redis.Redis.from_url(url)
    keys = []
    for kind in ("imp", "view", "clk", "flg"):
        keys += list(client.scan_iter(f"{prefix}:*banners:{kind}:*"))
    return sum(int(value or 0) for value in client.mget(keys)) if keys else 0


def remove_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def main() -> int:
    seconds = env_int("SOAK_SECONDS", 600)
    threads = env_int("SOAK_THREADS", 8)
    workers = env_int("SOAK_WORKERS", 3)
    budget = env_int("SOAK_MAX_REQUESTS", seconds * 300)
    margin_mib = env_int("SOAK_RSS_MARGIN_MIB", 25)
    redis_url = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/14")
    prefix = f"newsroom-soak-{uuid.uuid4().hex[:8]}"
    warmup = min(30.0, max(5.0, seconds * 0.1))
    print(f"soak: {seconds} s, {threads} client threads, {workers} gunicorn workers, "
          f"at most {budget} requests, Redis {redis_url} (prefix {prefix})")  # fmt: skip
    failures: list[str] = []
    try:
        with sitecluster.throwaway_postgres() as cluster:
            env = sitecluster.site_environment(
                cluster.url(),
                REDIS_URL=redis_url,
                CACHE_KEY_PREFIX=prefix,
                # Every client thread is 127.0.0.1: the per-address beacon limit (120 a
                # minute) is for one reader's address, not for the whole soak.
                BANNER_BEACONS_PER_MINUTE="1000000000",
            )
            sitecluster.manage(env, "migrate", "--noinput", "--verbosity", "0")
            sitecluster.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
            sitecluster.manage(env, "load_demo", "--allow-production", "--no-logins")
            with sitecluster.gunicorn_site(env, workers=workers, threads=4) as site:
                urls = discover(site.port)
                print(f"soak: {len(urls['section'])} sections, {len(urls['article'])} articles, "
                      f"{len(urls['click'])} banner click URLs")  # fmt: skip
                if not urls["click"]:
                    failures.append("no image banner on the pages: clicks cannot be tested")
                capped = caps(env)
                warm = Tally()
                run_readers(site.port, urls, warm, warmup, budget, threads, seed=1, caps=capped)
                sitecluster.manage(env, "flush_banner_stats")
                before = stats(env)
                rss_start = site.rss_kib()
                tally = Tally()
                started = time.monotonic()
                run_readers(
                    site.port, urls, tally, seconds - warmup, budget, threads, seed=2, caps=capped
                )
                elapsed = time.monotonic() - started
                rss_end = site.rss_kib()
                # A worker's own after-request flush may hold the flush lock (the command then
                # moves nothing): flush until no counter is left in the cache.
                for _ in range(10):
                    flushed = sitecluster.manage(env, "flush_banner_stats").strip()
                    print(f"soak: flush_banner_stats: {flushed}")
                    if pending_impressions(redis_url, prefix) == 0:
                        break
                    time.sleep(1)
                left = pending_impressions(redis_url, prefix)
                if left:
                    failures.append(f"{left} impressions still in the cache after flushing")
                after = stats(env)
                workers_alive = site.process.poll() is None
    except sitecluster.ClusterError as error:
        print(f"soak FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        try:
            remove_redis_keys(redis_url, prefix)
        except Exception as error:  # the run's verdict matters more than the clean-up
            print(f"soak: could not remove the Redis keys {prefix}*: {error}", file=sys.stderr)

    total = sum(tally.status.values())
    five_xx = sum(n for status, n in tally.status.items() if status >= 500)
    five_xx += sum(n for status, n in warm.status.items() if status >= 500)
    impressions = after[0] - before[0]
    clicks = after[1] - before[1]
    flagged = after[2] - before[2]
    viewable = after[3] - before[3]
    over_cap = {
        key: n for key, n in tally.capped_views.items() if n > key[1][1]
    }  # (reader, (campaign, cap)) -> impressions
    warmed = sum(warm.status.values())
    print(f"soak: {total} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s) after a "
          f"{warmup:.0f} s warm-up of {warmed}; slowest {tally.slowest:.2f} s")  # fmt: skip
    print("soak: by kind " + ", ".join(f"{k} {n}" for k, n in sorted(tally.by_kind.items())))
    print("soak: by status " + ", ".join(f"{s} {n}" for s, n in sorted(tally.status.items())))
    print(f"soak: banners shown {tally.banners_shown}, impressions counted {impressions}; "
          f"clicks sent {tally.clicks_sent}, clicks counted {clicks}; repeated within 30 s "
          f"{tally.clicks_repeated} (not counted); clicks without an impression "
          f"{tally.clicks_unseen}, flagged {flagged}")  # fmt: skip
    print(f"soak: view tokens reported {tally.views_sent}, viewable counted {viewable}; "
          f"replayed {tally.views_replayed} and forged {tally.views_forged} "
          "(counted zero)")  # fmt: skip
    at_cap = sum(1 for (_, (_, cap)), n in tally.capped_views.items() if n >= cap)
    print(f"soak: {len(tally.capped_views)} readers saw a capped campaign, {at_cap} reached "
          f"its cap, {len(over_cap)} went past it")  # fmt: skip
    for pid in sorted(rss_start):
        start, end = rss_start[pid] / 1024, rss_end.get(pid, 0) / 1024
        print(f"soak: worker {pid} RSS {start:.1f} MiB -> {end:.1f} MiB ({end - start:+.1f})")
        if pid not in rss_end:
            failures.append(f"worker {pid} was replaced during the run")
        elif end > start * 1.15 + margin_mib:
            failures.append(f"worker {pid} memory grew from {start:.1f} to {end:.1f} MiB")
    if five_xx:
        failures.append(f"{five_xx} responses were 5xx")
    if tally.failures or warm.failures:
        failures.append(f"{len(tally.failures) + len(warm.failures)} requests failed, e.g. "
                        f"{(tally.failures + warm.failures)[0]}")  # fmt: skip
    if impressions != tally.banners_shown:
        failures.append(f"impressions counted {impressions} != banners shown {tally.banners_shown}")
    if clicks != tally.clicks_sent:
        failures.append(f"clicks counted {clicks} != clicks sent {tally.clicks_sent}")
    if flagged != tally.clicks_unseen:
        failures.append(f"clicks flagged {flagged} != clicks without impression "
                        f"{tally.clicks_unseen}")  # fmt: skip
    if viewable != tally.views_sent:
        failures.append(f"viewable counted {viewable} != view tokens reported {tally.views_sent}"
                        " (replayed and forged ones count zero)")  # fmt: skip
    if over_cap:
        failures.append(f"{len(over_cap)} readers saw a capped campaign past its cap")
    if not workers_alive:
        failures.append("gunicorn exited during the run")
    for failure in failures:
        print(f"soak FAILED: {failure}", file=sys.stderr)
    if not failures:
        print("soak: PASSED")
    return 1 if failures else 0


def run_readers(port, urls, tally, seconds, budget, threads, *, seed, caps=None):
    deadline = time.monotonic() + seconds
    readers = [
        Reader(port, urls, tally, deadline, budget, seed * 1000 + n, caps) for n in range(threads)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()


if __name__ == "__main__":
    sys.exit(main())
