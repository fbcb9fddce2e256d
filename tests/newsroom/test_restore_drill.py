"""The restore drill's own failure modes (the drill itself runs in `make restore-drill`)."""

import os
import subprocess
import sys

import pytest

from tests.newsroom.conftest import ROOT


def drill(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "scripts/restore_drill.py"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "sqlite:///var/db.sqlite3"}, "must be a PostgreSQL URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/newsroom"}, "FAILED"),
    ],
)
def test_the_drill_stops_with_one_readable_line(env, says):
    result = drill(**env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("restore drill FAILED: ")
    assert says in lines[0]
