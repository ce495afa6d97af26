"""HTTP conveniences of the JSON API, as ASGI middleware: ETags on reads, idempotent writes.

- ``GET /api/v1/…`` JSON answers carry a weak ``ETag`` (a hash of the body); a matching
  ``If-None-Match`` gets ``304`` without a body. The route — its access check, its audit row
  and its commit — has already run by then: a 304 is still a read of personal data.
- ``POST /api/v1/…`` with ``Idempotency-Key``: the first answer (status and body) is kept for
  24 hours per caller, method, path and key; a repeat of the same request gets that answer
  again (``Idempotent-Replayed: true``) without running the write twice, and a different
  request under the same key is refused (422 ``API-IDEMPOTENCY-MISMATCH``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.http import idempotency, rules

API_PREFIX = "/api/v1/"
#: Token endpoints answer with secrets: never stored, never replayed.
NOT_IDEMPOTENT = ("/api/v1/auth/", "/api/v1/person/")

#: Who is calling, stable across token refreshes (``None``: not signed in). Given the session,
#: the ``Authorization`` header and the ``Cookie`` header; the composition root passes the
#: accounts area's resolver (this toolkit knows no area).
OwnerResolver = Callable[[Session, str, str], str | None]


def _error(status: int, *, code: str, message: str) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": None}}, status_code=status
    )


class ETagMiddleware:
    """Weak ETags and ``304 Not Modified`` for JSON reads under ``/api/v1/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(API_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        buffering = False
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start, buffering
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                buffering = message["status"] == 200 and "json" in headers.get("content-type", "")
                if buffering:
                    start = message
                else:
                    await send(message)
                return
            if not buffering or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            await self._finish(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, capture)

    @staticmethod
    async def _finish(scope: Scope, start: Message, body: bytes, send: Send) -> None:
        etag = rules.weak_etag(body)
        headers = MutableHeaders(raw=list(start["headers"]))
        headers["etag"] = etag
        headers.setdefault("cache-control", "private, no-cache")
        if rules.etag_matches(Headers(scope=scope).get("if-none-match"), etag):
            for name in ("content-length", "content-type"):
                if name in headers:
                    del headers[name]
            await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    """Replays the first answer of a ``POST /api/v1/…`` that carried an ``Idempotency-Key``."""

    def __init__(self, app: ASGIApp, owner: OwnerResolver) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(API_PREFIX)
            or scope["path"].startswith(NOT_IDEMPOTENT)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not rules.valid_idempotency_key(key):
            await _error(
                422,
                code="API-IDEMPOTENCY-KEY-INVALID",
                message="Idempotency-Key は空白を含まない英数記号 1〜255 文字で指定してください",
            )(scope, receive, send)
            return
        state = scope["app"].state
        limit = state.settings.upload_max_bytes + (1 << 20)
        body, too_large = await _read_body(receive, limit)
        if too_large:
            await _error(413, code="API-BODY-TOO-LARGE", message="送信データが大きすぎます")(
                scope, receive, send
            )
            return
        replay = _replaying_receive(body, receive)
        owner = await run_in_threadpool(self._owner, state, headers)
        if owner is None:  # not signed in: the route answers 401 itself; nothing to remember
            await self.app(scope, replay, send)
            return
        fingerprint = rules.request_fingerprint(
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("content-type", ""),
            body,
        )
        claim = await run_in_threadpool(
            _in_transaction,
            state,
            idempotency.claim,
            owner,
            "POST",
            scope["path"],
            key,
            fingerprint,
        )
        if claim.state == "replay":
            response = Response(
                claim.body,
                status_code=claim.status,
                headers={"idempotent-replayed": "true"},
                media_type=claim.content_type,
            )
            await response(scope, replay, send)
            return
        if claim.state == "mismatch":
            await _error(
                422,
                code="API-IDEMPOTENCY-MISMATCH",
                message="同じ Idempotency-Key で内容の異なる要求が送信されました。新しいキーを使ってください",
            )(scope, replay, send)
            return
        if claim.state == "running":
            await _error(
                409,
                code="API-IDEMPOTENCY-IN-PROGRESS",
                message="同じ Idempotency-Key の要求を処理中です。しばらくしてから再送してください",
            )(scope, replay, send)
            return
        await self._run_and_store(scope, replay, send, state, claim.row_id)

    def _owner(self, state: Any, headers: Headers) -> str | None:
        with unit_of_work(state.sessions) as session:
            return self.owner(session, headers.get("authorization", ""), headers.get("cookie", ""))

    async def _run_and_store(
        self, scope: Scope, receive: Receive, send: Send, state: Any, row_id: int | None
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await run_in_threadpool(_in_transaction, state, idempotency.release, row_id)
            raise
        assert start is not None
        body = b"".join(chunks)
        status = start["status"]
        if 200 <= status < 500 and status != 401:
            content_type = Headers(raw=start["headers"]).get("content-type")
            await run_in_threadpool(
                _in_transaction, state, idempotency.complete, row_id, status, content_type, body
            )
        else:
            await run_in_threadpool(_in_transaction, state, idempotency.release, row_id)
        await send(start)
        await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _replaying_receive(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the connection's own messages (a real disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _in_transaction(state: Any, fn: Any, *args: Any) -> Any:
    with unit_of_work(state.sessions) as session:
        return fn(session, *args)


def install(app: Any, owner: OwnerResolver) -> None:
    """Add the API middleware (outermost first: idempotent replay, then ETags).

    ``owner`` says who is calling (the key idempotent answers are kept under).
    """
    app.add_middleware(ETagMiddleware)
    app.add_middleware(IdempotencyMiddleware, owner=owner)
