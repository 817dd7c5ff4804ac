"""A small OAuth2 authorization server on 127.0.0.1 for the XOAUTH2 tests: the token endpoint
(RFC 6749: the refresh_token grant, section 6; errors, section 5.2) and token introspection
(RFC 7662), which Dovecot's oauth2 passdb asks about every access token it is shown."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class OAuth2Server:
    port: int = 0
    client_id: str = "secondline"
    client_secret: str = "client-secret"
    refresh_token: str = "refresh-1"
    username: str = "support"
    expires_in: int = 3600
    access_tokens: set[str] = field(default_factory=set)  # the ones still valid
    refreshes: int = 0

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    @property
    def introspection_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/introspect"

    def revoke_all(self) -> None:
        self.access_tokens.clear()

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if form.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "refresh token revoked"}
        self.refreshes += 1
        access = secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": self.expires_in}

    def introspect(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if form.get("token") in self.access_tokens:
            return 200, {"active": True, "username": self.username}
        return 200, {"active": False}


def _handler(server: OAuth2Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {key: values[0] for key, values in parse_qs(body).items()}
            routes = {"/token": server.token, "/introspect": server.introspect}
            route = routes.get(self.path.split("?")[0])
            status, answer = route(form) if route else (404, {"error": "not_found"})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_oauth2_server() -> Iterator[OAuth2Server]:
    server = OAuth2Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
