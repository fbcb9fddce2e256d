"""`make lighthouse`: Lighthouse 12 (npm, Node 20) with Debian's Chromium on the home and an
article page of a production-like server; prints the four category scores per page and fails
when one is below LIGHTHOUSE_MIN_SCORE (95 unless set, e.g. `LIGHTHOUSE_MIN_SCORE=0` to only
look). Lighthouse's default mobile profile with simulated throttling; full reports (HTML and
JSON) go to artifacts/lighthouse/.

The performance score moves with whatever else the machine is doing (a busy CI runner loses
points to blocking time it did not cause), so each page is audited LIGHTHOUSE_RUNS times (3
unless set) and the median run counts, as Lighthouse's own documentation advises; the other
categories do not vary."""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from .browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, missing_chromium_message
from .pages import reader_pages
from .server import REPO, demo_server

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PAGES = ["home", "article", "policy", "series", "corrections", "newsletter"]


def min_score() -> int:
    raw = os.environ.get("LIGHTHOUSE_MIN_SCORE", "95")
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"LIGHTHOUSE_MIN_SCORE must be a whole number from 0 to 100, not {raw!r}")


def runs() -> int:
    raw = os.environ.get("LIGHTHOUSE_RUNS", "3")
    if not raw.isdigit() or int(raw) < 1:
        sys.exit(f"LIGHTHOUSE_RUNS must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def median_audit(url: str, name: str, folder: Path, *, count: int) -> dict[str, int]:
    """Audit `count` times; the run with the median performance score counts (its report is
    kept as artifacts/lighthouse/<name>.report.*)."""
    results = [audit(url, f"{name}-run{number}", folder) for number in range(1, count + 1)]
    performance = [result["performance"] for result in results]
    median = statistics.median_low(performance)
    chosen = performance.index(median) + 1
    for extension in ("json", "html"):
        source = folder / f"{name}-run{chosen}.report.{extension}"
        source.replace(folder / f"{name}.report.{extension}")
        for number in range(1, count + 1):
            (folder / f"{name}-run{number}.report.{extension}").unlink(missing_ok=True)
    if count > 1:
        print(f"{name}: performance of {count} runs {performance}, median {median}")
    return results[chosen - 1]


def audit(url: str, name: str, folder: Path, *, attempts: int = 2) -> dict[str, int]:
    """One Lighthouse run; a run that Lighthouse itself gives up on (e.g. "NO_NAVSTART: please
    run Lighthouse again", seen on a busy machine) is tried once more."""
    base = folder / name
    report = Path(f"{base}.report.json")
    for attempt in range(1, attempts + 1):
        report.unlink(missing_ok=True)
        result = subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                "--output=html",
                f"--output-path={base}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={' '.join([*CHROMIUM_ARGS, '--headless=new'])}",
            ],
            env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0 and report.exists():
            break
        last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
        if attempt == attempts:
            sys.exit(f"lighthouse failed on {url}: {last}")
        print(f"lighthouse gave up on {url} ({last}); trying again", file=sys.stderr)
    categories = json.loads(report.read_text(encoding="utf-8"))["categories"]
    return {key: round((categories[key]["score"] or 0) * 100) for key in CATEGORIES}


def main() -> int:
    threshold = min_score()
    count = runs()
    if not CHROMIUM.exists():
        sys.exit(missing_chromium_message())
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: run `npm ci` (make lighthouse does)")
    folder = ARTIFACTS / "lighthouse"
    folder.mkdir(parents=True, exist_ok=True)
    with demo_server("lighthouse") as (server, _):
        urls = reader_pages(server)
        scores = {name: median_audit(urls[name], name, folder, count=count) for name in PAGES}

    print(f"{'page':<10}" + "".join(f"{key:>16}" for key in CATEGORIES))
    for name in PAGES:
        print(f"{name:<10}" + "".join(f"{scores[name][key]:>16}" for key in CATEGORIES))
    print(f"reports: {folder}/")
    below = [
        f"{name} {key} {scores[name][key]}"
        for name in PAGES
        for key in CATEGORIES
        if scores[name][key] < threshold
    ]
    if below:
        print(f"Below the budget of {threshold}: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
