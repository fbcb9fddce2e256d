"""A fake KMA behind urllib3: scripted answers on connections that never open a socket.

urllib3's pool, Retry and Timeout run as they do against the network; only the wire is played.
Pass a `FakeKma` where weather.kma takes `connections` (or set `services.kma_connections`).
"""

import dataclasses
import io

import urllib3

from weather import kma


class FakeKma:
    """Plays back answers in order, one per attempt.

    An answer is `(status, body)`, `(status, body, headers)` or an exception, raised where the
    answer is read; urllib3 sorts it by type as it would a socket's: `TimeoutError` is a read
    timeout, urllib3's `ConnectTimeoutError` a connect timeout, `NewConnectionError` a refused
    connection, `ProtocolError` a broken one.
    """

    def __init__(self, *answers):
        self.answers = list(answers)
        # (url, limits) per attempt: the limits with the timeouts urllib3 gave that attempt.
        self.calls: list[tuple[str, kma.Limits]] = []

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.calls]

    def __call__(self, host, port=None, *, limits, **kwargs):
        """Called by urllib3's pool, as a connection class would be."""
        return _FakeConnection(self, host, port, limits=limits, **kwargs)


class _FakeConnection(urllib3.connection.HTTPSConnection):
    is_verified = True  # no TLS to verify

    def __init__(self, kma_fake, host, port=None, *, limits, **kwargs):
        super().__init__(host, port, **kwargs)
        self.kma_fake = kma_fake
        self.limits = limits
        self.sent: tuple[str, float] | None = None

    # Connected from the start and never dropped: there is no socket.
    @property
    def is_closed(self):
        return False

    @property
    def is_connected(self):
        return True

    def connect(self):
        pass

    def request(self, method, url, body=None, headers=None, **kwargs):
        # urllib3 set the connect timeout on the connection before sending.
        self.sent = (url, self.timeout)

    def getresponse(self):
        path, connect_timeout = self.sent
        url = f"https://{self.host}{path}"  # weather.kma speaks https to KMA
        limits = dataclasses.replace(self.limits, connect=connect_timeout, read=self.timeout)
        self.kma_fake.calls.append((url, limits))
        answer = self.kma_fake.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        status, body, *headers = answer
        return urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Length": str(len(body)), **(headers[0] if headers else {})},
            status=status,
            version=11,
            preload_content=False,
            request_method="GET",
            request_url=url,
        )
