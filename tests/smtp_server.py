"""A small real SMTP server on loopback, for tests of the mail plumbing.

    server = SmtpServer().start()      # listens on 127.0.0.1:server.port
    server.messages                    # what it accepted: Received(mail_from, rcpt_tos, data)
    server.refuse(451)                 # answer 451 at the end of DATA (or at="mail"/"rcpt")
    server.refused_recipients["x@y"] = 550   # refuse one recipient only
    server.accept()                    # back to accepting everything
    server.stop()                      # down: connections are refused; start() listens again
                                       # on the same port
    server.silent = True               # accepts connections and never answers (a hung server)

It speaks EHLO/HELO, AUTH PLAIN, MAIL FROM, RCPT TO, DATA, RSET, NOOP and QUIT.
"""

from __future__ import annotations

import base64
import email
import socketserver
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import cast

HOSTNAME = "smtp.test"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The message parsed, with the wire's CRLF line ends as "\\n"."""
        data = self.data.replace(b"\r\n", b"\n")
        return cast(EmailMessage, email.message_from_bytes(data, policy=policy.default))


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    #: (user, password) of every AUTH PLAIN
    logins: list[tuple[str, str]] = field(default_factory=list)
    #: connections accepted
    connections: int = 0
    #: (code, stage): refuse every message at "mail", "rcpt" or "data"
    refusal: tuple[int, str] | None = None
    refused_recipients: dict[str, int] = field(default_factory=dict)
    silent: bool = False
    #: seconds to wait before accepting a message's data
    delay: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SmtpServer:
        server = _Server((self.host, self.port), _Handler)
        server.smtp = self
        self.port = server.server_address[1]
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, after the connections in progress end."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = self._thread = None

    def refuse(self, code: int, at: str = "data") -> None:
        assert at in ("mail", "rcpt", "data")
        self.refusal = (code, at)

    def accept(self) -> None:
        self.refusal = None
        self.refused_recipients.clear()

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(received.message["Subject"]) for received in self.messages]

    def _record(self, received: Received) -> None:
        with self._lock:
            self.messages.append(received)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    # handler threads are joined when the server closes: no connection outlives a test
    daemon_threads = False
    block_on_close = True
    smtp: SmtpServer


_TEXT = {250: "OK", 221: "Bye", 235: "Authenticated", 354: "End data with <CR><LF>.<CR><LF>"}


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10

    def handle(self) -> None:
        smtp: SmtpServer = self.server.smtp  # type: ignore[attr-defined]
        with smtp._lock:
            smtp.connections += 1
        if smtp.silent:
            smtp._stopping.wait(30)
            return
        self.reply(220, f"{HOSTNAME} ESMTP test server")
        mail_from: str | None = None
        rcpt_tos: list[str] = []
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return
            verb, _, argument = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.wfile.write(f"250-{HOSTNAME}\r\n250-AUTH PLAIN\r\n250 HELP\r\n".encode())
            elif verb in ("HELO", "NOOP"):
                self.reply(250)
            elif verb == "AUTH":
                self.auth(smtp, argument)
            elif verb == "MAIL":
                if self.refused(smtp, "mail"):
                    continue
                mail_from, rcpt_tos = _address(argument), []
                self.reply(250)
            elif verb == "RCPT":
                if mail_from is None:
                    self.reply(503, "MAIL first")
                    continue
                address = _address(argument)
                if address in smtp.refused_recipients:
                    self.reply(smtp.refused_recipients[address], f"<{address}> refused")
                elif not self.refused(smtp, "rcpt"):
                    rcpt_tos.append(address)
                    self.reply(250)
            elif verb == "DATA":
                if mail_from is None or not rcpt_tos:
                    self.reply(503, "RCPT first")
                    continue
                self.reply(354)
                data = self.read_data()
                if data is None:
                    return
                if smtp.delay:
                    time.sleep(smtp.delay)
                if not self.refused(smtp, "data"):
                    smtp._record(Received(mail_from, rcpt_tos, data))
                    self.reply(250)
                mail_from, rcpt_tos = None, []
            elif verb == "RSET":
                mail_from, rcpt_tos = None, []
                self.reply(250)
            elif verb == "QUIT":
                self.reply(221)
                return
            else:
                self.reply(502, "Command not implemented")

    def reply(self, code: int, text: str | None = None) -> None:
        self.wfile.write(f"{code} {text or _TEXT.get(code, 'Refused')}\r\n".encode())

    def refused(self, smtp: SmtpServer, stage: str) -> bool:
        if smtp.refusal is not None and smtp.refusal[1] == stage:
            self.reply(smtp.refusal[0], "Refused by the test server")
            return True
        return False

    def auth(self, smtp: SmtpServer, argument: str) -> None:
        mechanism, _, initial = argument.partition(" ")
        if mechanism.upper() != "PLAIN" or not initial:
            self.reply(504, "Only AUTH PLAIN with an initial response")
            return
        _, user, password = base64.b64decode(initial).decode().split("\0")
        with smtp._lock:
            smtp.logins.append((user, password))
        self.reply(235)

    def read_data(self) -> bytes | None:
        lines = []
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            # a leading dot was doubled by the client (RFC 5321, 4.5.2)
            lines.append(line[1:] if line.startswith(b"..") else line)


def _address(argument: str) -> str:
    """`FROM:<a@b> SIZE=1` -> `a@b`."""
    _, _, rest = argument.partition(":")
    return rest.strip().split(" ")[0].strip("<>")
