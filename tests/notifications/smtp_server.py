"""A small SMTP server on 127.0.0.1 for the tests (RFC 5321's commands as a mail relay answers them): it keeps
what it is sent, and can refuse recipients or answer temporary failures. Stops with its context manager."""

import socket
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Behaviour:
    refuse_recipient: int = 0  # a code (550, 451) to answer RCPT TO with
    fail_data: int = 0  # how many DATA commands to answer 451 first
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        behaviour: Behaviour = self.server.behaviour
        sender, recipients = "", []
        self._say("220 127.0.0.1 test SMTP ready")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-127.0.0.1\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif verb == "HELO":
                self._say("250 127.0.0.1")
            elif verb == "AUTH":
                behaviour.logins.append(command)
                self._say("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self._say("250 OK")
            elif verb == "RCPT":
                if behaviour.refuse_recipient:
                    self._say(f"{behaviour.refuse_recipient} 5.1.1 No such user here")
                    continue
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self._say("250 OK")
            elif verb == "DATA":
                if behaviour.fail_data:
                    behaviour.fail_data -= 1
                    self._say("451 4.3.0 Try again later")
                    continue
                self._say("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                behaviour.received.append((sender, recipients, data))
                self._say("250 OK queued")
            elif verb == "RSET":
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Command not implemented")


class SmtpServer:
    def __init__(self):
        self.behaviour = Behaviour()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.behaviour = self.behaviour
        self.port = self.server.server_address[1]

    def __enter__(self) -> "SmtpServer":
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
