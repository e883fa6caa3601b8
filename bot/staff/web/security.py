"""The web desk's guards that sit in front of every page: security headers and the
Content-Security-Policy, a cap on request bodies, and the sign-in rate limit.

They are plain ASGI middleware and a small class, so each can be tested alone.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The longest desk form (a broadcast of a few thousand characters, or a staff member's
# areas) is a few kilobytes; 64 KiB leaves room and keeps a flood of fields off the parser.
MAX_BODY_BYTES = 64 * 1024
SIGN_IN_ATTEMPTS_PER_MINUTE = 10  # a person retrying a link or typing an address; not a script
TRACKED_CLIENTS = 10_000  # addresses the limiter remembers; the oldest are forgotten first


def tile_source(tiles_url: str) -> str:
    """The CSP source for a Leaflet tile URL template: scheme and host, with a `{s}`
    subdomain as a wildcard ("https://*.tile.example.org")."""
    parts = urlsplit(tiles_url.replace("{s}", "x-subdomain"))
    host = (parts.hostname or "").replace("x-subdomain", "*")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def content_security_policy(tiles_url: str) -> str:
    """Scripts and styles from our own files only (no inline code, no eval), images also
    from data: URLs and the map's tile host, nothing framing us, forms only to us."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {tile_source(tiles_url)}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """Adds the desk's security headers to every response; pages are never cached (they
    show who is signed in), the vendored static files may be."""

    def __init__(self, app: ASGIApp, *, tiles_url: str, https: bool, static_prefix: str = "/static/"):
        self.app = app
        self.static_prefix = static_prefix
        self.headers = {
            "Content-Security-Policy": content_security_policy(tiles_url),
            "X-Frame-Options": "DENY",
            # The sign-in link carries its token in the URL: never hand it to another site.
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        }
        if https:
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(scope.get("root_path", "") + self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body over `limit` bytes with 413 before anything parses it: by
    Content-Length when given, else by counting the streamed bytes, which are then
    handed on unchanged (a desk form is small enough to hold)."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.limit
            except ValueError:
                too_large = True
            if too_large:
                await _refuse(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > self.limit:
                await _refuse(scope, receive, send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as Starlette expects

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    response = PlainTextResponse("Request body too large", status_code=413, headers={"Connection": "close"})
    await response(scope, receive, send)


class AttemptLimiter:
    """At most `limit` attempts per client address in a sliding minute, counted in this
    process (with several workers each counts its own: the bound is per worker)."""

    def __init__(self, limit: int = SIGN_IN_ATTEMPTS_PER_MINUTE, window: float = 60.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        """Count one attempt; False when the client has used up its minute."""
        now = self.clock()
        attempts = self._attempts.setdefault(client, deque())
        self._attempts.move_to_end(client)
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()
        if len(attempts) >= self.limit:
            return False
        attempts.append(now)
        while len(self._attempts) > TRACKED_CLIENTS:
            self._attempts.popitem(last=False)
        return True
