"""A local stand-in for KMA on a real socket, misbehaving on purpose (one thread per test)."""

import contextlib
import socket
import threading
import time

from weather import kma

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"


def _ok(conn, body):
    conn.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _trickle(conn, _body):
    # Headers at once, then one byte every second: no single read ever waits long.
    conn.sendall(HEAD + b"\r\n")
    while True:
        conn.sendall(b"#")
        time.sleep(1)


def _trickle_headers(conn, _body):
    for byte in HEAD:
        conn.sendall(bytes([byte]))
        time.sleep(1)


def _huge(conn, _body):
    # 50 MB without a Content-Length: only counting what was read can stop it.
    conn.sendall(HEAD + b"\r\n")
    chunk = b"x" * 65536
    for _ in range(50 * 16):
        conn.sendall(chunk)


def _huge_declared(conn, _body):
    conn.sendall(HEAD + b"Content-Length: 52428800\r\n\r\n" + b"x" * 65536)


def _silent(conn, _body):
    time.sleep(60)  # accepts, reads nothing, answers nothing


BEHAVIOURS = {
    "ok": _ok,
    "trickle": _trickle,
    "trickle_headers": _trickle_headers,
    "huge": _huge,
    "huge_declared": _huge_declared,
    "silent": _silent,
}


@contextlib.contextmanager
def kma_server(monkeypatch, behaviour: str, body: bytes = b""):
    """Serve `behaviour` on 127.0.0.1 and point weather.kma's URL at it."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()
    connections = []

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(conn)
            threading.Thread(target=_run, args=(conn,), daemon=True).start()

    def _run(conn):
        with contextlib.suppress(OSError):
            conn.recv(65536)
            BEHAVIOURS[behaviour](conn, body)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setattr(kma, "SFCTM2_URL", f"http://127.0.0.1:{port}/api/typ01/url/kma_sfctm2.php")
    try:
        yield port
    finally:
        stop.set()
        listener.close()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(2)
