"""A real loopback HTTP server that misbehaves on purpose, for tests of fetching and sweeps.

Mocked clients cannot show a hang, a reset or a gzip bomb; a server on a real socket can.
Each path is given a *behaviour*: a function that receives a `Connection` (the parsed request,
the raw socket, the hit count of the path) and writes whatever bytes it likes. The module
offers ready-made ones (`respond`, `redirect`, `never_answer`, `endless_body`, `drip`,
`gzip_bomb`, `reset`, `delayed`, `sequence`, ...).

    with HostileServer() as server:
        server.add("/feed", respond(200, b"<rss/>", {"ETag": '"v1"'}))
        server.add("/down", sequence(respond(500), respond(500), respond(200, b"ok")))
        url = server.url("/feed")
        ...
        assert server.requests[0].header("if-none-match") == '"v1"'
        assert server.hits("/down") == 3
        assert server.max_in_flight <= 2

Every connection is served by a daemon thread, every socket has a timeout, and behaviours
that wait watch the server's stop event, so closing the server never hangs a test run. One
request per connection (`Connection: close`), which keeps concurrency counting exact.
"""

from __future__ import annotations

import functools
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType

HeaderList = Mapping[str, str] | Iterable[tuple[str, str]]
Behaviour = Callable[["Connection"], None]

