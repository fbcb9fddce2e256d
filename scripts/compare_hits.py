#!/usr/bin/env python3
# ruff: noqa: S603 -- a local tool: runs the two checkouts' own Python on our own code
"""Compare the page-cache hit path of two checkouts in one run, as a reader's browser.

    .venv/bin/python scripts/compare_hits.py /path/to/main-checkout . [rounds]

Each checkout needs a benchmark database made by `make bench` (`scripts/bench.py` prepares
it; BENCH_DATABASE_URL), named in COMPARE_DB_A and COMPARE_DB_B (default
newsroom_bench_main_1000 and newsroom_bench_campaigns_1000 on 127.0.0.1), and uses its own
Redis database (COMPARE_REDIS_A, COMPARE_REDIS_B: db 12 and 11). The rounds alternate A and B
(home, then an article), so a machine whose load drifts weighs on both alike; each measurement
is 2,000 hits in one process through Django's test client (production settings, Redis, the
page cache on), after 50 to warm up; it prints the wall and CPU time per hit and the medians.
"""

import importlib.util
import os
import statistics
import subprocess
import sys
from pathlib import Path

HIT = """
import os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.base")
import django
django.setup()
from django.test import Client
agent = sys.argv[3]
path, n = sys.argv[1], int(sys.argv[2])
client = Client(HTTP_HOST="127.0.0.1")
for _ in range(50):
    assert client.get(path, HTTP_USER_AGENT=agent).status_code == 200
wall, cpu = time.perf_counter(), time.process_time()
for _ in range(n):
    client.get(path, HTTP_USER_AGENT=agent)
print((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6)
"""


def bench_module(root: Path):
    spec = importlib.util.spec_from_file_location(f"bench_{root.name}", root / "scripts/bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    a, b = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    base = "postgres://postgres@127.0.0.1:5432/"
    trees = {
        "A": (a, os.environ.get("COMPARE_DB_A", base + "newsroom_bench_main_1000"),
              os.environ.get("COMPARE_REDIS_A", "redis://127.0.0.1:6379/12")),
        "B": (b, os.environ.get("COMPARE_DB_B", base + "newsroom_bench_campaigns_1000"),
              os.environ.get("COMPARE_REDIS_B", "redis://127.0.0.1:6379/11")),
    }  # fmt: skip
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for number in range(rounds):
        for page in ("home", "article"):
            for name, (root, database, redis) in trees.items():
                bench = bench_module(root)
                path = "/" if page == "home" else dict(bench.pick_urls(database))["article"]
                env = bench.django_env(database, REDIS_URL=redis, PAGE_CACHE_SECONDS="300")
                done = subprocess.run(
                    [str(root / ".venv/bin/python"), "-c", HIT, path, "2000", READER],
                    cwd=root,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode:
                    sys.exit(f"{root}: {done.stderr.strip().splitlines()[-1:]}")
                wall, cpu = map(float, done.stdout.split())
                results.setdefault((page, name), []).append((wall, cpu))
                print(f"round {number + 1} {page:8} {name} ({root}): {wall:6.0f} µs wall, "
                      f"{cpu:6.0f} µs CPU a hit", flush=True)  # fmt: skip
    for (page, name), rows in sorted(results.items()):
        wall = statistics.median(w for w, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        print(f"median {page:8} {name}: {wall:6.0f} µs wall, {cpu:6.0f} µs CPU a hit")
    return 0


READER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

if __name__ == "__main__":
    sys.exit(main())
