"""A loopback TCP relay that counts round trips between PostgreSQL clients and the server.

A round trip is one client message that asks the server to answer: a Sync (the end of an
extended-protocol batch or of a whole pipeline) or a simple Query. The relay parses the
frontend message stream for them, so the count is exact however the bytes are split into
TCP segments or timed (counting "the client spoke after the server" miscounts when a long
pipeline is still being sent while the server already answers its first statements).

The relay also plays a network partition: ``cut()`` drops every relayed connection and turns
new ones away until ``restore()``; ``lose_request(n)`` / ``lose_reply(n)`` cut one connection
at an exact message boundary, so the server sees asks 1..n-1 (resp. 1..n) and then the end of
the connection, and ``settled`` tells when the server has finished with what it was sent.
"""

from __future__ import annotations

import selectors
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

from dos.kernel.lanes import Taxonomy

#: Two disjoint lanes, the shape every round-trip test leases in.
TWO_LANES = Taxonomy(concurrent=("a", "b"), autopick=(), trees={"a": ("a/**",), "b": ("b/**",)})


class RoundTripRelay:
    """Relays 127.0.0.1:<port> to the server of URL; ``count`` is the round trips seen so far."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.setblocking(False)
        port = self._listener.getsockname()[1]
        netloc = parts.netloc.rpartition("@")
        self.url = urlunsplit((parts.scheme, f"{netloc[0]}{netloc[1]}127.0.0.1:{port}", parts.path,
                               parts.query, parts.fragment))
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._count = 0
        self._connections = 0
        self._stop = False
        self._down = False  # cut(): connections are turned away until restore()
        self._plan: tuple[str, int] | None = None  # ("request" | "reply", asks left to forward)
        self._calls: list[tuple[str, threading.Event]] = []
        self.settled = threading.Event()  # a planned cut's server side has closed (the server is done with it)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    @property
    def connections(self) -> int:
        """The client connections relayed so far."""
        with self._lock:
            return self._connections

    # ------------------------------------------------------------------ partitions

    def cut(self) -> None:
        """Drop every relayed connection now and turn new ones away (closed at once) until ``restore()``."""
        self._call("cut")

    def restore(self) -> None:
        """Relay new connections again (the ones cut stay gone)."""
        self._call("restore")

    def lose_request(self, asks: int) -> None:
        """Forward the next ASKS - 1 asks; the connection that would send the next one is cut before it."""
        self._arm("request", asks - 1)

    def lose_reply(self, asks: int) -> None:
        """Forward the next ASKS asks; then that connection is cut and the server's answers are discarded."""
        self._arm("reply", asks)

    def _arm(self, mode: str, asks: int) -> None:
        self.settled.clear()
        with self._lock:
            self._plan = (mode, asks)

    def _call(self, what: str) -> None:
        done = threading.Event()
        with self._lock:
            self._calls.append((what, done))
        if not done.wait(60):  # the relay thread answers within one select timeout
            raise RuntimeError(f"relay did not {what}")

    def _serve_calls(self, state: dict[socket.socket, list]) -> None:
        with self._lock:
            calls, self._calls = self._calls, []
        for what, done in calls:
            if what == "cut":
                self._down = True
                for s in list(state):
                    self._drop(state, s)
            else:
                self._down = False
            done.set()

    def _drop(self, state: dict[socket.socket, list], sock: socket.socket) -> None:
        if sock in state:
            self._sel.unregister(sock)
            sock.close()
            del state[sock]

    def _sever(self, state: dict[socket.socket, list], client: socket.socket, server: socket.socket) -> None:
        """Cut CLIENT off; the server side gets end-of-stream and is drained until it closes."""
        self._drop(state, client)
        try:
            server.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        state[server] = [None, False, None]  # no peer: its bytes are discarded

    def _client_bytes(self, state: dict[socket.socket, list], sock: socket.socket, data: bytes) -> None:
        peer, _, parser = state[sock]
        with self._lock:
            plan = self._plan
        if plan is None:
            asks = parser.feed(data)
            if asks:
                with self._lock:
                    self._count += asks
            peer.sendall(data)
            return
        mode, left = plan
        asks, upto = parser.feed_upto(data, left)
        with self._lock:
            self._count += asks
        peer.sendall(data[:upto])
        left -= asks
        if mode == "request" and (left > 0 or upto == len(data)):
            with self._lock:
                self._plan = (mode, left)
            return
        if mode == "reply" and left > 0:
            with self._lock:
                self._plan = (mode, left)
            return
        with self._lock:
            self._plan = None
        self._sever(state, sock, peer)

    def _run(self) -> None:
        state: dict[socket.socket, list] = {}  # sock -> [peer, is_client, the client's frontend parser]
        while not self._stop:
            self._serve_calls(state)
            for key, _ in self._sel.select(timeout=0.05):
                sock = key.fileobj
                if sock is self._listener:
                    client, _ = self._listener.accept()
                    if self._down:
                        client.close()
                        continue
                    server = socket.create_connection(self._upstream)
                    with self._lock:
                        self._connections += 1
                    for s in (client, server):
                        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    parser = _Frontend()
                    state[client] = [server, True, parser]
                    state[server] = [client, False, parser]
                    self._sel.register(client, selectors.EVENT_READ, None)
                    self._sel.register(server, selectors.EVENT_READ, None)
                    continue
                if sock not in state:  # dropped earlier in this round of events
                    continue
                peer, is_client, parser = state[sock]
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if peer is None:  # a severed connection's server side, drained until the server closes it
                    if not data:
                        self._drop(state, sock)
                        self.settled.set()
                    continue
                if is_client and data:
                    self._client_bytes(state, sock, data)
                    continue
                if not data:
                    for s in (sock, peer):
                        self._sel.unregister(s)
                        s.close()
                        state.pop(s, None)
                    continue
                peer.sendall(data)

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        for key in list(self._sel.get_map().values()):
            key.fileobj.close()
        self._sel.close()


