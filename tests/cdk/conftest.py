"""Fixtures of the CDK tests: a local stand-in for GitHub's REST API (real HTTP, loopback)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["FakeGitHub", "github"]


@dataclass
class FakeGitHub:
    """Records requests; answers PATCH/POST with the status configured for the method, and
    GET with the (status, JSON body) configured for the path (404 otherwise)."""

    statuses: dict[str, int] = field(default_factory=lambda: {"PATCH": 204, "POST": 201})
    routes: dict[str, tuple[int, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def serve_repository(
        self,
        full_name: str,
        *,
        owner_id: int,
        repository_id: int,
        customization: dict[str, Any] | None = None,
    ) -> None:
        """Answer GitHub's two reads for a repository: its ids and its OIDC sub template."""
        self.routes[f"/repos/{full_name}"] = (
            200,
            {"id": repository_id, "full_name": full_name, "owner": {"id": owner_id}},
        )
        self.routes[f"/repos/{full_name}/actions/oidc/customization/sub"] = (
            200,
            customization if customization is not None else {"use_default": True},
        )


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A local HTTP server standing in for api.github.com."""
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            fake.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers),
                 "body": body}
            )  # fmt: skip
            if self.command == "GET":
                status, answer = fake.routes.get(self.path, (404, {"message": "Not Found"}))
                payload = json.dumps(answer).encode()
            else:
                status = fake.statuses[self.command]
                payload = b"" if status in (201, 204) else b'{"message": "nope"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PATCH = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
