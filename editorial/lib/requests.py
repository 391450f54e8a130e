"""The request class: a JSON body that cannot be decoded at all is the client's error (400)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException


class EditorialRequest(Request[Any, Any, Any]):
    """Litestar's request, with every undecodable JSON body reported as malformed."""

    __slots__ = ()

    async def json(self) -> Any:
        try:
            return await super().json()
        # msgspec reports most malformed JSON as DecodeError, which Litestar turns into a 400;
        # bytes that are not UTF-8 and nesting beyond its recursion limit escape as these.
        except UnicodeDecodeError as error:
            raise ClientException(f"JSON is malformed: the body is not UTF-8 ({error.reason})") from None
        except RecursionError:
            raise ClientException("JSON is malformed: nested too deeply") from None
