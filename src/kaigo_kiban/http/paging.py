"""Cursor pagination for list endpoints: ``?limit=&cursor=`` in, ``next_cursor`` out.

A route declares ``page: Paging`` and either

- has all rows sorted by a unique key and calls ``page.slice(rows, key)`` (small lists), or
- passes ``page.after`` and ``page.limit + 1`` to a keyset query
  (``WHERE (k1, k2) > (:a1, :a2) ORDER BY k1, k2 LIMIT :n``) and calls
  ``page.finish(rows, key)``.

Both return ``(items, next_cursor)``; ``next_cursor`` is ``None`` on the last page. The cursor
is opaque (encrypted, see ``api.rules.CursorCodec``) and bound to the list's path. Keys must
be tuples of str/int/date without ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request

from kaigo_kiban.http.deps import AppSettings
from kaigo_kiban.http.rules import CursorCodec, cursor_key

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: list[Any] | None
    scope: str
    codec: CursorCodec

    def finish(
        self, rows: Sequence[T], key: Callable[[T], tuple[Any, ...]]
    ) -> tuple[list[T], str | None]:
        """The page from up to ``limit + 1`` rows fetched after the cursor, and the next cursor."""
        items = list(rows[: self.limit])
        more = len(rows) > self.limit
        return items, self.codec.encode(self.scope, key(items[-1])) if more and items else None

    def slice(
        self, rows: Sequence[T], key: Callable[[T], tuple[Any, ...]]
    ) -> tuple[list[T], str | None]:
        """The page of ``rows`` (already sorted by ``key``) that follows the cursor."""
        after = self.after
        if after is not None:
            rows = [r for r in rows if cursor_key(key(r)) > after]
        return self.finish(rows[: self.limit + 1], key)


def paging(
    request: Request,
    settings: AppSettings,
    limit: int = Query(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"1ページの件数 (1〜{MAX_LIMIT})"
    ),
    cursor: str | None = Query(
        None,
        max_length=2048,
        description="次のページ: 前の応答の next_cursor をそのまま指定 (省略時は先頭から)",
    ),
) -> PageRequest:
    codec = CursorCodec(settings.resolved_secret())
    scope = request.url.path
    return PageRequest(limit, codec.decode(scope, cursor) if cursor else None, scope, codec)


Paging = Annotated[PageRequest, Depends(paging)]
