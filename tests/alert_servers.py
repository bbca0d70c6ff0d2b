"""Real loopback servers that alerts are delivered to: a webhook and an SMTP server."""

from __future__ import annotations

import email
import email.policy
import json
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class Webhook:
    """A loopback endpoint for Apprise's json:// that answers with a status we choose."""

    def __init__(self, server: HTTPServer, path: str = "/hook") -> None:
        self.server, self.path, self.status = server, path, 200
        server.expect_request(path, method="POST").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        return Response("ok" if self.status < 400 else "broken", status=self.status)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.port}{self.path}"

    def messages(self) -> list[dict]:
        return [
            json.loads(request.get_data())
            for request, response in self.server.log
            if request.path == self.path and response.status_code < 400
        ]


class Mailbox:
    """A real SMTP server on loopback that accepts one login and keeps every message."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.messages: list[email.message.EmailMessage] = []
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._login,
            auth_require_tls=False,
        )

    def _login(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        accepted = auth_data.password == self.password.encode()
        return AuthResult(success=accepted, handled=False)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def url(self, password: str) -> str:
        return (
            f"mailto://team:{password}@127.0.0.1:{self.port}"
            "?mode=insecure&from=veille@example.com&to=cm@example.com"
        )