_REASONS = {
    200: "OK",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_SOCKET_TIMEOUT = 5.0
_MAX_HEAD = 65_536


@dataclass(frozen=True)
class Request:
    """What the client sent: request line and headers (names lower-cased)."""

    method: str
    target: str  # as sent, with the query string
    headers: tuple[tuple[str, str], ...]
    received_at: float

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def host(self) -> str:
        """The Host header without its port: which host name the client thought it reached."""
        value = self.header("host") or ""
        return value.rsplit(":", 1)[0] if not value.endswith("]") else value

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


@dataclass
class Connection:
    """Handed to a behaviour: the request, the socket, and helpers to answer on it."""

    sock: socket.socket
    request: Request
    server: HostileServer
    hit: int  # 1 for the first request to this path, 2 for the second, ...
    answered: bool = False
    closed: bool = False

    def send(self, data: bytes) -> bool:
        """Send bytes; False once the client has gone (the behaviour should then stop)."""
        if not self.answered:
            self.answered = True
            self.server._done_waiting(self.request)
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def send_head(self, status: int, headers: HeaderList = (), *, reason: str = "") -> bool:
        lines = [f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Status')}"]
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        names = {k.lower() for k, _ in pairs}
        if "connection" not in names:
            pairs.append(("Connection", "close"))
        lines += [f"{k}: {v}" for k, v in pairs]
        return self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send_response(self, status: int, body: bytes = b"", headers: HeaderList = ()) -> bool:
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in pairs):
            pairs.append(("Content-Length", str(len(body))))
        return self.send_head(status, pairs) and (not body or self.send(body))

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True if it is (the behaviour should return)."""
        return self.server._stop.wait(seconds)

    def close(self, *, reset: bool = False) -> None:
        """Close now; with `reset`, abort with a TCP RST (SO_LINGER 0) instead of a FIN."""
        if self.closed:
            return
        self.closed = True
        if not self.answered:
            self.answered = True
            self.server._done_waiting(self.request)
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.sock.close()


@dataclass
class HostileServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 serving a behaviour per path.

    Unknown paths get 404. `requests` records every parsed request in arrival order;
    `max_in_flight` (overall and per Host header) counts requests received and not yet
    answered, the measure a client's concurrency limits are about.
    """

    host: str = "127.0.0.1"
    port: int = 0
    _routes: dict[str, Behaviour] = field(default_factory=dict)
    _requests: list[Request] = field(default_factory=list)
    _hits: dict[str, int] = field(default_factory=dict)
    _in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: int = 0
    max_in_flight_by_host: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _listener: socket.socket | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> HostileServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(128)
        listener.settimeout(0.05)
        self._listener = listener
        self.port = listener.getsockname()[1]
        thread = threading.Thread(target=self._accept_loop, name="hostile-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def close(self) -> None:
        """Stop accepting, wake every waiting behaviour, and wait (briefly) for the threads."""
        self._stop.set()
        deadline = time.monotonic() + 5.0
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- configuration and inspection ------------------------------------------------------
    def add(self, path: str, behaviour: Behaviour) -> str:
        """Serve `path` (exact, without query) with `behaviour`; returns its URL."""
        self._routes[path] = behaviour
        return self.url(path)

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        """The URL of `path`; `host="localhost"` reaches the same server under another name."""
        return f"http://{host or self.host}:{self.port}{path}"

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits.get(path, 0)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return sum(self._in_flight.values())

    # -- internals -------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(_SOCKET_TIMEOUT)
        with sock:
            request = _read_request(sock)
            if request is None:  # not HTTP (e.g. a TLS hello) or the client went away
                return
            with self._lock:
                self._requests.append(request)
                hit = self._hits[request.path] = self._hits.get(request.path, 0) + 1
                host = request.host
                self._in_flight[host] = self._in_flight.get(host, 0) + 1
                self.max_in_flight = max(self.max_in_flight, sum(self._in_flight.values()))
                self.max_in_flight_by_host[host] = max(
                    self.max_in_flight_by_host.get(host, 0), self._in_flight[host]
                )
            conn = Connection(sock=sock, request=request, server=self, hit=hit)
            behaviour = self._routes.get(request.path, respond(404, b"not found"))
            try:
                behaviour(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def _done_waiting(self, request: Request) -> None:
        with self._lock:
            self._in_flight[request.host] -= 1


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(4096)
        except OSError:
            return None
        if not chunk or len(data) > _MAX_HEAD:
            return None
        data += chunk
        if data.startswith(b"\x16"):  # a TLS hello: answer in clear, as a plain server does
            try:
                sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            return None
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    line, *header_lines = head.split("\r\n")
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return None
    headers = []
    for header in header_lines:
        name, _, value = header.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return Request(parts[0], parts[1], tuple(headers), time.monotonic())


# -- behaviours ----------------------------------------------------------------------------
def respond(status: int = 200, body: bytes = b"", headers: HeaderList = ()) -> Behaviour:
    """A plain response with any status, headers and body (Content-Length added if absent)."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)

    def behaviour(conn: Connection) -> None:
        conn.send_response(status, body, pairs)

    return behaviour


def redirect(location: str, status: int = 302) -> Behaviour:
    """A redirect to `location` (absolute, relative, or any scheme: it is sent as given)."""
    return respond(status, b"", {"Location": location})


def never_answer() -> Behaviour:
    """Read the request, then hold the connection open without a byte until shutdown."""

    def behaviour(conn: Connection) -> None:
        conn.wait(3600)

    return behaviour


def hang_up() -> Behaviour:
    """Read the request, then close the connection cleanly without any response."""

    def behaviour(conn: Connection) -> None:
        conn.close()

    return behaviour


def reset() -> Behaviour:
    """Read the request, then abort the connection with a TCP RST."""

    def behaviour(conn: Connection) -> None:
        conn.close(reset=True)

    return behaviour


def endless_body(chunk: bytes = b"x" * 65_536, headers: HeaderList = ()) -> Behaviour:
    """200 with a chunked body that never ends (until the client leaves or shutdown)."""
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    extra = list(headers.items()) if isinstance(headers, Mapping) else list(headers)

    def behaviour(conn: Connection) -> None:
        if not conn.send_head(200, [("Transfer-Encoding", "chunked"), *extra]):
            return
        while not conn.server._stop.is_set() and conn.send(frame):
            pass

    return behaviour


def drip(interval: float = 1.0, byte: bytes = b"x", length: int = 1_000_000) -> Behaviour:
    """200 announcing `length` bytes, then one byte every `interval` seconds."""

    def behaviour(conn: Connection) -> None:
        if not conn.send_head(200, {"Content-Length": str(length)}):
            return
        for _ in range(length):
            if not conn.send(byte) or conn.wait(interval):
                return

    return behaviour


def delayed(seconds: float, then: Behaviour) -> Behaviour:
    """Wait `seconds` (the request stays "in flight"), then behave as `then`."""

    def behaviour(conn: Connection) -> None:
        if not conn.wait(seconds):
            then(conn)

    return behaviour


def sequence(*behaviours: Behaviour) -> Behaviour:
    """The n-th request to the path gets the n-th behaviour; the last one repeats."""

    def behaviour(conn: Connection) -> None:
        behaviours[min(conn.hit, len(behaviours)) - 1](conn)

    return behaviour


def gzip_bomb(size: int = 1 << 30, encoding: str = "gzip") -> Behaviour:
    """200 with `Content-Encoding: gzip` whose ~1 MB body inflates to `size` zero bytes."""

    def behaviour(conn: Connection) -> None:
        data = gzip_bomb_bytes(size)
        headers = {"Content-Encoding": encoding, "Content-Length": str(len(data))}
        if not conn.send_head(200, headers):
            return
        view = memoryview(data)
        for start in range(0, len(data), 65_536):
            if not conn.send(view[start : start + 65_536]):
                return

    return behaviour


@functools.lru_cache(maxsize=4)
def gzip_bomb_bytes(size: int = 1 << 30) -> bytes:
    """One gzip member of `size` zero bytes (a multiple of 1 MiB), built in ~0.1 s.

    After a full flush the compressor's state is the same before every 1 MiB block of zeros,
    so every block after the first compresses to the same bytes: compress three, repeat one.
    """
    block = 1 << 20
    if size % block or size < 2 * block:
        raise ValueError("size must be a multiple of 1 MiB, at least 2 MiB")
    zeros = bytes(block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // block):
        crc = zlib.crc32(zeros, crc)
    final_empty_block = b"\x03\x00"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return first + repeated * (size // block - 1) + final_empty_block + trailer


def closed_port_url(path: str = "/") -> str:
    """A URL on a loopback port nobody listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