_UNTYPED_REQUESTS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: another untyped message follows


class _Frontend:
    """The client side of the protocol: untyped start-up messages, then (type, int32 length) frames."""

    def __init__(self) -> None:
        self.buf = b""
        self.started = False

    def feed(self, data: bytes) -> int:
        """The Sync and Query messages completed by DATA."""
        self.buf += data
        asks = 0
        while True:
            if not self.started:
                if len(self.buf) < 8:
                    return asks
                size = int.from_bytes(self.buf[:4], "big")
                code = int.from_bytes(self.buf[4:8], "big")
                if len(self.buf) < size:
                    return asks
                self.buf = self.buf[size:]
                self.started = code not in _UNTYPED_REQUESTS
                continue
            if len(self.buf) < 5:
                return asks
            kind, size = self.buf[:1], int.from_bytes(self.buf[1:5], "big")
            if len(self.buf) < 1 + size:
                return asks
            self.buf = self.buf[1 + size:]
            asks += kind in (b"S", b"Q")

    def feed_upto(self, data: bytes, limit: int) -> tuple[int, int]:
        """Like ``feed``, but stop once LIMIT asks are complete: (asks, bytes of DATA up to that point).

        The bytes after that point are not consumed (and must not be forwarded)."""
        if limit <= 0:
            return 0, 0
        held = len(self.buf)
        self.buf += data
        asks, pos = 0, 0
        while asks < limit:
            if not self.started:
                if len(self.buf) - pos < 8:
                    break
                size = int.from_bytes(self.buf[pos:pos + 4], "big")
                code = int.from_bytes(self.buf[pos + 4:pos + 8], "big")
                if len(self.buf) - pos < size:
                    break
                pos += size
                self.started = code not in _UNTYPED_REQUESTS
                continue
            if len(self.buf) - pos < 5:
                break
            kind, size = self.buf[pos:pos + 1], int.from_bytes(self.buf[pos + 1:pos + 5], "big")
            if len(self.buf) - pos < 1 + size:
                break
            pos += 1 + size
            asks += kind in (b"S", b"Q")
        if asks < limit:  # the limit is not reached in DATA: all of it goes
            self.buf = self.buf[pos:]
            return asks, len(data)
        self.buf = self.buf[pos:]
        return asks, pos - held
