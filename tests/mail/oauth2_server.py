"""A small OAuth2 authorization server on 127.0.0.1 for the XOAUTH2 tests: the authorize
endpoint (RFC 6749, 4.1.1-4.1.2, with PKCE, RFC 7636: it consents at once, or refuses when
``consent`` says so), the token endpoint (the authorization_code grant with the code verifier,
4.1.3 and RFC 7636 4.6; the refresh_token grant, section 6; errors, section 5.2) and token
introspection (RFC 7662), which Dovecot's oauth2 passdb asks about every access token it is
shown."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


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
    consent: str = ""  # "" consents; else the error the authorize endpoint answers with
    redirect_uris: set[str] = field(default_factory=set)  # registered; empty: any
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # code: its request
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    give_refresh_token: bool = True

    @property
    def authorize_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/authorize"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    @property
    def introspection_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/introspect"

    def revoke_all(self) -> None:
        self.access_tokens.clear()

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """The status and where to (302), or an error page (400) when the redirect URI or the
        client is not to be trusted (4.1.2.1: then the browser is not sent back)."""
        self.authorize_requests.append(query)
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect:
            return 400, "unknown client"
        if self.redirect_uris and redirect not in self.redirect_uris:
            return 400, "redirect_uri not registered"
        back = {"state": query.get("state", "")}
        if self.consent:
            back["error"] = self.consent
        elif query.get("response_type") != "code":
            back["error"] = "unsupported_response_type"
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            back |= {"error": "invalid_request", "error_description": "PKCE S256 required"}
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = query
            back["code"] = code
        return 302, f"{redirect}?{urlencode(back)}"

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == "authorization_code":
            return self._exchange(form)
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if form.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "refresh token revoked"}
        self.refreshes += 1
        access = secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": self.expires_in}

    def _exchange(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        request = self.codes.pop(form.get("code", ""), None)  # a code is used once
        if request is None or form.get("redirect_uri") != request["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "unknown code"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != request["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access = secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        answer: dict[str, object] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if self.give_refresh_token:
            self.refresh_token = secrets.token_urlsafe(16)
            answer["refresh_token"] = self.refresh_token
        return 200, answer

    def introspect(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if form.get("token") in self.access_tokens:
            return 200, {"active": True, "username": self.username}
        return 200, {"active": False}


def _handler(server: OAuth2Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            if parts.path != "/authorize":
                status, where = 404, "not found"
            else:
                status, where = server.authorize(query)
            self.send_response(status)
            if status == 302:
                self.send_header("Location", where)
            data = where.encode()
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

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
