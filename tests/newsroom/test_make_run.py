"""`PORT=8611 make run` serves a site that knows its address (issue 17): the environment make
run gives the server makes every absolute link name that port."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def served_env(*make_args: str, environ: dict | None = None) -> dict:
    """The environment make run starts runserver with (read from make's dry run)."""
    plan = subprocess.run(
        ["make", "-s", "-n", "run", *make_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=environ or os.environ,
    ).stdout
    line = next(x for x in plan.splitlines() if "runserver" in x)
    words = subprocess.run(
        ["bash", "-c", f"printf '%s\\n' {line}"],
        capture_output=True,
        text=True,
        check=True,
        env=environ or os.environ,
    ).stdout.splitlines()
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    assert words[words.index("runserver") + 1] == "127.0.0.1:8611"
    return env


def robots_txt(env: dict) -> str:
    script = (
        "from django.test import RequestFactory; from articles.views import robots_txt;"
        "print(robots_txt(RequestFactory().get('/robots.txt')).content.decode())"
    )
    settings_env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    settings_env.update(env, DJANGO_SETTINGS_MODULE="newsroom.settings.base")
    settings_env.setdefault("DATABASE_URL", "sqlite:///:memory:")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=settings_env,
    )
    return result.stdout


def test_make_run_on_another_port_names_that_port_in_its_links():
    environ = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env = served_env("PORT=8611", environ=environ)
    assert env["SITE_URL"] == "http://127.0.0.1:8611"
    text = robots_txt(env)
    assert "Sitemap: http://127.0.0.1:8611/sitemap.xml" in text
    assert ":8000" not in text


def test_make_run_keeps_a_site_url_the_caller_set():
    environ = {**os.environ, "SITE_URL": "https://news.example.kr"}
    env = served_env("PORT=8611", environ=environ)
    assert env["SITE_URL"] == "https://news.example.kr"
