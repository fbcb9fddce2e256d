"""PostgreSQL restarted while the site is under load (issue 8, faults).

A throwaway cluster of its own (scripts/sitecluster.py: initdb + pg_ctl on a free port, never
the machine's cluster) serves the site under gunicorn; eight client threads keep requesting
pages while the cluster is stopped and started again. Runs in the PostgreSQL pass of
`make test` (about 15 s); where the cluster cannot be made it fails with the reason.
"""

import importlib.util
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from tests.newsroom.conftest import ROOT

spec = importlib.util.spec_from_file_location("sitecluster", ROOT / "scripts" / "sitecluster.py")
sitecluster = importlib.util.module_from_spec(spec)
sys.modules.setdefault("sitecluster", sitecluster)  # dataclasses look their module up
spec.loader.exec_module(sitecluster)

FRIENDLY = "잠시 후 다시 접속해 주세요"
REQUEST_TIMEOUT = 10
THREADS = 8


@dataclass
class Answer:
    phase: str
    url: str
    status: int  # 0: no HTTP answer at all
    seconds: float
    body: str
    error: str = ""


class Load:
    """Client threads requesting a mix of pages: two that read the database on every request
    (a fresh search term, the health check) and two that may come from the page cache (the
    home page, the list of all articles)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.phase = "before"
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]

    def urls(self):
        while True:
            yield "/"
            yield f"/search/?q={uuid.uuid4().hex[:8]}"
            yield "/healthz"
            yield "/news/"

    def _run(self):
        for url in self.urls():
            if self._stop.is_set():
                return
            self.answers.append(self.fetch(url))

    def fetch(self, url: str) -> Answer:
        phase, started = self.phase, time.monotonic()
        try:
            with urllib.request.urlopen(self.base_url + url, timeout=REQUEST_TIMEOUT) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
            error = ""
        except urllib.error.HTTPError as answer:
            status, body, error = answer.code, answer.read().decode("utf-8", "replace"), ""
        except Exception as failure:  # a hang, a reset connection: no HTTP answer
            status, body, error = 0, "", repr(failure)
        if self.phase != phase:  # began in one phase and ended in another
            phase = "between"
        return Answer(phase, url, status, time.monotonic() - started, body, error)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)


def wait_for(predicate, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.postgres
def test_postgresql_restart_under_load_gives_the_503_page_and_the_site_recovers_by_itself():
    with ExitStack() as stack:
        try:
            cluster = stack.enter_context(sitecluster.throwaway_postgres())
            env = sitecluster.site_environment(cluster.url(), settings="newsroom.settings.test")
            sitecluster.manage(env, "migrate", "--noinput", "--verbosity", "0")
            site = stack.enter_context(sitecluster.gunicorn_site(env, workers=2, threads=4))
        except sitecluster.ClusterError as error:
            pytest.fail(f"could not set up the throwaway PostgreSQL and gunicorn: {error}")
        workers = site.worker_pids()
        assert len(workers) == 2

        with Load(site.base_url) as load:
            time.sleep(1.5)
            load.phase = "stopping"
            cluster.stop("fast")
            load.phase = "outage"
            time.sleep(3)
            load.phase = "starting"
            cluster.start()
            load.phase = "recovering"
            probe = Load(site.base_url)
            recovered = wait_for(
                lambda: (
                    probe.fetch("/healthz").status == 200
                    and probe.fetch(f"/search/?q={uuid.uuid4().hex[:8]}").status == 200
                ),
                seconds=15,
            )
            load.phase = "after"
            time.sleep(1.5)

        answers = load.answers
        by_phase = {p: [a for a in answers if a.phase == p] for p in ("before", "outage", "after")}
        assert recovered, "the site did not recover within 15 s of the database's return"
        assert all(len(group) > 10 for group in by_phase.values()), {
            p: len(g) for p, g in by_phase.items()
        }
        # Never a 500, never a hang, never a dropped connection.
        broken = [a for a in answers if a.status not in (200, 503) or a.error]
        assert broken == [], broken[:5]
        assert max(a.seconds for a in answers) < REQUEST_TIMEOUT
        assert all(a.status == 200 for a in by_phase["before"]), [
            (a.url, a.status) for a in by_phase["before"] if a.status != 200
        ][:5]
        # While it is down: the friendly page (the home page may still come from the cache).
        outage = by_phase["outage"]
        unavailable = [a for a in outage if a.status == 503]
        # Pages the cache holds may still be served (200); everything that needs the database
        # gets the 503 page, and there were such requests in the outage.
        needs_database = [a for a in outage if a.url.startswith(("/search/", "/healthz"))]
        assert len(needs_database) > 10
        # Readers' pages say so in Korean; the health check answers the load balancer briefly.
        assert all(FRIENDLY in a.body for a in unavailable if a.url != "/healthz")
        assert all(a.status == 503 for a in needs_database)
        assert all(a.status == 200 for a in by_phase["after"]), [
            (a.url, a.status) for a in by_phase["after"] if a.status != 200
        ][:5]
        # Recovered by itself: the same gunicorn master and workers as before.
        assert site.process.poll() is None
        assert site.worker_pids() == workers
