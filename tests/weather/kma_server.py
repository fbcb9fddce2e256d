"""A local stand-in for KMA on a real socket, misbehaving on purpose (one thread per test)."""

import contextlib
import socket
import threading
import time

from weather import kma

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"


def _ok(conn, body):
    conn.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _unavailable(retry_after=None):
    def answer(conn, _body):
        body = b"<html><title>503 Service Unavailable</title></html>"
        extra = b"" if retry_after is None else b"Retry-After: %d\r\n" % retry_after
        conn.sendall(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nConnection: close\r\n"
            + extra
            + b"Content-Length: %d\r\n\r\n" % len(body)
            + body
        )

    return answer


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
    "unavailable": _unavailable(),
    "unavailable_retry_after_1": _unavailable(retry_after=1),
    "unavailable_retry_after_30": _unavailable(retry_after=30),
    "trickle": _trickle,
    "trickle_headers": _trickle_headers,
    "huge": _huge,
    "huge_declared": _huge_declared,
    "silent": _silent,
}


@contextlib.contextmanager
def kma_server(monkeypatch, behaviour: str | list[str], body: bytes = b""):
    """Serve `behaviour` on 127.0.0.1 and point weather.kma's URL at it.

    A list serves its behaviours to the connections in turn (the last one to any further). The
    value of the block is the list of the times (time.monotonic()) the requests arrived.
    """
    plan = [behaviour] if isinstance(behaviour, str) else list(behaviour)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()
    connections = []
    arrived: list[float] = []

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            name = plan[min(len(connections), len(plan) - 1)]
            connections.append(conn)
            threading.Thread(target=_run, args=(conn, name), daemon=True).start()

    def _run(conn, name):
        with contextlib.suppress(OSError):
            conn.recv(65536)
            arrived.append(time.monotonic())
            BEHAVIOURS[name](conn, body)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setattr(kma, "SFCTM2_URL", f"http://127.0.0.1:{port}/api/typ01/url/kma_sfctm2.php")
    try:
        yield arrived
    finally:
        stop.set()
        listener.close()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(2)


@contextlib.contextmanager
def unaccepting_server(monkeypatch):
    """A listening socket whose queue is full, so a new connection is never accepted.

    The kernel drops the SYN of a connection that does not fit the backlog, so connecting hangs
    until the client's connect timeout: a host that does not answer, without leaving 127.0.0.1.
    """
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):  # more than the queue holds
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)  # let the handshakes that fit complete
    monkeypatch.setattr(kma, "SFCTM2_URL", f"http://127.0.0.1:{port}/api/typ01/url/kma_sfctm2.php")
    try:
        yield
    finally:
        for sock in [*fillers, listener]:
            sock.close()
