"""`make instructions`: the machine instructions one request of a page costs the server, counted
under valgrind, so a change of a few per cent shows on a machine whose clock does not hold still.

On a shared two-core machine the same page's CPU time per request moves by ±30 % from one
minute to the next (docs/performance.md), which hides any lever worth 5 %. The number of
instructions a request executes does not depend on what else the machine is doing: this runs
a process that serves `--warm` requests of PATH, then one that serves `--warm` + `--count`
more, each under `valgrind --tool=cachegrind --cache-sim=no`, and prints the difference per
request. With the page cache on, every request after the first is a hit; with
PAGE_CACHE_SECONDS=0 every one renders the page. Banners are drawn at random, so two runs of
the same code differ by a few per cent: `--runs` repeats both and prints each result and
their median.

Requests go through Django's test client (no gunicorn, no socket to the client), with the
settings the environment gives (the same as `make profile-pages`), e.g. the warm home page:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_100000 DJANGO_DEBUG=0 \\
    DJANGO_SECRET_KEY=x DJANGO_ALLOWED_HOSTS=testserver REDIS_URL=redis://127.0.0.1:6379/11 \\
    PAGE_CACHE_SECONDS=300 make instructions INSTRUCTIONS_ARGS="/ --count 300"

The one-second memo of each process (PAGE_CACHE_LOCAL_SECONDS) and the banner statistics'
flush (BANNER_FLUSH_SECONDS) are set off for the count unless the environment names them:
both run by the clock, and valgrind's clock is fifty times slower.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
# What each counted process runs (argv: the checkout, the user agent, the path, how many
# requests): Django set up, then the requests.
SERVE = """
import os, sys
root, agent, path, requests = sys.argv[1:]
sys.path.insert(0, root)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.base")
import django
django.setup()
from django.test import Client
client = Client(HTTP_USER_AGENT=agent)
for _ in range(int(requests)):
    response = client.get(path)
    if response.status_code != 200:
        sys.exit(f"{path} answered {response.status_code}")
"""
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def fail(message: str) -> None:
    print(f"instructions: {message}", file=sys.stderr)
    sys.exit(1)


def counted(valgrind: str, path: str, requests: int) -> int:
    """The instructions of one process serving `requests` requests of `path`."""
    result = subprocess.run(  # noqa: S603 -- valgrind and this interpreter, arguments as a list
        [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", SERVE, str(ROOT), READER_AGENT, path, str(requests)],
        capture_output=True, text=True, check=False,
        env={"PAGE_CACHE_LOCAL_SECONDS": "3600", "BANNER_FLUSH_SECONDS": "0",
             "PYTHONHASHSEED": "0", **os.environ},
    )  # fmt: skip
    found = _REFS.search(result.stderr)
    if result.returncode != 0 or not found:
        lines = [line for line in result.stderr.splitlines() if not line.startswith(("==", "--"))]
        last = lines[-1] if lines else f"exit status {result.returncode}"
        raise RuntimeError(f"the counted process failed: {last}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default="/", help="the page (/)")
    parser.add_argument("--count", type=int, default=300, help="counted requests (300)")
    parser.add_argument("--warm", type=int, default=30, help="requests before them (30)")
    parser.add_argument("--runs", type=int, default=2, help="times to count (2)")
    options = parser.parse_args()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        fail("valgrind is missing: install it with `sudo apt-get install valgrind` (Debian/Ubuntu)")
    if options.count < 1 or options.warm < 1:
        fail("--count and --warm must be at least 1")
    per_request = []
    for run in range(1, options.runs + 1):
        # The two processes side by side: each count is the same whatever runs beside it.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            try:
                before, after = pool.map(
                    lambda requests: counted(valgrind, options.path, requests),
                    (options.warm, options.warm + options.count),
                )
            except RuntimeError as error:
                fail(str(error))
        per_request.append((after - before) / options.count)
        print(f"run {run}: {per_request[-1] / 1e6:.3f} M instructions a request", flush=True)
    print(
        f"{options.path}: median {statistics.median(per_request) / 1e6:.3f} M instructions a "
        f"request ({options.count} requests after {options.warm}, {options.runs} runs)"
    )


if __name__ == "__main__":
    main()
