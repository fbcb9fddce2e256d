#!/usr/bin/env python3
"""Restore drill: back up the PostgreSQL database named by DATABASE_URL the way production is
backed up (pg_dump -Fc), restore the dump into a scratch database, and check that the restored
copy holds what the original held (the article count, and the row count of every table).

    DATABASE_URL=postgres://user@host:5432/newsroom .venv/bin/python scripts/restore_drill.py

The counts are taken in the very snapshot pg_dump reads (pg_export_snapshot), so the drill is
exact on a live site too. The scratch database (<name>_restore_drill, or RESTORE_DRILL_DATABASE)
is dropped afterwards unless --keep. With --media DIR the media folder is archived too (tar) and
the archive's file count checked against the folder.

Exit status: 0 when everything matches; 1 with one line naming the mismatch or the failure.
"""

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

ARTICLE_TABLE = "articles_article"


class DrillFailed(Exception):
    pass


def connection_params(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise DrillFailed(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme or url!r}")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise DrillFailed("DATABASE_URL names no database")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "dbname": name,
    }


def libpq_env(params: dict) -> dict:
    env = dict(os.environ)
    env.update(PGHOST=str(params["host"]), PGPORT=str(params["port"]))
    if params["user"]:
        env["PGUSER"] = params["user"]
    if params["password"]:
        env["PGPASSWORD"] = params["password"]
    return env


def table_counts(conn) -> dict[str, int]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    return {
        table: conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()[0]
        for table in tables
    }


def run(command: list[str], env: dict) -> None:
    # The commands are fixed pg_dump/pg_restore argument lists, never shell strings.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise DrillFailed(f"{command[0]} failed: {detail}")


def dump(params: dict, target: Path) -> dict[str, int]:
    """pg_dump -Fc inside one exported snapshot; returns the row counts of that snapshot."""
    with psycopg.connect(**params, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = table_counts(conn)
        run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                params["dbname"],
            ],
            libpq_env(params),
        )
        conn.rollback()
    return counts


def restore(params: dict, scratch: str, source: Path) -> dict[str, int]:
    server = {**params, "dbname": "postgres"}
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={scratch}",
            str(source),
        ],
        libpq_env(params),
    )
    with psycopg.connect(**{**params, "dbname": scratch}) as conn:
        return table_counts(conn)


def drop(params: dict, scratch: str) -> None:
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
        )


def check_media(media: Path, workdir: Path) -> str:
    files = [path for path in media.rglob("*") if path.is_file()]
    archive = workdir / "media.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(media, arcname="media")
    with tarfile.open(archive) as tar:
        archived = [member for member in tar.getmembers() if member.isfile()]
    if len(archived) != len(files):
        raise DrillFailed(
            f"media archive holds {len(archived)} files, the folder {len(files)} ({media})"
        )
    return f"media: {len(files)} files archived and listed back ({archive.stat().st_size} bytes)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--media", type=Path, help="also archive and check this media folder")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    started = time.monotonic()
    try:
        if not url:
            raise DrillFailed("DATABASE_URL is not set (the PostgreSQL database to drill)")
        params = connection_params(url)
        scratch = os.environ.get("RESTORE_DRILL_DATABASE") or f"{params['dbname']}_restore_drill"
        if scratch == params["dbname"]:
            raise DrillFailed("the scratch database must not be the database being drilled")
        with tempfile.TemporaryDirectory(prefix="newsroom-drill-") as tmp:
            workdir = Path(tmp)
            dump_file = workdir / f"{params['dbname']}.dump"
            print(f"backup:  pg_dump -Fc {params['dbname']} -> {dump_file.name}", flush=True)
            original = dump(params, dump_file)
            if ARTICLE_TABLE not in original:
                raise DrillFailed(f"{params['dbname']} has no {ARTICLE_TABLE} table (migrated?)")
            print(f"         {dump_file.stat().st_size} bytes, {len(original)} tables")
            print(f"restore: pg_restore -> {scratch}", flush=True)
            try:
                restored = restore(params, scratch, dump_file)
            finally:
                if not args.keep:
                    drop(params, scratch)
            articles = (original[ARTICLE_TABLE], restored.get(ARTICLE_TABLE, 0))
            print(f"check:   articles original={articles[0]} restored={articles[1]}")
            if articles[0] != articles[1]:
                raise DrillFailed(f"article count differs: {articles[0]} != {articles[1]}")
            differing = [
                f"{table} {count}!={restored.get(table)}"
                for table, count in original.items()
                if restored.get(table) != count
            ]
            if differing:
                raise DrillFailed("row counts differ: " + ", ".join(differing))
            print(f"         all {len(original)} tables have the same row counts")
            if args.media:
                if not args.media.is_dir():
                    raise DrillFailed(f"media folder {args.media} does not exist")
                print(f"         {check_media(args.media, workdir)}")
    except (DrillFailed, psycopg.Error, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"restore drill FAILED: {message}", file=sys.stderr)
        return 1
    kept = f" (kept {scratch})" if args.keep else f" (dropped {scratch})"
    print(f"restore drill OK in {time.monotonic() - started:.1f} s{kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
