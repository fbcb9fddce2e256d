"""A real newsroom server for the browser checks, started in a subprocess.

Production-like: gunicorn with debug off, hashed static files served by WhiteNoise, on a free
port of 127.0.0.1, against a fresh SQLite database in a temp folder, migrated and loaded with
the demo newsroom (every demo account gets one password). Used by the Playwright suite's
fixtures and by the Lighthouse and HTML-checker scripts.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 30


class ServerError(RuntimeError):
    """The server could not be prepared or did not answer; the message says why."""


@dataclass
class Server:
    url: str
    password: str
    workdir: Path
    process: subprocess.Popen = field(repr=False)
    env: dict[str, str] = field(repr=False, default_factory=dict)

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"

    def manage(self, *args: str) -> str:
        """Run a management command against this server's database (what cron does in
        production: `send_newsletter`); returns its output."""
        return _manage(self.env, *args)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(*, workdir: Path, port: int, password: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The browser checks always get their own fresh database and a per-process cache.
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.e2e.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain http on loopback: secure-only cookies would never come back.
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        NEWSROOM_VAR_DIR=str(workdir / "var"),
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_MEDIA_ROOT=str(workdir / "media"),
        SITE_URL=f"http://127.0.0.1:{port}",
        DEMO_PASSWORD=password,
        DJANGO_LOG_LEVEL="WARNING",
        # The journeys sign the demo accounts in with their passwords; enrolling an
        # authenticator app is tested in tests/newsroom/test_two_factor.py.
        OTP_REQUIRED_ROLES="",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
        raise ServerError(f"manage.py {' '.join(args)} failed: {last}")
    return result.stdout


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(encoding="utf-8", errors="replace").strip()
            last = tail.splitlines()[-1] if tail else "no output"
            raise ServerError(f"the server exited with {server.process.returncode}: {last}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    server.stop()
    raise ServerError(
        f"the server did not answer /healthz within {STARTUP_SECONDS}s ({server.log})"
    )


def start_server(workdir: Path, *, env: dict[str, str] | None = None) -> Server:
    """Prepare a fresh demo newsroom in `workdir` and serve it; the caller stops it. `env`
    adds settings (the journeys' SMTP server: EMAIL_HOST, EMAIL_PORT)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    password = secrets.token_urlsafe(16)
    env = {**server_env(workdir=workdir, port=port, password=password), **(env or {})}
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    _manage(env, "load_demo", "--allow-production", "--no-logins")
    with (workdir / "server.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "newsroom.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                # One process, so the local-memory cache is one cache, as with Redis.
                "--workers",
                "1",
                "--threads",
                "8",
                "--access-logfile",
                "-",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(
        url=f"http://127.0.0.1:{port}",
        password=password,
        workdir=workdir,
        process=process,
        env=env,
    )
    _wait_until_up(server)
    return server


if __name__ == "__main__":
    # `python -m tests.e2e.server` serves the browser-check setup by hand, until Ctrl+C.
    import tempfile

    server = start_server(Path(tempfile.mkdtemp(prefix="newsroom-e2e-")))
    print(f"{server.url}/  (demo accounts' password: {server.password}; log: {server.log})")
    try:
        server.process.wait()
    except KeyboardInterrupt:
        server.stop()


@contextmanager
def demo_server(label: str):
    """A demo server in a temporary folder for the quality scripts (lighthouse, htmlcheck,
    screenshots): exits with one line when it does not start; stopped and removed after."""
    workdir = Path(tempfile.mkdtemp(prefix=f"newsroom-{label}-"))
    try:
        try:
            server = start_server(workdir / "server")
        except ServerError as exc:
            sys.exit(f"{label}: the newsroom server did not start: {exc}")
        try:
            yield server, workdir
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
