"""Render the demo newsroom's public pages into a folder, the same bytes on every run, so two
versions of the code can be compared page by page (`make page-snapshots`, then `diff -r`).

A fresh SQLite database in a temp folder gets the demo content with the clock frozen at
SNAPSHOT_TIME; every page is then fetched by an anonymous browser at that same moment, with
the banners' random generator seeded before each request, the page cache off and the
per-request CSP nonce masked. Usage:

    .venv/bin/python scripts/page_snapshots.py OUT_DIR
"""

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_TIME = "2025-08-26T16:30:00+09:00"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
NONCE = re.compile(rb"nonce-?[=\"']*[A-Za-z0-9_\-+/=]{16,}")


def main(out: Path) -> int:
    import time_machine

    var = Path(tempfile.mkdtemp(prefix="newsroom-snapshots-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.base",
        DJANGO_DEBUG="1",
        NEWSROOM_VAR_DIR=str(var),
        PAGE_CACHE_SECONDS="0",
        BANNER_CACHE_SECONDS="0",
        SITE_URL="http://127.0.0.1:8000",
    )
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import django

    with time_machine.travel(SNAPSHOT_TIME, tick=False):
        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        call_command("load_demo", "--no-logins", stdout=open(os.devnull, "w"))  # noqa: SIM115

        from articles.models import Article, Reporter, Section, Tag

        article = Article.objects.published().order_by("pk").first()
        section = Section.objects.order_by("pk").first()
        reporter = Reporter.objects.order_by("pk").first()
        tag = Tag.objects.order_by("pk").first()
        paths = {
            "home.html": "/",
            "latest.html": "/news/",
            "section.html": section.get_absolute_url(),
            "article.html": article.get_absolute_url(),
            "reporter.html": f"/reporter/{reporter.pk}/",
            "tag.html": f"/tag/{tag.slug}/" if tag else "/",
            "search.html": "/search/?q=의료",
            "rss.xml": "/rss/",
            "rss-section.xml": f"/rss/{section.slug}/",
            "sitemap.xml": "/sitemap.xml",
            "sitemap-news.xml": "/sitemap-news.xml",
            "robots.txt": "/robots.txt",
            "weather.html": "/weather/",
        }
        out.mkdir(parents=True, exist_ok=True)
        client = Client(HTTP_USER_AGENT=BROWSER, HTTP_HOST="127.0.0.1:8000")
        from banners import services as banner_services

        for name, path in paths.items():
            banner_services._rng.seed(0)
            response = client.get(path)
            body = NONCE.sub(b"nonce-MASKED", response.content)
            (out / name).write_bytes(f"{response.status_code} {path}\n".encode() + body)
            print(f"{response.status_code} {path} -> {out / name}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/page_snapshots.py OUT_DIR")
    sys.exit(main(Path(sys.argv[1])))
