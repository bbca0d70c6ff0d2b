"""Reading a response's body: decompressed in bounded steps, and what veille has no use
for drained or left, so connections are kept when that is cheap."""

from __future__ import annotations

import asyncio
import zlib

import httpx

from veille.fetch.failures import Failure, short

DRAIN_LIMIT = 64 * 1024
DRAIN_SECONDS = 1.0
_GZIP_WBITS = 16 + zlib.MAX_WBITS


async def drain(response: httpx.Response) -> None:
    """Read a body veille has no use for (a 304, a redirect, an error page) when it is short.

    A response closed before its end takes its connection with it: every conditional GET
    answered 304 would then cost a new connection, and a TLS handshake, to the same host.
    A body that is long, slow or broken is left unread: the reply is already known, and a
    new connection costs less than waiting.
    """

    async def read_short_body() -> None:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DRAIN_LIMIT:
                return

    try:
        await asyncio.wait_for(read_short_body(), timeout=DRAIN_SECONDS)
    except (asyncio.TimeoutError, httpx.HTTPError, OSError):
        pass


async def close_quietly(client: httpx.AsyncClient) -> None:
    """Close a client whose work is done; a failure to close is no failure of the fetch."""
    try:
        await client.aclose()
    except (httpx.HTTPError, OSError):
        pass


class Body:
    """Accumulates a response body, decoding its Content-Encoding with a bounded output.

    Every `decompress` call is limited to what is left of the cap plus one byte, so no single
    step allocates more than about `max_bytes`, and reading stops as soon as the cap is passed.
    """

    def __init__(
        self, content_encoding: str, max_bytes: int, too_large: Failure, *, status: int
    ) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise Failure(
                f"unsupported content encoding ({short(content_encoding)})", status=status
            )
        self.encoding = "identity" if not codings else codings[0].removeprefix("x-")
        self.identity = self.encoding == "identity"
        self._max = max_bytes
        self._too_large = too_large
        self._raw_seen = 0
        # Compressed data is rarely larger than what it decodes to; this only bounds the
        # reading of a stream that decodes to nothing (e.g. endless empty deflate blocks).
        self._raw_max = 2 * max_bytes + 65_536
        self._out = bytearray()
        self._inflater: zlib._Decompress | None = None
        self._pending = b""  # first bytes of a deflate body, until its flavour is known

    def feed(self, chunk: bytes) -> None:
        self._raw_seen += len(chunk)
        if self._raw_seen > self._raw_max:
            raise self._too_large
        if self.identity:
            self._append(chunk)
            return
        if self._inflater is None:
            self._pending += chunk
            if self.encoding == "deflate" and len(self._pending) < 2:
                return
            self._inflater = zlib.decompressobj(_wbits(self.encoding, self._pending))
            chunk, self._pending = self._pending, b""
        self._inflate(chunk)

    def finish(self) -> bytes:
        if self._pending:  # a deflate body of a single byte
            self._inflater = zlib.decompressobj(_wbits(self.encoding, self._pending))
            self._inflate(self._pending)
        return bytes(self._out)

    def _inflate(self, data: bytes) -> None:
        assert self._inflater is not None
        while data:
            if self._inflater.eof:
                # A gzip body may hold several members one after the other; anything else
                # after the end of the stream is padding some servers add, and is ignored.
                if self.encoding != "gzip" or not data.startswith(b"\x1f"):
                    return
                self._inflater = zlib.decompressobj(_GZIP_WBITS)
            inflater = self._inflater
            self._append(inflater.decompress(data, self._max - len(self._out) + 1))
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail

    def _append(self, data: bytes) -> None:
        if len(self._out) + len(data) > self._max:
            raise self._too_large
        self._out += data


def _wbits(encoding: str, head: bytes) -> int:
    """zlib's window flag for the body: "deflate" is meant to be zlib-wrapped, but some
    servers send a raw deflate stream; a zlib header is recognisable from its first two bytes.
    """
    if encoding == "gzip":
        return _GZIP_WBITS
    if len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS
