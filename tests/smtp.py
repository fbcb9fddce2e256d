"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, a free port), keeping what arrives.

No Django here: the browser journeys use it too, from a process that never sets Django up.
`refuse` names addresses the server answers 550 at RCPT, as a mail host does for an unknown
user.
"""

import email
import email.policy
import logging
import socket
import time
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

# aiosmtpd logs every command at INFO: a test's output keeps only its warnings.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    def header(self, name: str) -> str:
        # Django folds long headers right after the colon; unfolding leaves that space.
        return str(self.message[name] or "").strip()

    @property
    def subject(self) -> str:
        return self.header("Subject")

    def part(self, content_type: str) -> str:
        found = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert found is not None and found.get_content_type() == content_type, content_type
        return found.get_content()

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")


class _Handler:
    def __init__(self, server: "SMTPServer"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self) -> "SMTPServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        self.received.clear()
        self.refuse.clear()

    def to(self, address: str) -> list[Received]:
        """The messages that reached `address`."""
        return [item for item in self.received if address in item.recipients]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The messages to `address` once `count` have arrived (for a sender in another
        process); fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} message(s) to {address} did not arrive in {timeout}s")
