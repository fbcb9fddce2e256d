"""The restore drill's own failure modes (the drill itself runs in `make restore-drill`)."""

import subprocess

import pytest

from tests.newsroom.conftest import environment, run_python


def drill(**env: str) -> subprocess.CompletedProcess:
    return run_python("scripts/restore_drill.py", env=environment(without=("DATABASE_URL",), **env))


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
